-- Partitioned activity and lead tables (src/sql/attachments.sql, "leadscore's
-- triggers on attached tables"; src/pg/catalog/partition_members.hpp): rows
-- are scored whichever table of the tree a statement names, partitions
-- created, attached, detached or dropped after attach_*() join or leave the
-- scores, and after every step the scores equal a plain-SQL recompute over
-- the partitioned table (pt.diff: no row) and verify() agrees.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA pt;
RESET client_min_messages;
SET timezone = 'UTC';

-- acts: 2025 a leaf, 2026 partitioned again by half-year.
CREATE TABLE pt.acts (id bigint, lead_id bigint, kind text, at timestamptz, PRIMARY KEY (id, at))
	PARTITION BY RANGE (at);
CREATE TABLE pt.acts_2025 PARTITION OF pt.acts FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE pt.acts_2026 PARTITION OF pt.acts FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
	PARTITION BY RANGE (at);
CREATE TABLE pt.acts_2026h1 PARTITION OF pt.acts_2026 FOR VALUES FROM ('2026-01-01') TO ('2026-07-01');
CREATE TABLE pt.acts_2026h2 PARTITION OF pt.acts_2026 FOR VALUES FROM ('2026-07-01') TO ('2027-01-01');
INSERT INTO pt.acts VALUES (1, 1, 'visit', '2025-03-01'), (2, 2, 'download', '2026-02-01'),
	(3, 2, 'download', '2026-08-01');

SELECT leadscore.create_model('parts', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('parts', 'visit', 10) > 0 AS added;
SELECT leadscore.add_rule('parts', 'download', 5, max_count => 2) > 0 AS added;
SELECT leadscore.attach_activities('pt.acts', 'lead_id', 'kind', 'at') AS scored;

-- The same rules in plain SQL over the partitioned table: every lead whose
-- stored score or activity count differs.  A row counted twice (or not at
-- all) shows in the activity count even where a cap hides it in the score.
CREATE VIEW pt.diff AS
WITH rules (kind, points, cap) AS (VALUES ('visit', 10, NULL), ('download', 5, 2)),
per_rule AS (
	SELECT a.lead_id, r.points, r.cap, count(*) AS n FROM pt.acts a JOIN rules r USING (kind) GROUP BY 1, 2, 3
), expected AS (
	SELECT lead_id, sum(points * least(n, coalesce(cap, n)))::float8 AS score, sum(n) AS activity_count
	FROM per_rule GROUP BY 1
), stored AS (
	SELECT lead_id, score::float8 AS score, activity_count FROM leadscore.lead_scores WHERE activity_count > 0
)
SELECT lead_id, e.score AS expected_score, s.score AS stored_score,
	e.activity_count AS expected_count, s.activity_count AS stored_count
FROM expected e FULL JOIN stored s USING (lead_id)
WHERE (e.score, e.activity_count) IS DISTINCT FROM (s.score, s.activity_count);

-- Every member carries leadscore's triggers.
CREATE VIEW pt.triggered AS
SELECT tgrelid::regclass AS tbl, count(*) AS triggers
FROM pg_trigger WHERE tgname LIKE 'leadscore\_%' GROUP BY 1 ORDER BY tgrelid::regclass::text;
SELECT * FROM pt.triggered;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();

-- Through the parent, straight into a leaf, into the intermediate
-- partitioned table, and COPY into a leaf.
INSERT INTO pt.acts VALUES (4, 3, 'visit', '2025-04-01'), (5, 3, 'download', '2026-03-01');
INSERT INTO pt.acts_2025 VALUES (6, 3, 'visit', '2025-05-01');
INSERT INTO pt.acts_2026 VALUES (7, 4, 'visit', '2026-09-01'), (8, 4, 'download', '2026-01-15');
INSERT INTO pt.acts_2026h1 VALUES (9, 4, 'download', '2026-02-15');
COPY pt.acts_2026h2 FROM stdin;
10	4	download	2026-10-01
11	5	visit	2026-10-02
\.
SELECT lead_id, score, activity_count FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();

-- Updates and deletes through each level; rows that move between
-- partitions (one UPDATE of the named ancestor) count once.
UPDATE pt.acts SET at = '2025-06-01' WHERE id = 5;
UPDATE pt.acts_2026 SET at = '2026-11-01' WHERE id = 8;
UPDATE pt.acts_2025 SET kind = 'download' WHERE id = 6;
DELETE FROM pt.acts_2026h2 WHERE id = 11;
DELETE FROM pt.acts WHERE id = 1;
SELECT tableoid::regclass, id, lead_id, kind, at FROM pt.acts ORDER BY id;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();

-- Upsert and MERGE through the parent.
INSERT INTO pt.acts VALUES (2, 2, 'visit', '2026-02-01'), (12, 2, 'visit', '2025-02-01')
	ON CONFLICT (id, at) DO UPDATE SET kind = excluded.kind;
MERGE INTO pt.acts t
USING (VALUES (3, 'delete'), (4, 'download'), (13, 'visit')) AS s (id, action) ON t.id = s.id
WHEN MATCHED AND s.action = 'delete' THEN DELETE
WHEN MATCHED THEN UPDATE SET kind = s.action
WHEN NOT MATCHED THEN INSERT VALUES (s.id, 6, s.action, '2026-12-01');
SELECT lead_id, score, activity_count FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();

-- A partition created after attach_activities carries the triggers at
-- once.
CREATE TABLE pt.acts_2027 PARTITION OF pt.acts FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
INSERT INTO pt.acts_2027 VALUES (14, 6, 'visit', '2027-01-02');
SELECT * FROM pt.triggered;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();

-- ATTACH of a table that already holds rows, built on its own: another
-- column order and a dropped column.  Its rows join the scores, and rows
-- written into it later are read by name.
CREATE TABLE pt.acts_2024 (junk int, at timestamptz NOT NULL, kind text, lead_id bigint, id bigint NOT NULL);
ALTER TABLE pt.acts_2024 DROP COLUMN junk;
INSERT INTO pt.acts_2024 (id, lead_id, kind, at) VALUES (15, 7, 'visit', '2024-05-01'), (16, 1, 'download', '2024-06-01');
ALTER TABLE pt.acts ATTACH PARTITION pt.acts_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
SELECT lead_id, score, activity_count FROM leadscore.lead_scores WHERE lead_id IN (1, 7) ORDER BY lead_id;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();
INSERT INTO pt.acts_2024 (id, lead_id, kind, at) VALUES (17, 7, 'download', '2024-07-01');
UPDATE pt.acts_2024 SET kind = 'visit' WHERE id = 16;
UPDATE pt.acts SET at = '2024-02-01' WHERE id = 12;
DELETE FROM pt.acts_2024 WHERE id = 15;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores WHERE lead_id IN (1, 2, 7) ORDER BY lead_id;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();

-- DETACH: the table's rows leave the scores, it loses the triggers, and
-- what is written into it afterwards is not scored.
ALTER TABLE pt.acts DETACH PARTITION pt.acts_2024;
SELECT * FROM pt.triggered;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores WHERE lead_id IN (1, 2, 7) ORDER BY lead_id;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();
INSERT INTO pt.acts_2024 (id, lead_id, kind, at) VALUES (18, 7, 'visit', '2024-08-01');
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();

-- DETACH ... CONCURRENTLY would take the rows out of the tree and out of
-- the scores in two transactions: refused.  Of an unattached tree it goes
-- on (a detached table can be dropped too).
ALTER TABLE pt.acts DETACH PARTITION pt.acts_2025 CONCURRENTLY;
CREATE TABLE pt.other (at timestamptz) PARTITION BY RANGE (at);
CREATE TABLE pt.other_1 PARTITION OF pt.other FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE pt.other DETACH PARTITION pt.other_1 CONCURRENTLY;
DROP TABLE pt.acts_2024, pt.other, pt.other_1;

-- DROP of a partition that holds rows.
DROP TABLE pt.acts_2026h2;
SELECT * FROM pt.triggered;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();

-- TRUNCATE of a leaf, of the intermediate table and of the parent: one
-- rescore per statement, however many partitions it empties.
SET track_functions = 'all';
BEGIN;
TRUNCATE pt.acts_2027;
SELECT calls AS rescores FROM pg_stat_xact_user_functions WHERE funcname = 'rescore';
SELECT * FROM pt.diff;
TRUNCATE pt.acts_2026;
SELECT calls AS rescores FROM pg_stat_xact_user_functions WHERE funcname = 'rescore';
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();
TRUNCATE pt.acts;
SELECT calls AS rescores FROM pg_stat_xact_user_functions WHERE funcname = 'rescore';
SELECT count(*) AS states FROM leadscore.lead_scores WHERE activity_count > 0;
SELECT * FROM leadscore.verify();
ROLLBACK;
RESET track_functions;

-- With the event triggers off, a partition that joins lacks the triggers
-- and one that leaves keeps them: verify() says so, rescore() mends both.
ALTER EVENT TRIGGER leadscore_follow_partitions DISABLE;
ALTER EVENT TRIGGER leadscore_refuse_altered DISABLE;
CREATE TABLE pt.acts_2028 PARTITION OF pt.acts FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');
ALTER TABLE pt.acts DETACH PARTITION pt.acts_2027;
ALTER EVENT TRIGGER leadscore_follow_partitions ENABLE;
ALTER EVENT TRIGGER leadscore_refuse_altered ENABLE;
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore() > 0 AS rescored;
SELECT * FROM pt.triggered;
SELECT * FROM pt.diff;
SELECT * FROM leadscore.verify();
DROP TABLE pt.acts_2027;

-- A partitioned lead table: rows written into a partition are graded,
-- also in a partition attached with another column order.
SELECT leadscore.create_grade_profile('pt_fit', base => 'C') > 0 AS created;
SELECT leadscore.add_criterion('pt_fit', 'employees >= 200', 2, 'large') > 0 AS added;
SELECT leadscore.create_model('parts_graded', half_life => NULL, grade_profile => 'pt_fit') > 0 AS created;
CREATE TABLE pt.leads (id bigint, region text, employees int) PARTITION BY LIST (region);
CREATE TABLE pt.leads_eu PARTITION OF pt.leads FOR VALUES IN ('eu');
INSERT INTO pt.leads VALUES (1, 'eu', 10), (2, 'eu', 500);
SELECT leadscore.attach_leads('pt.leads', 'id') AS graded;
INSERT INTO pt.leads_eu VALUES (3, 'eu', 900);
CREATE TABLE pt.leads_us (employees int, dropped int, region text, id bigint);
ALTER TABLE pt.leads_us DROP COLUMN dropped;
INSERT INTO pt.leads_us VALUES (1000, 'us', 4);
ALTER TABLE pt.leads ATTACH PARTITION pt.leads_us FOR VALUES IN ('us');
INSERT INTO pt.leads_us VALUES (5, 'us', 5), (300, 'us', 6);
UPDATE pt.leads_us SET employees = 20 WHERE id = 4;
UPDATE pt.leads SET region = 'eu' WHERE id = 6;
SELECT * FROM pt.triggered;
SELECT l.id, l.employees, s.grade
FROM pt.leads l LEFT JOIN leadscore.lead_scores s ON s.lead_id = l.id AND s.model = 'parts_graded' ORDER BY l.id;
SELECT * FROM leadscore.verify();
-- A foreign partition cannot carry the triggers: adding one is refused.
CREATE EXTENSION postgres_fdw;
CREATE SERVER pt_nowhere FOREIGN DATA WRAPPER postgres_fdw;
CREATE FOREIGN TABLE pt.leads_asia PARTITION OF pt.leads FOR VALUES IN ('asia') SERVER pt_nowhere;
CREATE FOREIGN TABLE pt.asia (id bigint, region text, employees int) SERVER pt_nowhere;
ALTER TABLE pt.leads ATTACH PARTITION pt.asia FOR VALUES IN ('asia');
DROP FOREIGN TABLE pt.asia;
DROP SERVER pt_nowhere;
DROP EXTENSION postgres_fdw;
ALTER TABLE pt.leads DETACH PARTITION pt.leads_us;
SELECT * FROM pt.triggered;
SELECT l.id, s.grade
FROM pt.leads_us l LEFT JOIN leadscore.lead_scores s ON s.lead_id = l.id AND s.model = 'parts_graded' ORDER BY l.id;
SELECT * FROM leadscore.verify();

-- detach() takes the triggers off every member.
SELECT leadscore.detach('pt.acts');
SELECT leadscore.detach('pt.leads');
SELECT * FROM pt.triggered;
SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP SCHEMA pt CASCADE;
RESET client_min_messages;
