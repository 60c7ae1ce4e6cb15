-- Silence and streaks (README, "Rules that know time and value"):
--   * an activity is unanswered when no response follows within `within`;
--     the rule scores when in_a_row of them in a row are unanswered, at the
--     moment the last one's window closes, and decays from there
--   * a window that closes while nobody writes counts at once: a score read
--     after it closed includes it before any tick()
--   * tick() folds it into the state and reports the transitions it causes
--     (cause decay, at the time the window closed)
--   * a late response inside a closed window takes the points back
--   * explain() counts the scorings the score holds; verify() agrees
--   * bad settings fail with a SQLSTATE
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
CREATE SCHEMA sr;
CREATE TABLE sr.acts (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('s', half_life => NULL, mql_threshold => 10, sql_threshold => 38,
	stages => ARRAY['interest']) AS model;
SELECT leadscore.add_rule('s', 'demo', 40, name => 'demo', stage => 'interest') AS demo_rule \gset
SELECT leadscore.add_absence_rule('s', 'email', ARRAY['open', 'click'], '7 days', -5,
	stage => 'interest') AS quiet_rule \gset
SELECT leadscore.add_absence_rule('s', 'call', ARRAY['reply'], '2 days', -20, in_a_row => 3,
	name => 'three_calls_unanswered') AS streak_rule \gset
SELECT name, activity_type, response_types, within, points, in_a_row
FROM leadscore.rules ORDER BY id;
SELECT leadscore.attach_activities('sr.acts', 'lead_id', 'kind', 'at');

-- Lead 1: a demo (40: sql); an email 20 days ago nobody opened scored -5
-- when its window closed 13 days ago (35: mql); one 5 days ago is still
-- open: its scoring is pending.
INSERT INTO sr.acts (lead_id, kind, at) VALUES
	(1, 'demo', now() - interval '30 days'),
	(1, 'email', now() - interval '20 days'),
	(1, 'email', now() - interval '5 days');
SELECT lead_id, score, status, stage FROM leadscore.lead_scores ORDER BY lead_id;
SELECT rule, activities, counted, raw_points FROM leadscore.explain('s', 1::bigint) ORDER BY rule;
SELECT * FROM leadscore.verify();

-- A late open inside the closed window takes the points back, in the
-- writer's transaction; rolled back, they return.
BEGIN;
INSERT INTO sr.acts (lead_id, kind, at) VALUES (1, 'open', now() - interval '18 days');
SELECT score, status FROM leadscore.lead_scores WHERE lead_id = 1;
ROLLBACK;
SELECT score, status FROM leadscore.lead_scores WHERE lead_id = 1;
-- An open after the window closed answers nothing.
INSERT INTO sr.acts (lead_id, kind, at) VALUES (1, 'open', now() - interval '12 days');
SELECT score FROM leadscore.lead_scores WHERE lead_id = 1;

-- Streaks: three calls in a row without a reply score once (five calls:
-- once); a reply to the third makes two and two, which score nothing.
INSERT INTO sr.acts (lead_id, kind, at)
SELECT 2, 'demo', now() - interval '40 days'
UNION ALL SELECT 2, 'call', now() - d * interval '1 day' FROM unnest(ARRAY[30, 27, 24, 21, 18]) d;
SELECT score, status FROM leadscore.lead_scores WHERE lead_id = 2;
SELECT rule, counted, raw_points FROM leadscore.explain('s', 2::bigint) WHERE rule = 'three_calls_unanswered';
INSERT INTO sr.acts (lead_id, kind, at) VALUES (2, 'reply', now() - interval '23 days');
SELECT score, status FROM leadscore.lead_scores WHERE lead_id = 2;
SELECT * FROM leadscore.verify();

-- A window that closes while nobody writes counts at once: lead 3's email
-- window closes two seconds from now; read before, then after.
-- Lead 4 the same.
INSERT INTO sr.acts (lead_id, kind, at) VALUES
	(3, 'demo', now() - interval '1 day'),
	(3, 'email', now() - interval '7 days' + interval '2 seconds'),
	(4, 'demo', now() - interval '1 day'),
	(4, 'email', now() - interval '7 days' + interval '2 seconds');
SELECT score, status FROM leadscore.lead_scores WHERE lead_id = 3;
SELECT pg_sleep(3);
SELECT score, status, stage FROM leadscore.lead_scores WHERE lead_id = 3;
-- A write to lead 4 before tick() reports the silence first (cause decay,
-- when the window closed), then its own change.
INSERT INTO sr.acts (lead_id, kind, at) VALUES (4, 'demo', now());
SELECT kind, from_value, to_value, cause FROM leadscore.events WHERE lead_id = 4 ORDER BY id;
SELECT score, status FROM leadscore.lead_scores WHERE lead_id = 4;
-- The record still says sql until tick() reports it; the state holds the
-- scoring as pending; verify() folds what fell due and agrees.
SELECT status FROM leadscore.lead_state WHERE lead_id = 3;
SELECT * FROM leadscore.verify();
-- tick() folds it in and reports the status change with cause decay, at
-- the time the window closed.
SELECT leadscore.tick() > 0 AS reported;
SELECT kind, from_value, to_value, cause, at = (SELECT at + interval '7 days' FROM sr.acts
	WHERE lead_id = 3 AND kind = 'email') AS at_window_close
FROM leadscore.events WHERE lead_id = 3 AND cause = 'decay' ORDER BY id;
SELECT status, stored, leadscore.pending_first(caps) IS NULL AS nothing_pending
FROM leadscore.lead_state WHERE lead_id = 3;
SELECT score, status FROM leadscore.lead_scores WHERE lead_id = 3;
SELECT * FROM leadscore.verify();
-- A tick after that reports nothing more for it.
SELECT leadscore.tick();

-- tick() wakes for a lead's first pending scoring: due_at no later.
SELECT lead_id, due_at = leadscore.pending_first(caps) AS wakes_at_first_pending
FROM leadscore.lead_state WHERE lead_id = 1;

-- rescore() rebuilds the same states; update_absence_rule() changes a rule
-- in place, and rescore() applies it to the history.
SELECT leadscore.rescore('s');
SELECT * FROM leadscore.verify();
SELECT leadscore.update_absence_rule(:quiet_rule, points => -8);
SELECT leadscore.update_absence_rule(:streak_rule, in_a_row => 2);
SELECT leadscore.rescore('s');
SELECT lead_id, score, status FROM leadscore.lead_scores ORDER BY lead_id;
SELECT rule, counted, raw_points FROM leadscore.explain('s', 2::bigint) WHERE rule = 'three_calls_unanswered';
SELECT * FROM leadscore.verify();

-- simulate() plays the same rule: an email 10 days ago unanswered scored,
-- one 3 days ago is still open; the open of the first, 2 days later,
-- answers it.
SELECT s -> 'score' AS score, s -> 'status' AS status,
	(SELECT r -> 'counted' FROM jsonb_array_elements(s -> 'rules') r
	 WHERE r ->> 'rule' = 'no_open_or_click_after_email') AS silences
FROM (VALUES
	('{"activities": [{"type": "demo", "days_ago": 20}, {"type": "email", "days_ago": 10},
		{"type": "email", "days_ago": 3}]}'::jsonb),
	('{"activities": [{"type": "demo", "days_ago": 20}, {"type": "email", "days_ago": 10},
		{"type": "open", "days_ago": 8}, {"type": "email", "days_ago": 3}]}')) p(persona),
	LATERAL (SELECT leadscore.simulate('s', p.persona) AS s) x;

-- evaluate_leads() at a past as_of scores the scorings due by then: lead
-- 1's first email window closed 13 days ago, so 15 days ago it had not
-- scored yet, 9 days ago it had.
CREATE TABLE sr.won (lead_id bigint, won_at timestamptz, amount numeric);
SELECT leadscore.attach_outcomes('sr.won', 'lead_id', 'won_at', 'amount') >= 0 AS attached;
SELECT d AS days_ago, e.score, e.status
FROM unnest(ARRAY[15, 9]) d,
	LATERAL leadscore.evaluate_leads('s', now() - d * interval '1 day', '30 days') e
WHERE e.lead_id = '1';

-- An UPDATE that turns a send into a response at the same time takes the
-- send away and adds the response: lead 5's email nobody opened (-8 since
-- the update above) becomes an open that answers nothing (40), and back
-- (32).  The demo is newer, so neither UPDATE touches the newest activity.
INSERT INTO sr.acts (lead_id, kind, at) VALUES
	(5, 'demo', now() - interval '10 days'),
	(5, 'email', now() - interval '20 days');
SELECT score FROM leadscore.lead_scores WHERE lead_id = 5;
UPDATE sr.acts SET kind = 'open' WHERE lead_id = 5 AND kind = 'email';
SELECT score FROM leadscore.lead_scores WHERE lead_id = 5;
SELECT * FROM leadscore.verify();
UPDATE sr.acts SET kind = 'email' WHERE lead_id = 5 AND kind = 'open';
SELECT score FROM leadscore.lead_scores WHERE lead_id = 5;
SELECT * FROM leadscore.verify();

-- Bad settings.
\set VERBOSITY sqlstate
SELECT leadscore.add_absence_rule('s', 'email', ARRAY[]::text[], '7 days', -5);
SELECT leadscore.add_absence_rule('s', 'email', ARRAY['open'], '0 days', -5);
SELECT leadscore.add_absence_rule('s', 'email', ARRAY['open'], '-1 day', -5);
SELECT leadscore.add_absence_rule('s', 'email', ARRAY['open'], '7 days', -5, in_a_row => 0);
SELECT leadscore.add_absence_rule('s', 'email', ARRAY['email'], '7 days', -5);
SELECT leadscore.add_absence_rule('s', NULL, ARRAY['open'], '7 days', -5);
SELECT leadscore.add_absence_rule('s', 'email', ARRAY['open'], NULL, -5);
SELECT leadscore.add_absence_rule('s', 'email', ARRAY['open'], '7 days', 'NaN');
SELECT leadscore.add_absence_rule('nope', 'email', ARRAY['open'], '7 days', -5);
SELECT leadscore.update_absence_rule(:demo_rule, points => 1);
SELECT leadscore.update_rule(:quiet_rule, points => 1);
SELECT leadscore.score_agg('s', kind, at, now(), to_jsonb(a)) FROM sr.acts a;
\set VERBOSITY default

SET client_min_messages = warning;
DROP SCHEMA sr CASCADE;
RESET client_min_messages;
