-- The scoring engine: models, rules, an attached activity table, exact
-- scores as rows are inserted, updated and deleted, caps, stages, statuses,
-- top_leads from the index, explain, verify, rescore, stats — and every
-- configuration error with its SQLSTATE.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA crm;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE crm.activities (
	id bigserial PRIMARY KEY,
	lead_id bigint,
	kind text,
	occurred_at timestamptz,
	url text,
	duration_s integer
);

-- A model without decay gives exact, time-independent scores to print.
SELECT leadscore.create_model('crm_software', half_life => NULL, mql_threshold => 50, sql_threshold => 100) AS model_id;
SELECT leadscore.add_rule('crm_software', 'pricing_view', 35, stage => 'decision');
SELECT leadscore.add_rule('crm_software', 'blog_read', 5, stage => 'awareness', max_count => 5);
SELECT leadscore.add_rule('crm_software', 'page_view', 15, stage => 'consideration',
                          condition => 'url LIKE ''/pricing%'' AND duration_s >= 30');
SELECT leadscore.add_rule('crm_software', 'unsubscribe', -40);
SELECT leadscore.add_rule('crm_software', 'webinar', 25, stage => 'consideration', name => 'webinar attended');
-- A second model (another product line) with a 7-day half-life.
SELECT leadscore.create_model('call_center', half_life => '7 days', stages => '{idea,orientation,choice}') AS model_id;
SELECT leadscore.add_rule('call_center', 'webinar', 40, stage => 'orientation');
SELECT leadscore.add_rule('call_center', 'pricing_view', 20, stage => 'choice');

SELECT name, half_life, mql_threshold, sql_threshold, sql_min_grade, stages, stage_min_points, version
FROM leadscore.models ORDER BY id;
SELECT m.name AS model, r.name, r.activity_type, r.points, r.stage, r.condition, r.max_count
FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id ORDER BY r.id;

-- Attaching scores the rows already in the table.
INSERT INTO crm.activities (lead_id, kind, occurred_at) VALUES (1, 'webinar', '2026-01-01 09:00');
SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'occurred_at') AS states_written;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'crm.activities'::regclass ORDER BY tgname;

-- From here on every statement moves the scores in its own transaction.
INSERT INTO crm.activities (lead_id, kind, occurred_at, url, duration_s) VALUES
	(1, 'pricing_view', '2026-01-02 10:00', NULL, NULL),
	(1, 'page_view', '2026-01-02 10:05', '/pricing/enterprise', 45),
	(1, 'page_view', '2026-01-02 10:06', '/pricing/enterprise', 10),  -- too short: no points
	(1, 'page_view', '2026-01-02 10:07', '/blog/crm-tips', 300),      -- not pricing: no points
	(2, 'blog_read', '2026-01-03 08:00', NULL, NULL),
	(2, 'unsubscribe', '2026-01-04 08:00', NULL, NULL),
	(3, 'trade_fair_visit', '2026-01-05 12:00', NULL, NULL),          -- no rule: unknown type
	(NULL, 'blog_read', '2026-01-05 12:00', NULL, NULL),              -- no lead: skipped
	(4, NULL, '2026-01-05 12:00', NULL, NULL),                        -- no type: skipped
	(5, 'blog_read', NULL, NULL, NULL);                               -- no time: skipped
-- A flood of blog reads: only the 5 most recent count.
INSERT INTO crm.activities (lead_id, kind, occurred_at)
SELECT 6, 'blog_read', '2026-01-01'::timestamptz + i * interval '1 hour' FROM generate_series(1, 100) AS i;

SELECT lead_id, score, stage, status, activity_count, last_activity_at
FROM leadscore.lead_scores WHERE model = 'crm_software' ORDER BY lead_id;

-- The same row scores in every model that has a rule for it.
SELECT model, lead_id, activity_count, stage FROM leadscore.lead_scores WHERE lead_id = 1 ORDER BY model;

-- Back-dated rows are exact: an old blog read of lead 6 does not count
-- (5 newer ones do), a new one pushes the oldest counted one out.
INSERT INTO crm.activities (lead_id, kind, occurred_at) VALUES (6, 'blog_read', '2025-06-01');
INSERT INTO crm.activities (lead_id, kind, occurred_at) VALUES (7, 'blog_read', '2025-06-01'), (7, 'blog_read', '2025-06-02');
SELECT lead_id, score, activity_count FROM leadscore.lead_scores WHERE model = 'crm_software' AND lead_id IN (6, 7) ORDER BY lead_id;

-- UPDATE and DELETE take their contribution back out, caps included.
UPDATE crm.activities SET duration_s = 60 WHERE lead_id = 1 AND duration_s = 10;  -- now it counts
UPDATE crm.activities SET lead_id = 8 WHERE lead_id = 1 AND kind = 'pricing_view'; -- moves to lead 8
DELETE FROM crm.activities WHERE lead_id = 6 AND occurred_at > '2026-01-05';       -- the newest blog reads go
UPDATE crm.activities SET kind = 'webinar' WHERE lead_id = 2 AND kind = 'unsubscribe';
SELECT lead_id, score, stage, status, activity_count
FROM leadscore.lead_scores WHERE model = 'crm_software' ORDER BY lead_id;
SELECT * FROM leadscore.verify();

-- One statement, two triggers: INSERT ... ON CONFLICT DO UPDATE fires the
-- UPDATE and the INSERT trigger.  Moving lead 8's only activity away makes
-- its state reload from history, which must wait for the INSERT trigger or
-- the new row would count twice.
CREATE UNIQUE INDEX activities_id ON crm.activities (id);
INSERT INTO crm.activities (id, lead_id, kind, occurred_at)
SELECT id, 11, kind, occurred_at FROM crm.activities WHERE lead_id = 8
UNION ALL SELECT 900001, 8, 'webinar', '2026-01-01 08:00'
ON CONFLICT (id) DO UPDATE SET lead_id = excluded.lead_id;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores
WHERE model = 'crm_software' AND lead_id IN (8, 11) ORDER BY lead_id;
WITH added AS (INSERT INTO crm.activities (id, lead_id, kind, occurred_at)
               VALUES (900002, 11, 'webinar', '2025-12-01') RETURNING id)
DELETE FROM crm.activities WHERE id = 900001;
SELECT * FROM leadscore.verify();

-- Statuses: nurture below MQL, mql from 50, sql from 100.
INSERT INTO crm.activities (lead_id, kind, occurred_at)
SELECT 9, 'pricing_view', '2026-02-01'::timestamptz + i * interval '1 day' FROM generate_series(1, 3) AS i;
SELECT lead_id, score, status FROM leadscore.lead_scores
WHERE model = 'crm_software' AND lead_id IN (1, 2, 9) ORDER BY lead_id;

-- A rolled-back insert leaves no trace.
BEGIN;
INSERT INTO crm.activities (lead_id, kind, occurred_at) VALUES (10, 'pricing_view', '2026-02-01');
SELECT count(*) AS during FROM leadscore.lead_scores WHERE lead_id = 10;
ROLLBACK;
SELECT count(*) AS after_rollback FROM leadscore.lead_scores WHERE lead_id = 10;

-- explain: per rule, what matched, what counted, what it is worth.
SELECT rule, activity_type, points, stage, activities, counted, raw_points, round(points_now::numeric, 6) AS points_now,
       round(share::numeric, 6) AS share
FROM leadscore.explain('crm_software', 6);
SELECT rule, activities, counted, raw_points FROM leadscore.explain('crm_software', 1::bigint) WHERE activities > 0;

-- top_leads reads the (score_rank, model_id) index: no sort of every lead,
-- only of the top ranks' leads, and the same leads in the same order as a
-- sort of every lead by score.
INSERT INTO crm.activities (lead_id, kind, occurred_at)
SELECT 1000 + i, 'webinar', '2026-03-01'::timestamptz + (i % 50) * interval '1 minute' FROM generate_series(1, 2000) AS i;
ANALYZE leadscore.lead_state;
SELECT lead_id, score, status FROM leadscore.top_leads('crm_software', 3);
EXPLAIN (COSTS OFF)
SELECT lead_id FROM leadscore.lead_scores WHERE model_id = 1 ORDER BY score_rank DESC, score_key DESC LIMIT 50;
SELECT array_agg(t.score_key) = (SELECT array_agg(score_key ORDER BY score_key DESC) FROM
		(SELECT score_key FROM leadscore.lead_scores WHERE model_id = 1 ORDER BY score_key DESC LIMIT 50) x)
	AS same_top, count(*) AS n
FROM leadscore.top_leads('crm_software', 50) t;

-- Scores decay in the second model; ordering by score_key is ordering by
-- score now.
SELECT count(*) AS leads,
       bool_and(score >= 0 AND score < 80) AS decayed
FROM leadscore.lead_scores WHERE model = 'call_center';
SELECT (array_agg(lead_id ORDER BY score DESC, lead_id))[1:3] = (array_agg(lead_id ORDER BY score_key DESC, lead_id))[1:3] AS same_order
FROM leadscore.lead_scores WHERE model = 'call_center';

SELECT source, model, rows_scored, rows_skipped, unknown_types FROM leadscore.stats ORDER BY source NULLS LAST, model;

-- rescore rebuilds the same state from the history.
CREATE TEMP TABLE before AS SELECT model, lead_id, score_key FROM leadscore.lead_scores;
SELECT leadscore.rescore('crm_software') AS rescored;
SELECT count(*) AS changed FROM before b JOIN leadscore.lead_scores s USING (model, lead_id)
WHERE abs(b.score_key - s.score_key) > 1e-9 * greatest(1, abs(b.score_key));
SELECT * FROM leadscore.verify();

-- A rule change bumps the model's version; rescore applies it to history.
SELECT leadscore.add_rule('crm_software', 'trade_fair_visit', 30, stage => 'consideration') > 0 AS added;
SELECT version FROM leadscore.models WHERE name = 'crm_software';
SELECT count(*) AS differences_before_rescore FROM leadscore.verify('crm_software');
SELECT leadscore.rescore('crm_software') > 0 AS rescored;
SELECT lead_id, score FROM leadscore.lead_scores WHERE model = 'crm_software' AND lead_id = 3;
SELECT leadscore.remove_rule((SELECT id FROM leadscore.rules WHERE name = 'trade_fair_visit'));
SELECT leadscore.rescore('crm_software') > 0 AS rescored;
SELECT count(*) AS lead_3_rows FROM leadscore.lead_scores WHERE model = 'crm_software' AND lead_id = 3 AND score <> 0;

------------------------------------------------------------------------
-- Configuration errors: early, clear, with SQLSTATEs.
------------------------------------------------------------------------
\set VERBOSITY default
SELECT leadscore.create_model('crm_software');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', half_life => '-1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', mql_threshold => 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', mql_threshold => 100, sql_threshold => 50);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', stages => '{a,a}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('no_such_model', 'blog_read', 5);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 5, name => 'webinar attended');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 5, stage => 'purchase');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 5, condition => 'url LIKE ''/blog%'' AND (duration_s > 10');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 5, condition => 'referrer = ''google''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 5, condition => 'duration_s LIKE ''1%''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 5, max_count => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', 'blog_read', 5, max_count => -3);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('crm_software', '', 5);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.remove_rule(99999);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.drop_model('no_such_model');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.rescore('no_such_model');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.verify('no_such_model');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.top_leads('no_such_model', 5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.explain('no_such_model', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'occurred_at');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE crm.emails (contact text, kind text, sent_at timestamptz, subject text);
SELECT leadscore.attach_activities('crm.emails', 'contact', 'kind', 'sent_at');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE crm.calls (lead_id bigint, kind text, called_at text);
SELECT leadscore.attach_activities('crm.calls', 'lead_id', 'kind', 'called_at');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_activities('crm.calls', 'lead_id', 'kind', 'no_such_column');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_activities('crm.no_such_table', 'lead_id', 'kind', 'occurred_at');
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW crm.activity_view AS SELECT * FROM crm.activities;
SELECT leadscore.attach_activities('crm.activity_view', 'lead_id', 'kind', 'occurred_at');
\echo :LAST_ERROR_SQLSTATE
-- A second table whose columns a rule's condition lacks is refused.
CREATE TABLE crm.meetings (lead_id bigint, kind text, held_at timestamptz);
SELECT leadscore.attach_activities('crm.meetings', 'lead_id', 'kind', 'held_at');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.detach('crm.meetings');
\echo :LAST_ERROR_SQLSTATE
-- Calling the trigger function by hand is refused.
SELECT leadscore.activity_trigger();
\echo :LAST_ERROR_SQLSTATE

-- Nothing broke: the session and the state are fine.
SELECT * FROM leadscore.verify();

-- Detach removes the triggers and the state this table fed.
SELECT leadscore.detach('crm.activities');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'crm.activities'::regclass;
SELECT count(*) AS states_left FROM leadscore.lead_state WHERE stored <> 0;
INSERT INTO crm.activities (lead_id, kind, occurred_at) VALUES (1, 'pricing_view', '2026-04-01');
SELECT count(*) AS still_unscored FROM leadscore.lead_state WHERE stored <> 0;

-- drop_model removes the model, its rules and its state.
SELECT leadscore.drop_model('call_center');
SELECT name FROM leadscore.models ORDER BY name;
SELECT count(*) AS call_center_rules FROM leadscore.rules r
WHERE NOT EXISTS (SELECT 1 FROM leadscore.models m WHERE m.id = r.model_id);

-- DROP EXTENSION leaves the CRM's tables and rows alone.
SELECT count(*) AS crm_rows FROM crm.activities;
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
RESET client_min_messages;
SELECT count(*) AS crm_rows_after_drop FROM crm.activities;
SELECT count(*) AS triggers_after_drop FROM pg_trigger WHERE tgrelid = 'crm.activities'::regclass;
CREATE EXTENSION leadscore;
SET client_min_messages = warning;
DROP SCHEMA crm CASCADE;
