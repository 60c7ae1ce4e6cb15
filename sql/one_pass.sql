-- Every trigger firing of one query on an attached table is scored in one
-- pass when the query's last trigger has fired (src/pg/ingest/query_levels.hpp):
-- an upsert's UPDATE and INSERT firings, MERGE's three, a data-modifying
-- WITH's one per sub-statement.  Each lead's state row is written once per
-- query (pg_stat_xact_user_tables counts the writes), which is what keeps
-- a query and its mirror image from locking two leads in opposite orders
-- (test/t/014_mirror_upserts.pl runs the mirror images concurrently).
-- Statements nested in a query's triggers are levels of their own; a COPY
-- is scored at once, also when a trigger runs it inside an exception block.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA pass_test;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE pass_test.activities (id bigint PRIMARY KEY, lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('pass', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('pass', 'visit', 10) > 0 AS added;
SELECT leadscore.add_rule('pass', 'download', 5, max_count => 2) > 0 AS added;
SELECT leadscore.attach_activities('pass_test.activities', 'lead_id', 'kind', 'at');
INSERT INTO pass_test.activities VALUES
	(1, 1, 'download', '2026-01-01 01:00'), (2, 1, 'download', '2026-01-01 02:00'),
	(3, 2, 'visit', '2026-01-01 03:00');

CREATE VIEW pass_test.writes AS
SELECT n_tup_ins + n_tup_upd AS n
FROM pg_catalog.pg_stat_xact_user_tables WHERE relid = 'leadscore.lead_state'::regclass;
CREATE VIEW pass_test.scores AS
SELECT lead_id, score, activity_count FROM leadscore.lead_scores ORDER BY lead_id;

-- An upsert: row 1 conflicts (lead 1, capped rule: the locked path), rows
-- 10 and 15 are new (leads 2 and 1) — two leads, two state writes, where
-- the UPDATE and the INSERT firing each wrote lead 1 before.
BEGIN;
SELECT n AS n0 FROM pass_test.writes \gset
INSERT INTO pass_test.activities VALUES (1, 1, 'download', '2026-01-02 01:00'), (10, 2, 'download', '2026-01-02 02:00'),
	(15, 1, 'visit', '2026-01-02 03:00')
ON CONFLICT (id) DO UPDATE SET at = excluded.at;
SELECT n - :n0 AS state_writes FROM pass_test.writes;
COMMIT;
SELECT * FROM pass_test.scores;
SELECT * FROM leadscore.verify();

-- A data-modifying WITH deleting a capped row of lead 1 (its older row
-- comes back into the cap) and inserting one for lead 1 and one for lead 3.
BEGIN;
SELECT n AS n0 FROM pass_test.writes \gset
WITH d AS (DELETE FROM pass_test.activities WHERE id = 2 RETURNING id)
INSERT INTO pass_test.activities VALUES (11, 1, 'download', '2026-01-03 01:00'), (12, 3, 'visit', '2026-01-03 02:00');
SELECT n - :n0 AS state_writes FROM pass_test.writes;
COMMIT;
SELECT * FROM pass_test.scores;
SELECT * FROM leadscore.verify();

-- MERGE with UPDATE, DELETE and INSERT actions in one statement.
CREATE TABLE pass_test.incoming (id bigint, lead_id bigint, kind text, at timestamptz, gone boolean);
INSERT INTO pass_test.incoming VALUES
	(3, 2, 'download', '2026-01-04 01:00', false), (10, 2, NULL, NULL, true),
	(13, 4, 'visit', '2026-01-04 02:00', false), (14, 1, 'download', '2026-01-04 03:00', false);
BEGIN;
SELECT n AS n0 FROM pass_test.writes \gset
MERGE INTO pass_test.activities a USING pass_test.incoming i ON a.id = i.id
WHEN MATCHED AND i.gone THEN DELETE
WHEN MATCHED THEN UPDATE SET kind = i.kind, at = i.at
WHEN NOT MATCHED THEN INSERT VALUES (i.id, i.lead_id, i.kind, i.at);
SELECT n - :n0 AS state_writes FROM pass_test.writes;
COMMIT;
SELECT * FROM pass_test.scores;
SELECT * FROM leadscore.verify();

-- A query that writes two attached tables: each table's rows are scored
-- in a pass of their own, but first every lead state of both is locked in
-- one pass in key order (an empty state inserted for a new lead), so two
-- such queries in mirror image do not deadlock either.
CREATE TABLE pass_test.web (id bigint PRIMARY KEY, lead_id bigint, kind text, at timestamptz);
SELECT leadscore.attach_activities('pass_test.web', 'lead_id', 'kind', 'at');
WITH d AS (DELETE FROM pass_test.activities WHERE id = 11 RETURNING id)
INSERT INTO pass_test.web VALUES (1, 1, 'download', '2026-01-04 04:00'), (2, 8, 'visit', '2026-01-04 05:00');
SELECT * FROM pass_test.scores;
SELECT * FROM leadscore.verify();

-- A user's trigger that writes the attached table again: its INSERT is a
-- level of its own, scored before the outer query's rows, whose capped
-- lead then needs its history — which holds the outer rows already.
CREATE FUNCTION pass_test.follow_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF pg_trigger_depth() > 1 THEN
		RETURN NULL;
	END IF;
	INSERT INTO pass_test.activities
	SELECT n.id + 1000, n.lead_id, 'visit', n.at + interval '1 minute' FROM new_rows n WHERE n.id < 1000;
	RETURN NULL;
END $$;
CREATE TRIGGER follow_up AFTER INSERT ON pass_test.activities
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pass_test.follow_up();
INSERT INTO pass_test.activities VALUES (20, 1, 'download', '2026-01-05 01:00'), (21, 5, 'download', '2026-01-05 02:00')
ON CONFLICT (id) DO NOTHING;
DELETE FROM pass_test.activities WHERE id = 14;
SELECT * FROM pass_test.scores;
SELECT * FROM leadscore.verify();
DROP TRIGGER follow_up ON pass_test.activities;

-- A COPY run by a trigger inside an exception block that then rolls back:
-- its rows are gone, and so is their score (the COPY was scored at once,
-- inside the rolled-back block, not with the enclosing query).
CREATE TABLE pass_test.requests (lead_id bigint);
CREATE FUNCTION pass_test.load_and_fail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		COPY pass_test.activities FROM PROGRAM 'printf "30\t6\tvisit\t2026-01-06 01:00+00\n"';
		PERFORM 1 / 0;
	EXCEPTION WHEN division_by_zero THEN
		NULL;
	END;
	RETURN NULL;
END $$;
CREATE TRIGGER load_and_fail AFTER INSERT ON pass_test.requests
	FOR EACH STATEMENT EXECUTE FUNCTION pass_test.load_and_fail();
INSERT INTO pass_test.requests VALUES (6);
SELECT count(*) AS rows_of_lead_6 FROM pass_test.activities WHERE lead_id = 6;
SELECT * FROM pass_test.scores;
SELECT * FROM leadscore.verify();

-- A query's rows are scored when its statement ends, inside a function
-- too: the function reads its own writes.
CREATE FUNCTION pass_test.add_and_read(lead bigint) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO pass_test.activities VALUES (40 + lead, lead, 'visit', '2026-01-07 01:00')
	ON CONFLICT (id) DO UPDATE SET kind = 'visit';
	RETURN (SELECT s.score FROM leadscore.lead_scores s WHERE s.lead_id = lead);
END $$;
SELECT pass_test.add_and_read(7) AS score_seen_inside;

SET client_min_messages = warning;
DROP SCHEMA pass_test CASCADE;
RESET client_min_messages;
