-- Adjustments and resets (README "Adjustments and resets"):
--   * adjust(model, lead, points, reason) scores like an activity made now
--     (decays with the model); reset(model, lead, reason) makes the lead's
--     rows and adjustments dated before it count no more, also rows that
--     arrive late; both are rows of leadscore.adjustments and events, and
--     the score changes in their transaction
--   * verify() stays empty, rescore() keeps them, explain() shows them,
--     evaluate_leads() and score_at() count those made by their time
--   * bad input fails with a SQLSTATE; admin rights only
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
CREATE SCHEMA adj;
CREATE TABLE adj.acts (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz);
CREATE TABLE adj.deals (lead_id bigint, won_at timestamptz, amount numeric);
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SELECT leadscore.create_model(m, half_life => h, mql_threshold => 20, sql_threshold => 50, stages => NULL) > 0
FROM (VALUES ('flat', NULL::interval), ('decay', interval '1 day')) v(m, h);
SELECT leadscore.add_rule(m, 'demo', 30) > 0 FROM unnest(ARRAY['flat', 'decay']) m;
SELECT leadscore.attach_activities('adj.acts', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_outcomes('adj.deals', 'lead_id', 'won_at', 'amount') AS usable_rows;
CREATE VIEW adj.flat AS SELECT lead_id, score, status FROM leadscore.lead_scores WHERE model = 'flat';

-- Up, then down: the score and status change in the call's transaction,
-- each change an event of its cause.
INSERT INTO adj.acts (lead_id, kind, at) VALUES (1, 'demo', '2025-01-01'), (2, 'demo', '2025-01-01');
SELECT * FROM adj.flat ORDER BY lead_id;
BEGIN;
SELECT leadscore.adjust('flat', 1, 25, 'met at the fair');
SELECT * FROM adj.flat WHERE lead_id = 1;
COMMIT;
SELECT leadscore.adjust('flat', 1::integer, -10, 'no budget');
SELECT * FROM adj.flat WHERE lead_id = 1;
SELECT lead_id, kind, from_value, to_value, score, cause FROM leadscore.events
WHERE cause IN ('adjustment', 'reset') ORDER BY id;
SELECT model, lead_id, kind, points, reason, made_by = current_user AS by_caller FROM leadscore.adjustments ORDER BY id;
-- explain(): the rules, then a line for the adjustments.
SELECT rule, activity_type, activities, counted, raw_points, points_now FROM leadscore.explain('flat', 1);
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore('flat') AS rescored;
SELECT * FROM adj.flat ORDER BY lead_id;
-- A lead with adjustments and no activity is scored, and rescore() keeps it.
SELECT leadscore.adjust('flat', 9, 20, 'referral');
SELECT leadscore.rescore('flat') AS rescored;
SELECT * FROM adj.flat WHERE lead_id = 9;
SELECT * FROM leadscore.verify();
-- Its only activity deleted, the lead keeps its adjustments: lead 9's demo
-- comes and goes, the 20 stay.
INSERT INTO adj.acts (lead_id, kind, at) VALUES (9, 'demo', '2025-01-01');
SELECT * FROM adj.flat WHERE lead_id = 9;
DELETE FROM adj.acts WHERE lead_id = 9;
SELECT * FROM adj.flat WHERE lead_id = 9;
SELECT * FROM leadscore.verify();

-- A reset: the lead starts over.  Rows dated before it that arrive later
-- do not count (alone, or in one statement with other leads' rows), rows
-- dated after it do; other leads score as before.
SELECT leadscore.reset('flat', 1, 'closed-lost');
SELECT * FROM adj.flat WHERE lead_id = 1;
SELECT lead_id, from_value, to_value, cause FROM leadscore.events WHERE cause = 'reset';
INSERT INTO adj.acts (lead_id, kind, at) VALUES (1, 'demo', '2020-01-01');
SELECT * FROM adj.flat WHERE lead_id = 1;
INSERT INTO adj.acts (lead_id, kind, at) VALUES (1, 'demo', now());
SELECT * FROM adj.flat WHERE lead_id = 1;
INSERT INTO adj.acts (lead_id, kind, at) VALUES (1, 'demo', '2020-01-02'), (2, 'demo', '2020-01-02'), (3, 'demo', now());
SELECT * FROM adj.flat ORDER BY lead_id;
DELETE FROM adj.acts WHERE lead_id = 1 AND at < '2021-01-01';
SELECT * FROM adj.flat WHERE lead_id = 1;
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore() AS rescored;
SELECT * FROM adj.flat ORDER BY lead_id;
SELECT * FROM leadscore.verify();

-- An adjustment decays with the model: a day old, it is worth half.
SELECT leadscore.adjust('decay', 5, 40, 'call');
SELECT round(score::numeric, 3) AS score FROM leadscore.lead_scores WHERE model = 'decay' AND lead_id = 5;
UPDATE leadscore.adjustments SET at = at - interval '1 day' WHERE model = 'decay';
SELECT leadscore.rescore('decay') AS rescored;
SELECT round(score::numeric, 3) AS score FROM leadscore.lead_scores WHERE model = 'decay' AND lead_id = 5;
SELECT * FROM leadscore.verify();

-- The past: a demo on Jan 5, +25 on Jan 10, a reset on Jan 20, a demo on
-- Jan 25.  score_at() and evaluate_leads() count the ledger rows made by
-- their time.
INSERT INTO adj.acts (lead_id, kind, at) VALUES (4, 'demo', '2025-01-05'), (4, 'demo', '2025-01-25');
SELECT leadscore.adjust('flat', 4, 25, 'fair');
SELECT leadscore.reset('flat', 4, 'closed-lost');
UPDATE leadscore.adjustments SET at = CASE kind WHEN 'adjust' THEN timestamptz '2025-01-10' ELSE '2025-01-20' END
WHERE lead_id = 4;
SELECT leadscore.rescore('flat') AS rescored;
SELECT at::date, score, status FROM leadscore.score_history('flat', 4, '2025-01-04', '2025-01-28', '3 days');
SELECT leadscore.score_at('flat', 4, '2025-01-11') AS adjusted, leadscore.score_at('flat', 4, '2025-01-21') AS reset,
	leadscore.score_at('flat', 4, now()) AS now, (SELECT score FROM adj.flat WHERE lead_id = 4) AS lead_scores;
SELECT as_of::date, e.score, e.status
FROM unnest(ARRAY[timestamptz '2025-01-11', '2025-01-21', '2025-01-26']) as_of,
	leadscore.evaluate_leads('flat', as_of, '30 days') e WHERE e.lead_id = '4';
SELECT * FROM leadscore.verify();

-- Bad input.
SELECT pg_temp.err($$SELECT leadscore.adjust('nope', 1, 1, 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.reset('nope', 1, 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.adjust('flat', 1, 'NaN', 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.adjust('flat', 1, '-infinity', 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.adjust('flat', 1, NULL, 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.adjust('flat', NULL::bigint, 1, 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.adjust(NULL, 1, 1, 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.reset('flat', 1, NULL)$$);
SELECT pg_temp.err($$SELECT leadscore.adjust('flat', '1'::text, 1, 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.reset('flat', 1.5, 'x')$$);
SELECT count(*) AS ledger_rows FROM leadscore.adjustments;

-- Privileges: adjust() and reset() are leadscore_admin's, the ledger
-- everyone's to read.
CREATE ROLE adj_reader;
CREATE ROLE adj_admin IN ROLE leadscore_admin;
SET ROLE adj_reader;
SELECT pg_temp.err($$SELECT leadscore.adjust('flat', 2, 5, 'x')$$);
SELECT pg_temp.err($$SELECT leadscore.reset('flat', 2, 'x')$$);
SELECT pg_temp.err($$SELECT leadscore._reload_lead('leadscore.adjustments'::regclass, 1, 1, 2::bigint, 'reset', now())$$);
SELECT count(*) > 0 AS readable FROM leadscore.adjustments;
SET ROLE adj_admin;
SELECT leadscore.adjust('flat', 2, 5, 'x');
RESET ROLE;
SELECT made_by FROM leadscore.adjustments ORDER BY id DESC LIMIT 1;
SELECT * FROM adj.flat WHERE lead_id = 2;
DROP ROLE adj_reader;
DROP ROLE adj_admin;

-- A dropped model takes its ledger along.
SELECT leadscore.drop_model('decay');
SELECT count(*) AS decay_rows FROM leadscore.adjustments WHERE model = 'decay';

-- Text lead keys: the ledger takes the CRM's key type (text or varchar
-- arguments), and verify() stays empty.
SET client_min_messages = warning;
DROP SCHEMA adj CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
CREATE SCHEMA adj;
CREATE TABLE adj.acts (id bigserial PRIMARY KEY, lead_id varchar, kind text, at timestamptz);
SELECT leadscore.create_model('flat', half_life => NULL, mql_threshold => 20, sql_threshold => 50, stages => NULL) > 0;
SELECT leadscore.add_rule('flat', 'demo', 30) > 0;
SELECT leadscore.attach_activities('adj.acts', 'lead_id', 'kind', 'at');
INSERT INTO adj.acts (lead_id, kind, at) VALUES ('lead-1', 'demo', '2025-01-01');
SELECT leadscore.adjust('flat', 'lead-1'::varchar, 25, 'fair'), leadscore.adjust('flat', 'lead-2'::text, 5, 'call');
SELECT pg_temp.err($$SELECT leadscore.adjust('flat', 1, 1, 'x')$$);
SELECT lead_id, score, status FROM leadscore.lead_scores ORDER BY lead_id;
SELECT pg_typeof(lead_id) FROM leadscore.adjustments LIMIT 1;
SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP SCHEMA adj CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
