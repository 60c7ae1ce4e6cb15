-- Tables whose columns were dropped by a CRM migration: before the lead,
-- type and time columns, between them, before and after attaching.  A
-- query's rows leave dropped columns out while attribute numbers count
-- them; every history and lead table scan must read the right columns
-- (0.2 crashed, or flagged and then deleted every score).
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA dropped;
RESET client_min_messages;
SET timezone = 'UTC';

SELECT leadscore.create_model('dc', half_life => NULL, mql_threshold => 50, sql_threshold => 100,
	grade_profile => NULL) AS model_id;
SELECT leadscore.add_rule('dc', 'pricing_view', 35, stage => 'decision') > 0 AS added;
SELECT leadscore.add_rule('dc', 'blog_read', 5, max_count => 2) > 0 AS added;
SELECT leadscore.add_rule('dc', 'demo', 20, condition => 'extra >= 5') > 0 AS added;

-- Dropped before attaching: one column before the lead column, one between
-- the type and time columns.
CREATE TABLE dropped.acts (legacy int, lead_id bigint, kind text, old_note text, at timestamptz, extra bigint);
INSERT INTO dropped.acts VALUES
	(0, 1, 'pricing_view', 'x', '2026-01-01', 7),
	(0, 1, 'demo', 'x', '2026-01-02', 9),
	(0, 2, 'blog_read', 'x', '2026-01-03', 1),
	(0, 2, 'blog_read', 'x', '2026-01-04', 1),
	(0, 2, 'blog_read', 'x', '2026-01-05', 1),
	(0, 3, 'demo', 'x', '2026-01-05', 2);
ALTER TABLE dropped.acts DROP COLUMN legacy;
ALTER TABLE dropped.acts DROP COLUMN old_note;
SELECT leadscore.attach_activities('dropped.acts', 'lead_id', 'kind', 'at') AS states_written;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM leadscore.verify();

-- Deleting a capped row reloads the lead's history from the table.
DELETE FROM dropped.acts WHERE lead_id = 2 AND at = '2026-01-03';
UPDATE dropped.acts SET extra = 6 WHERE lead_id = 3;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM leadscore.verify();

-- Dropped after attaching: a new column, then the column before it goes.
ALTER TABLE dropped.acts ADD COLUMN channel text, ADD COLUMN campaign text;
ALTER TABLE dropped.acts DROP COLUMN channel;
INSERT INTO dropped.acts (lead_id, kind, at, extra, campaign) VALUES
	(2, 'blog_read', '2026-01-06', 0, 'spring'),
	(4, 'demo', '2026-01-06', 5, 'spring');
DELETE FROM dropped.acts WHERE lead_id = 2 AND at = '2026-01-04';
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore() AS rescored;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM leadscore.verify();

-- A lead table with a dropped column before its key: grades of the real
-- leads, nothing else.
SELECT leadscore.create_grade_profile('dc_icp', base => 'C') > 0 AS created;
SELECT leadscore.add_criterion('dc_icp', 'employees >= 200', 2, 'large') > 0 AS added;
SELECT leadscore.create_model('dc_graded', half_life => NULL, grade_profile => 'dc_icp') > 0 AS created;
SELECT leadscore.add_rule('dc_graded', 'pricing_view', 10) > 0 AS added;
CREATE TABLE dropped.contacts (legacy text, id bigint, note text, employees int);
INSERT INTO dropped.contacts VALUES ('a', 1, 'n', 500), ('b', 2, 'n', 10), ('c', 3, 'n', NULL);
ALTER TABLE dropped.contacts DROP COLUMN legacy;
ALTER TABLE dropped.contacts DROP COLUMN note;
SELECT leadscore.attach_leads('dropped.contacts', 'id') AS graded;
SELECT lead_id, grade FROM leadscore.lead_scores WHERE model = 'dc_graded' ORDER BY lead_id;
ALTER TABLE dropped.contacts ADD COLUMN region text;
ALTER TABLE dropped.contacts DROP COLUMN region;
UPDATE dropped.contacts SET employees = 300 WHERE id = 2;
SELECT lead_id, grade FROM leadscore.lead_scores WHERE model = 'dc_graded' ORDER BY lead_id;
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore() AS rescored;
SELECT lead_id, grade FROM leadscore.lead_scores WHERE model = 'dc_graded' ORDER BY lead_id;
SELECT * FROM leadscore.verify();

-- The attached columns themselves stay: dropping or renaming one is
-- refused (0.2 accepted it, then failed every write of the table).
ALTER TABLE dropped.acts DROP COLUMN kind;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE dropped.acts RENAME COLUMN at TO occurred_at;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE dropped.contacts DROP COLUMN id CASCADE;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE dropped.acts DROP COLUMN campaign, ADD COLUMN channel text;
INSERT INTO dropped.acts (lead_id, kind, at, extra, channel) VALUES (5, 'pricing_view', '2026-01-07', 0, 'web');
SELECT lead_id, score FROM leadscore.lead_scores WHERE model = 'dc' AND lead_id = 5;
-- Detached, the table is the CRM's again.
SELECT leadscore.detach('dropped.acts');
ALTER TABLE dropped.acts RENAME COLUMN at TO occurred_at;
SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP SCHEMA dropped CASCADE;
RESET client_min_messages;
