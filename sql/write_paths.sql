-- How the triggers write leadscore.lead_state (src/pg/state/state_store.hpp): a
-- new lead's row is inserted once with its final state, an existing lead's
-- row is locked, read and updated, and a lead whose delta needs its history
-- (a deletion for a lead without state) gets a placeholder row and a reload.
-- pg_stat_xact_user_tables counts the rows inserted and updated (also those
-- of earlier transactions whose counts are not yet flushed: so each
-- transaction shows the difference from its start).
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA paths_test;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE paths_test.activities (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('paths', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('paths', 'visit', 10) > 0 AS added;
SELECT leadscore.add_rule('paths', 'download', 5, stage => 'awareness', max_count => 2) > 0 AS added;
SELECT leadscore.attach_activities('paths_test.activities', 'lead_id', 'kind', 'at');

CREATE VIEW paths_test.counts AS
SELECT n_tup_ins AS ins, n_tup_upd AS upd
FROM pg_catalog.pg_stat_xact_user_tables WHERE relid = 'leadscore.lead_state'::regclass;

-- Three new leads in one statement with a capped rule: three rows
-- inserted, none updated.
BEGIN;
SELECT ins AS ins0, upd AS upd0 FROM paths_test.counts \gset
INSERT INTO paths_test.activities (lead_id, kind, at) VALUES
	(3, 'download', '2026-01-01 03:00'), (1, 'download', '2026-01-01 01:00'),
	(2, 'visit', '2026-01-01 02:00'), (1, 'visit', '2026-01-01 04:00');
SELECT ins - :ins0 AS inserted, upd - :upd0 AS updated FROM paths_test.counts;
COMMIT;

-- One new lead in a single-row statement, then the same lead again: one
-- insert, then one update.
BEGIN;
SELECT ins AS ins0, upd AS upd0 FROM paths_test.counts \gset
INSERT INTO paths_test.activities (lead_id, kind, at) VALUES (4, 'download', '2026-01-02 01:00');
SELECT ins - :ins0 AS inserted, upd - :upd0 AS updated FROM paths_test.counts;
INSERT INTO paths_test.activities (lead_id, kind, at) VALUES (4, 'download', '2026-01-02 02:00');
SELECT ins - :ins0 AS inserted, upd - :upd0 AS updated FROM paths_test.counts;
COMMIT;

-- Two existing leads and a new one in one statement: one insert, two
-- updates.
BEGIN;
SELECT ins AS ins0, upd AS upd0 FROM paths_test.counts \gset
INSERT INTO paths_test.activities (lead_id, kind, at) VALUES
	(1, 'download', '2026-01-03 01:00'), (5, 'download', '2026-01-03 02:00'),
	(2, 'download', '2026-01-03 03:00');
SELECT ins - :ins0 AS inserted, upd - :upd0 AS updated FROM paths_test.counts;
COMMIT;

-- Uncapped rules only (the additive upsert): one new lead, one existing,
-- single-row and multi-row.
BEGIN;
SELECT ins AS ins0, upd AS upd0 FROM paths_test.counts \gset
INSERT INTO paths_test.activities (lead_id, kind, at) VALUES (6, 'visit', '2026-01-04 01:00');
INSERT INTO paths_test.activities (lead_id, kind, at) VALUES (6, 'visit', '2026-01-04 02:00'),
	(7, 'visit', '2026-01-04 03:00');
SELECT ins - :ins0 AS inserted, upd - :upd0 AS updated FROM paths_test.counts;
COMMIT;

SELECT lead_id, score, stage, activity_count, last_activity_at
FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM leadscore.verify();

-- Webinars of leads 8 and 9 arrive before any rule scores them, so the two
-- leads have no state; then a rule does (without a rescore, which would
-- score them).  Deleting such a webinar takes out an activity the lead's
-- state never had: the row is created as a placeholder, locked, and the
-- lead is recomputed from its history.
INSERT INTO paths_test.activities (lead_id, kind, at) VALUES
	(8, 'webinar', '2026-01-05 01:00'), (8, 'webinar', '2026-01-05 02:00'),
	(9, 'webinar', '2026-01-05 03:00'), (9, 'webinar', '2026-01-05 04:00'),
	(9, 'webinar', '2026-01-05 05:00');
SELECT count(*) AS states_of_8_and_9 FROM leadscore.lead_state WHERE lead_id IN (8, 9);
SELECT leadscore.add_rule('paths', 'webinar', 25) > 0 AS added;
-- One lead (single-row statement).
DELETE FROM paths_test.activities WHERE lead_id = 8 AND at = '2026-01-05 01:00';
SELECT lead_id, score, activity_count FROM leadscore.lead_scores WHERE lead_id = 8;
-- Two leads in one statement.
DELETE FROM paths_test.activities WHERE lead_id IN (8, 9) AND at IN ('2026-01-05 02:00', '2026-01-05 03:00');
SELECT lead_id, score, activity_count FROM leadscore.lead_scores WHERE lead_id IN (8, 9) ORDER BY lead_id;
SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP SCHEMA paths_test CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
