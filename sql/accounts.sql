-- Account scoring: sums of sqrt(R * lead score) kept by the same triggers,
-- breadth over volume, leads moving between accounts, accounts from
-- activity rows, hot/cold status with events, tick(), rescore and verify.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA acc;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE acc.contacts (id bigint PRIMARY KEY, company text, job_title text);
CREATE TABLE acc.activities (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz, company text);
-- No decay: exact scores to print.  MQL 50, so a lead adds sqrt(50 * score).
SELECT leadscore.create_model('m', half_life => NULL, account_threshold => 200) AS model_id;
SELECT leadscore.add_rule('m', 'whitepaper', 20, stage => 'consideration');
SELECT leadscore.add_rule('m', 'demo_request', 60, stage => 'decision', max_count => 1);
SELECT leadscore.add_rule('m', 'unsubscribe', -100);
SELECT leadscore.attach_activities('acc.activities', 'lead_id', 'kind', 'at', account_column => 'company');
SELECT leadscore.attach_leads('acc.contacts', 'id', account_column => 'company');

-- Five people at Acme read two whitepapers each; one person at Solo reads ten.
INSERT INTO acc.contacts SELECT i, 'acme', 'buyer ' || i FROM generate_series(1, 5) i;
INSERT INTO acc.contacts VALUES (6, 'solo', 'binge reader');
INSERT INTO acc.activities (lead_id, kind, at) SELECT l, 'whitepaper', '2026-01-01' FROM generate_series(1, 5) l, generate_series(1, 2);
INSERT INTO acc.activities (lead_id, kind, at) SELECT 6, 'whitepaper', '2026-01-01' FROM generate_series(1, 10);
SELECT account_id, round(score::numeric, 2) AS score, engaged_leads, stage, status
FROM leadscore.account_scores ORDER BY score DESC;
SELECT lead_id, account_id, score FROM leadscore.lead_scores ORDER BY lead_id;
-- The buying group at Acme is hot (200 or more): one event, one NOTIFY.
SELECT account_id, from_value, to_value, round(score::numeric, 2) AS score, engaged_leads, cause,
	notified_at IS NOT NULL AS notified
FROM leadscore.account_events ORDER BY id;
SELECT account_id, round(score::numeric, 2) AS score FROM leadscore.top_accounts('m', 1);
-- The (model_id, stored) index gives the order (the planner prefers a sort
-- on so few rows; it is told not to).
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT account_id FROM leadscore.account_scores WHERE model_id = 1 ORDER BY score_key DESC LIMIT 10;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- A demo request (capped) and an unsubscribe move Acme in the same
-- transaction; an update that moves an activity between leads too.
BEGIN;
INSERT INTO acc.activities (lead_id, kind, at) VALUES (1, 'demo_request', '2026-01-02'), (1, 'demo_request', '2026-01-03');
INSERT INTO acc.activities (lead_id, kind, at) VALUES (2, 'unsubscribe', '2026-01-04');
SELECT account_id, round(score::numeric, 2) AS score, engaged_leads, stage FROM leadscore.account_scores ORDER BY 1;
COMMIT;
UPDATE acc.activities SET lead_id = 3 WHERE lead_id = 6 AND id = (SELECT min(id) FROM acc.activities WHERE lead_id = 6);
DELETE FROM acc.activities WHERE lead_id = 2 AND kind = 'unsubscribe';
SELECT account_id, round(score::numeric, 2) AS score, engaged_leads, stage FROM leadscore.account_scores ORDER BY 1;
SELECT * FROM leadscore.verify();

-- A lead changes company: its whole share moves; a deleted lead row leaves
-- its account.
UPDATE acc.contacts SET company = 'solo' WHERE id = 1;
DELETE FROM acc.contacts WHERE id = 5;
SELECT account_id, round(score::numeric, 2) AS score, engaged_leads FROM leadscore.account_scores ORDER BY 1;
SELECT account_id, from_value, to_value, cause FROM leadscore.account_events ORDER BY id;
SELECT * FROM leadscore.verify();

-- A lead no lead row names takes the account of its first activity row
-- that names one.
INSERT INTO acc.activities (lead_id, kind, at, company) VALUES
	(7, 'whitepaper', '2026-02-02', 'newco'), (7, 'whitepaper', '2026-02-01', 'oldco'), (8, 'whitepaper', '2026-02-01', NULL);
INSERT INTO acc.activities (lead_id, kind, at, company) VALUES (7, 'whitepaper', '2026-01-01', 'laterco');
SELECT lead_id, account_id, score FROM leadscore.lead_scores WHERE lead_id IN (7, 8) ORDER BY 1;
SELECT account_id, round(score::numeric, 2) AS score, engaged_leads FROM leadscore.account_scores ORDER BY 1;
SELECT * FROM leadscore.verify();

-- rescore() rebuilds the same sums.
CREATE TEMP TABLE before AS SELECT account_id, score, engaged_leads FROM leadscore.account_scores;
SELECT leadscore.rescore() > 0 AS rescored;
SELECT count(*) AS changed FROM before b FULL JOIN leadscore.account_scores a USING (account_id)
WHERE a.account_id IS NULL OR b.account_id IS NULL OR abs(a.score - b.score) > 1e-9 OR a.engaged_leads <> b.engaged_leads;
-- verify() sees an account sum that is off.
SET client_min_messages = warning;
UPDATE leadscore.account_state SET stored = stored + 1 WHERE account_id = 'acme';
RESET client_min_messages;
SELECT model, lead_id, difference FROM leadscore.verify();
SELECT leadscore.rescore() > 0 AS rescored;
SELECT * FROM leadscore.verify();

------------------------------------------------------------------------
-- Decay: accounts cool with twice the leads' half-life, tick() turns them
-- cold.
------------------------------------------------------------------------
SELECT leadscore.create_model('decaying', half_life => '10 days', account_threshold => 100) AS model_id;
SELECT leadscore.add_rule('decaying', 'whitepaper', 20);
SELECT leadscore.rescore('decaying') >= 0 AS rescored;
INSERT INTO acc.activities (lead_id, kind, at) SELECT l, 'whitepaper', now() FROM generate_series(1, 4) l, generate_series(1, 2);
SELECT account_id, round(score::numeric, 2) AS score, status FROM leadscore.account_scores WHERE model = 'decaying' ORDER BY 1;
SELECT leadscore.tick(now() + interval '20 days') >= 0 AS ticked;
SELECT account_id, from_value, to_value, round(score::numeric, 2) AS score, cause
FROM leadscore.account_events WHERE model = 'decaying' ORDER BY id;
SELECT * FROM leadscore.verify();

------------------------------------------------------------------------
-- Errors
------------------------------------------------------------------------
\set VERBOSITY terse
SELECT leadscore.create_model('bad', account_threshold => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', account_threshold => 'NaN');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE acc.people (id bigint, org_id integer);
SELECT leadscore.attach_leads('acc.people', 'id', account_column => 'org_id');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE acc.orgs (id bigint, org numeric);
SELECT leadscore.attach_leads('acc.orgs', 'id', account_column => 'org');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.top_accounts('no_such_model', 5);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

SET client_min_messages = warning;
DROP SCHEMA acc CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
