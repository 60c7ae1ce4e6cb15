-- The lifecycle: events for every status and stage change, mql_at / sql_at,
-- tick() reporting what decay did (idempotent, a past `now` is a no-op),
-- the due-lead index it reads, handoff notifications relayed by tick(),
-- stale_leads(), epoch re-basing, and the errors.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA life;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE life.activities (lead_id bigint, kind text, at timestamptz);
-- 10-day half-life: a 120-point lead is SQL for 2.6 days, MQL until day
-- 12.6; its decision stage (35 points, minimum 10) lasts 18 days.
SELECT leadscore.create_model('m', half_life => '10 days', mql_threshold => 50, sql_threshold => 100) AS model_id;
SELECT leadscore.add_rule('m', 'demo_request', 85, stage => 'decision');
SELECT leadscore.add_rule('m', 'pricing_view', 35, stage => 'decision');
SELECT leadscore.add_rule('m', 'blog_read', 20, stage => 'awareness');
SELECT leadscore.attach_activities('life.activities', 'lead_id', 'kind', 'at');

-- Activities happen now; the transitions are reported in the same
-- transaction, and the handoff to sales is marked as notified.
BEGIN;
INSERT INTO life.activities VALUES (1, 'demo_request', now()), (1, 'pricing_view', now()),
	(2, 'blog_read', now()), (2, 'blog_read', now()), (2, 'blog_read', now());
SELECT lead_id, kind, from_value, to_value, round(score::numeric, 2) AS score, cause,
	at = now() AS now, notified_at IS NOT NULL AS notified
FROM leadscore.events WHERE model = 'm' ORDER BY id;
COMMIT;
SELECT lead_id, round(score::numeric, 2) AS score, stage, status,
	mql_at IS NOT NULL AS reached_mql, sql_at IS NOT NULL AS reached_sql
FROM leadscore.lead_scores WHERE model = 'm' ORDER BY lead_id;
-- Only leads whose status or stage decay will change are due, each at the
-- moment it happens.
SELECT lead_id, status, stage, round(extract(epoch FROM due_at - checked_at)::numeric / 86400, 3) AS due_in_days
FROM leadscore.lead_state WHERE model_id = 1 ORDER BY lead_id;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT lead_id FROM leadscore.lead_state WHERE due_hint <= now() + interval '3 days';
RESET enable_seqscan;

-- Nothing is due yet: tick() reports nothing, as often as it runs.
SELECT leadscore.tick(now() + interval '10 hours') AS transitions;
SELECT leadscore.tick(now() + interval '10 hours') AS transitions;
-- Three days on, lead 1 has cooled below SQL.
SELECT leadscore.tick(now() + interval '3 days') AS transitions;
SELECT leadscore.tick(now() + interval '3 days') AS again;
-- A tick with an earlier `now` than the last one does nothing.
SELECT leadscore.tick(now() + interval '1 day') AS past;
SELECT lead_id, kind, from_value, to_value, round(score::numeric, 2) AS score, cause
FROM leadscore.events WHERE model = 'm' AND cause = 'decay' ORDER BY id;
-- Weeks later everything has cooled: statuses and stages drop in order.
SELECT leadscore.tick(now() + interval '13 days') AS transitions;
SELECT leadscore.tick(now() + interval '40 days') AS transitions;
SELECT lead_id, kind, from_value, to_value, round(score::numeric, 2) AS score, cause
FROM leadscore.events WHERE model = 'm' AND cause = 'decay' ORDER BY id;
SELECT count(*) AS still_due FROM leadscore.lead_state WHERE model_id = 1 AND due_at IS NOT NULL;
SELECT * FROM leadscore.verify();

------------------------------------------------------------------------
-- Handoff notifications relayed by tick(), and stale leads.
------------------------------------------------------------------------
SELECT leadscore.create_model('relay', half_life => NULL) AS model_id;
SELECT leadscore.add_rule('relay', 'demo_request', 150, stage => 'decision');
SELECT leadscore.add_rule('relay', 'unsubscribe', -120);
SELECT leadscore.rescore('relay') AS rescored;
SELECT leadscore.set_notify('tick');
INSERT INTO life.activities VALUES (3, 'demo_request', now() - interval '90 days');
SELECT lead_id, to_value, cause, notified_at IS NOT NULL AS notified FROM leadscore.events
WHERE model = 'relay' AND kind = 'status' ORDER BY id;
-- tick() sends the activity's handoff, never rescore()'s (its `now` is far
-- ahead by now: it still relays).
SELECT leadscore.tick(now() + interval '40 days') AS transitions;
SELECT lead_id, to_value, cause, notified_at IS NOT NULL AS notified FROM leadscore.events
WHERE model = 'relay' AND kind = 'status' ORDER BY id;
SELECT leadscore.set_notify('trigger');

-- Stale leads: reached MQL once, cooled below it, idle for the period.
INSERT INTO life.activities VALUES (3, 'unsubscribe', now() - interval '80 days');
SELECT lead_id, round(score::numeric, 2) AS score, status, mql_at IS NOT NULL AS reached_mql
FROM leadscore.stale_leads('relay', '30 days');
SELECT lead_id FROM leadscore.stale_leads('relay', '85 days');
SELECT lead_id FROM leadscore.stale_leads('m', '1 day');
EXPLAIN (COSTS OFF) SELECT lead_id FROM leadscore.lead_state
WHERE model_id = 1 AND status = 'nurture' AND mql_at IS NOT NULL;

------------------------------------------------------------------------
-- Re-basing: with a two-hour half-life the epoch is moved once now is 512
-- half-lives (42.7 days) past it.  Scores, order and verify() do not change.
-- (Rows dated 42 days ahead, so that a tick 43 days ahead has something to
-- re-base.)
------------------------------------------------------------------------
SELECT leadscore.create_model('fast', half_life => '2 hours', mql_threshold => 1, sql_threshold => 2) AS model_id;
SELECT leadscore.add_rule('fast', 'ping', 10);
SELECT leadscore.rescore('fast') AS rescored;
INSERT INTO life.activities VALUES (4, 'ping', now() + interval '42 days'), (5, 'ping', now() + interval '42 days 1 hour');
SELECT lead_id, score_key > 1e70 AS large_key FROM leadscore.lead_scores WHERE model = 'fast' ORDER BY lead_id;
BEGIN;
SELECT epoch AS old_epoch FROM leadscore.models WHERE name = 'fast' \gset
CREATE TEMP TABLE before_rebase AS SELECT lead_id, score FROM leadscore.lead_scores WHERE model = 'fast';
SELECT leadscore.tick(now() + interval '43 days') >= 0 AS ticked;
SELECT epoch > :'old_epoch' AS rebased, version FROM leadscore.models WHERE name = 'fast';
SELECT lead_id, score_key < 1e70 AS small_key, abs(s.score / b.score - 1) < 1e-12 AS same_score
FROM leadscore.lead_scores s JOIN before_rebase b USING (lead_id) WHERE model = 'fast' ORDER BY lead_id;
COMMIT;
SELECT * FROM leadscore.verify();

------------------------------------------------------------------------
-- Errors
------------------------------------------------------------------------
\set VERBOSITY terse
SELECT leadscore.tick(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.tick('infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.set_notify('sometimes');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.set_notify(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.stale_leads('no_such_model', '1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.stale_leads('m', '-1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.stale_leads('m', NULL);
\echo :LAST_ERROR_SQLSTATE
-- A NULL n is an error too, not LIMIT NULL's every lead.
SELECT * FROM leadscore.top_leads('m', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.top_accounts('m', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.dna(NULL::bigint);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

SET client_min_messages = warning;
DROP SCHEMA life CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
