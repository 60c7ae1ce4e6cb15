-- Rules that know time: frequency windows, rules over every type, rules
-- changed in place (README, "Rules that know time").
--   * a window scores when min_count matching activities fall within
--     `within`, then not again until `cooldown` has passed; each scoring
--     decays from its own time
--   * exact under late, updated and deleted rows, in the writer's
--     transaction; verify() recomputes it, explain() counts its scorings
--   * a rule of every type (activity_type NULL) reads the type column in
--     its condition
--   * points from a value: points_expression gives each row its points;
--     a row without a usable value scores nothing and is counted
--   * update_rule() changes a rule in place
--   * bad settings fail when the rule is added, with a SQLSTATE
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
CREATE SCHEMA tr;
CREATE TABLE tr.acts (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz, url text);
SELECT leadscore.create_model('w', half_life => NULL, mql_threshold => 10, sql_threshold => 100) AS model;
SELECT leadscore.add_rule('w', 'view', 10, min_count => 2, within => '7 days', name => 'two_views') AS rule \gset
SELECT leadscore.attach_activities('tr.acts', 'lead_id', 'kind', 'at');

-- The issue's examples: four daily views score once (at -3 days); views at
-- -30, -29, -1 and -0.5 days score twice.
INSERT INTO tr.acts (lead_id, kind, at)
SELECT 1, 'view', now() - d * interval '1 day' FROM unnest(ARRAY[4, 3, 2, 1]) d;
INSERT INTO tr.acts (lead_id, kind, at)
SELECT 2, 'view', now() - d * interval '1 day' FROM unnest(ARRAY[30, 29, 1, 0.5]) d;
SELECT lead_id, score, status, activity_count FROM leadscore.lead_scores ORDER BY lead_id;
SELECT rule, activities, counted, raw_points FROM leadscore.explain('w', 2::bigint);

-- One view alone scores nothing; a late one a day earlier completes the
-- window, in the writer's transaction.
INSERT INTO tr.acts (lead_id, kind, at) VALUES (3, 'view', now() - interval '10 days');
SELECT score FROM leadscore.lead_scores WHERE lead_id = 3;
BEGIN;
INSERT INTO tr.acts (lead_id, kind, at) VALUES (3, 'view', now() - interval '11 days');
SELECT score, status FROM leadscore.lead_scores WHERE lead_id = 3;
SELECT kind, to_value, cause FROM leadscore.events WHERE lead_id = 3 ORDER BY id;
ROLLBACK;
SELECT score FROM leadscore.lead_scores WHERE lead_id = 3;

-- Deleting a row out of a window takes its scoring away (views left at
-- -29, -1, -0.5 days); moving one out of the other window (an UPDATE of its
-- time: -1 day becomes -20) takes the last away, moving it back brings it
-- back.
DELETE FROM tr.acts WHERE lead_id = 2 AND at < now() - interval '29.5 days';
SELECT score FROM leadscore.lead_scores WHERE lead_id = 2;
UPDATE tr.acts SET at = at - interval '19 days' WHERE lead_id = 2 AND at BETWEEN now() - interval '1.2 days' AND now() - interval '0.8 days';
SELECT score FROM leadscore.lead_scores WHERE lead_id = 2;
UPDATE tr.acts SET at = at + interval '19 days' WHERE lead_id = 2 AND at < now() - interval '19.5 days' AND at > now() - interval '20.5 days';
SELECT score FROM leadscore.lead_scores WHERE lead_id = 2;
-- A change that leaves the matching times alone changes nothing.
UPDATE tr.acts SET url = '/x' WHERE lead_id = 2;
SELECT score FROM leadscore.lead_scores WHERE lead_id = 2;
SELECT * FROM leadscore.verify();

-- A cooldown shorter than the window scores again inside it; each scoring
-- decays from its own time.
SELECT leadscore.create_model('d', half_life => '1 day', mql_threshold => 1, sql_threshold => 100) AS model;
SELECT leadscore.add_rule('d', 'view', 8, min_count => 2, within => '10 days', cooldown => '2 days') AS rule_d \gset
SELECT leadscore.rescore('d');
SELECT round(score::numeric, 3) AS score FROM leadscore.lead_scores WHERE model = 'd' AND lead_id = 1;
-- Scorings at -3 and -1 days (views at -4 .. -1): 8/8 + 8/2.
SELECT 8 * 2 ^ -3.0 + 8 * 2 ^ -1.0 AS expected;
SELECT * FROM leadscore.verify();

-- A rule of every type: the condition reads the type column.
SELECT leadscore.add_rule('w', NULL, 1, condition => 'kind LIKE ''email_%''', name => 'any_email') AS any_rule \gset
INSERT INTO tr.acts (lead_id, kind, at) VALUES (4, 'email_open', now()), (4, 'email_click', now()),
	(4, 'webinar', now()), (4, 'view', now());
SELECT activity_count, score FROM leadscore.lead_scores WHERE model = 'w' AND lead_id = 4;
SELECT rule, activity_type, activities, counted FROM leadscore.explain('w', 4::bigint) ORDER BY rule;
SELECT name, activity_type IS NULL AS every_type FROM leadscore.rules WHERE id = :any_rule;
-- A type no rule names is still counted as unknown only when no rule of
-- every type takes it.
SELECT sum(unknown_types) AS unknown FROM leadscore.stats;

-- Points from a value: a deal registration is worth its size, capped
-- (least() skips a NULL as in SQL: a NULL amount is worth the cap); a quote
-- its amount per seat, nothing without a usable value.
ALTER TABLE tr.acts ADD COLUMN amount numeric, ADD COLUMN seats integer;
SELECT leadscore.create_model('v', half_life => '30 days', mql_threshold => 20, sql_threshold => 60) AS model;
SELECT leadscore.add_rule('v', 'deal', NULL, points_expression => 'LEAST(amount / 1000, 50)',
	name => 'deal_size') AS deal_rule \gset
SELECT leadscore.add_rule('v', 'trial', NULL, points_expression => 'coalesce(seats, 1) * 2.5 - 1') AS trial_rule \gset
SELECT leadscore.add_rule('v', 'quote', NULL, points_expression => 'amount / seats / 100') AS quote_rule \gset
SELECT name, points, points_expression FROM leadscore.rules WHERE model_id = 3 ORDER BY id;
INSERT INTO tr.acts (lead_id, kind, at, amount, seats) VALUES
	(10, 'deal', now(), 12000, NULL),        -- 12 points
	(10, 'deal', now(), 900000, NULL),       -- 50 (the cap)
	(11, 'deal', now(), NULL, NULL),         -- 50
	(11, 'trial', now(), NULL, 4),           -- 9
	(11, 'trial', now(), NULL, NULL),        -- 1.5
	(11, 'quote', now(), 6000, 3),           -- 20
	(11, 'quote', now(), 6000, 0),           -- division by zero: nothing, counted
	(11, 'quote', now(), NULL, 2),           -- NULL: nothing, counted
	(12, 'deal', now() - interval '30 days', -20000, NULL);  -- -20, decayed by half
SELECT lead_id, round(score::numeric, 3) AS score, status, activity_count
FROM leadscore.lead_scores WHERE model = 'v' ORDER BY lead_id;
SELECT rule, points, activities, counted, raw_points, round(points_now::numeric, 3) AS points_now
FROM leadscore.explain('v', 11::bigint) ORDER BY rule;
SELECT source, points_unscored FROM leadscore.stats WHERE source IS NOT NULL;
-- An update to the value moves the points; a delete takes them away.
UPDATE tr.acts SET amount = 30000 WHERE lead_id = 10 AND amount = 12000;
SELECT round(score::numeric, 3) AS score FROM leadscore.lead_scores WHERE model = 'v' AND lead_id = 10;
DELETE FROM tr.acts WHERE lead_id = 10 AND amount = 900000;
SELECT round(score::numeric, 3) AS score FROM leadscore.lead_scores WHERE model = 'v' AND lead_id = 10;
-- A deleted large value leaves no rounding behind: 0.1 beside 1e9 points
-- left 0.1000000xx once the 1e9 went (now the sum shrank a millionfold: recomputed).
INSERT INTO tr.acts (lead_id, kind, at, amount) VALUES (13, 'quote', now(), 30), (13, 'quote', now() - interval '1 day', 3e11);
UPDATE tr.acts SET seats = 3 WHERE lead_id = 13;
DELETE FROM tr.acts WHERE lead_id = 13 AND amount = 3e11;
SELECT round(score::numeric, 9) AS score FROM leadscore.lead_scores WHERE model = 'v' AND lead_id = 13;
-- score_agg computes the same from the rows as jsonb.
SELECT lead_id, round(leadscore.score_agg('v', kind, at, now(), to_jsonb(a))::numeric, 3) AS score_agg
FROM tr.acts a WHERE lead_id IN (10, 11, 12) GROUP BY lead_id ORDER BY lead_id;
SELECT * FROM leadscore.verify('v');
-- update_rule() swaps points and an expression.
SELECT leadscore.update_rule(:trial_rule, points => 3);
SELECT points, points_expression FROM leadscore.rules WHERE id = :trial_rule;
SELECT leadscore.update_rule(:trial_rule, points_expression => 'seats');
SELECT points, points_expression FROM leadscore.rules WHERE id = :trial_rule;
SELECT leadscore.rescore('v');
SELECT * FROM leadscore.verify('v');
\set VERBOSITY sqlstate
-- Exactly one of points and points_expression (22004, 22023); unknown
-- columns 42703, a text column 42804, syntax 42601, too deep 54001; no cap
-- or window on an expression (0A000).
SELECT leadscore.add_rule('v', 'deal', NULL);
SELECT leadscore.add_rule('v', 'deal', 5, points_expression => 'amount');
SELECT leadscore.add_rule('v', 'deal', NULL, points_expression => 'nope * 2');
SELECT leadscore.add_rule('v', 'deal', NULL, points_expression => 'kind');
SELECT leadscore.add_rule('v', 'deal', NULL, points_expression => 'amount > 5');
SELECT leadscore.add_rule('v', 'deal', NULL, points_expression => repeat('(', 300) || 'amount' || repeat(')', 300));
SELECT leadscore.add_rule('v', 'deal', NULL, points_expression => 'amount', max_count => 2);
SELECT leadscore.add_rule('v', 'deal', NULL, points_expression => 'amount', min_count => 2, within => '1 day');
SELECT leadscore.update_rule(:trial_rule, points => 1, points_expression => 'seats');
\set VERBOSITY default
SELECT leadscore.add_rule('v', 'deal', NULL, points_expression => 'amount / (seats - ');

-- update_rule(): new points at once for new rows, the history after rescore().
SELECT leadscore.update_rule(:rule, points => 20);
INSERT INTO tr.acts (lead_id, kind, at) VALUES (5, 'view', now()), (5, 'view', now());
SELECT lead_id, score FROM leadscore.lead_scores WHERE model = 'w' AND lead_id IN (1, 5) ORDER BY lead_id;
SELECT * FROM leadscore.verify('w');
SELECT leadscore.rescore('w');
SELECT lead_id, score FROM leadscore.lead_scores WHERE model = 'w' AND lead_id IN (1, 5) ORDER BY lead_id;
-- Arguments left NULL keep their value; '' and 0 remove a setting.
SELECT leadscore.update_rule(:any_rule, condition => 'kind = ''email_open''', name => 'opens', stage => 'awareness');
SELECT name, condition, stage FROM leadscore.rules WHERE id = :any_rule;
SELECT leadscore.update_rule(:any_rule, condition => '', stage => '');
SELECT name, condition, stage FROM leadscore.rules WHERE id = :any_rule;
SELECT leadscore.update_rule(:rule, min_count => 3);
SELECT min_count, within, cooldown FROM leadscore.rules WHERE id = :rule;
SELECT leadscore.update_rule(:rule, min_count => 0);
SELECT min_count, within, cooldown FROM leadscore.rules WHERE id = :rule;
SELECT leadscore.update_rule(:rule, min_count => 2, within => '3 days');
SELECT min_count, within, cooldown FROM leadscore.rules WHERE id = :rule;
SELECT leadscore.rescore('w');
SELECT * FROM leadscore.verify();

-- Bad settings: 22023, never at insert time; a NULL id 22004, an unknown
-- one 42704; a column the table lacks 42703.
\set VERBOSITY sqlstate
SELECT leadscore.add_rule('w', 'view', 1, min_count => 0, within => '1 day');
SELECT leadscore.add_rule('w', 'view', 1, min_count => -1, within => '1 day');
SELECT leadscore.add_rule('w', 'view', 1, min_count => 2);
SELECT leadscore.add_rule('w', 'view', 1, min_count => 2, within => '0 days');
SELECT leadscore.add_rule('w', 'view', 1, min_count => 2, within => '-1 day');
SELECT leadscore.add_rule('w', 'view', 1, min_count => 2, within => '11 years');
SELECT leadscore.add_rule('w', 'view', 1, min_count => 2, within => '1 day', cooldown => '0 s');
SELECT leadscore.add_rule('w', 'view', 1, min_count => 2, within => '1 day', cooldown => '20 years');
SELECT leadscore.add_rule('w', 'view', 1, within => '1 day');
SELECT leadscore.add_rule('w', 'view', 1, min_count => 2, within => '1 day', max_count => 3);
SELECT leadscore.add_rule('w', '', 1);
SELECT leadscore.add_rule('w', NULL, 1, condition => 'nope = 1');
SELECT leadscore.update_rule(NULL, points => 1);
SELECT leadscore.update_rule(987654, points => 1);
SELECT leadscore.update_rule(:rule, min_count => 0, within => '1 day');
SELECT leadscore.update_rule(:rule, points => 'NaN');
SELECT leadscore.update_rule(:rule, name => 'opens');
\set VERBOSITY default
SELECT count(*) AS rules FROM leadscore.rules;

-- score_agg keeps a fixed-size state: it refuses a window rule (0A000).
\set VERBOSITY sqlstate
SELECT leadscore.score_agg('w', kind, at, now(), to_jsonb(a)) FROM tr.acts a;
\set VERBOSITY default
SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP SCHEMA tr CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
