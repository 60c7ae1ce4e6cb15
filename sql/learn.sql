-- learn(): rule points, grade steps and an intercept fitted jointly on a
-- population into a shadow candidate (same rules, stages, thresholds and
-- bands; a copy of the grade profile with the learned steps; scored at
-- once; a probability link), the live model untouched; leak flags; every
-- error.  Synthetic leads whose true conversion law is known.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA learn_test;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE learn_test.activities (lead_id bigint, kind text, at timestamptz);
CREATE TABLE learn_test.contacts (id bigint PRIMARY KEY, employees integer);
CREATE TABLE learn_test.deals (lead_id bigint, won_at timestamptz);
SELECT leadscore.create_grade_profile('icp', base => 'C') > 0 AS profile;
SELECT leadscore.add_criterion('icp', 'employees >= 200', 2, 'large') > 0 AS added;
SELECT leadscore.add_criterion('icp', 'employees < 10', -2, 'tiny') > 0 AS added;
SELECT leadscore.create_model('crm', half_life => '30 days', mql_threshold => 40, sql_threshold => 80,
	grade_profile => 'icp') > 0 AS created;
SELECT leadscore.add_rule('crm', 'webinar', 10, 'consideration') > 0 AS added;
SELECT leadscore.add_rule('crm', 'visit', 10, 'awareness') > 0 AS added;
SELECT leadscore.add_rule('crm', 'newsletter', 10, 'awareness') > 0 AS added;
SELECT leadscore.add_rule('crm', 'contract', 10, 'decision') > 0 AS added;
SELECT leadscore.add_band('crm', 'hot', 40, 'sales') IS NULL AS banded;
SELECT leadscore.attach_activities('learn_test.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('learn_test.contacts', 'id');
SELECT leadscore.attach_outcomes('learn_test.deals', 'lead_id', 'won_at') AS usable_rows;

-- 2,000 leads.  Before 03-01 each has 0-3 webinars, 0-5 visits and 0-4
-- newsletters (a fixed pseudo-random draw per lead); a third is large, a
-- tenth tiny.  Converting by 04-30: logistic in -2.5 + 1.2 webinars + 0.25
-- visits + 1.0 large - 1.0 tiny, newsletters no matter.  Who converts signs
-- a contract a day later: a leak.
CREATE TABLE learn_test.leads AS
SELECT i::bigint AS lead_id, (i * 7) % 4 AS webinars, (i * 13) % 6 AS visits, (i * 17) % 5 AS newsletters,
	CASE WHEN i % 3 = 0 THEN 500 WHEN i % 10 = 1 THEN 5 ELSE 50 END AS employees,
	((i::bigint * 2654435761) % 100000) / 100000.0 AS draw
FROM generate_series(1, 2000) i;
INSERT INTO learn_test.contacts SELECT lead_id, employees FROM learn_test.leads;
INSERT INTO learn_test.activities
SELECT l.lead_id, k.kind, '2026-02-27'::timestamptz - (n || ' days')::interval
FROM learn_test.leads l
CROSS JOIN LATERAL (VALUES ('webinar', l.webinars), ('visit', l.visits), ('newsletter', l.newsletters)) k(kind, count)
CROSS JOIN LATERAL generate_series(1, k.count) n;
CREATE TABLE learn_test.truth AS
SELECT lead_id, 1 / (1 + exp(-(-2.5 + 1.2 * webinars + 0.25 * visits
	+ CASE WHEN employees >= 200 THEN 1 WHEN employees < 10 THEN -1 ELSE 0 END))) AS p, draw
FROM learn_test.leads;
INSERT INTO learn_test.deals SELECT lead_id, '2026-03-20' FROM learn_test.truth WHERE draw < p;
INSERT INTO learn_test.activities SELECT lead_id, 'contract', '2026-03-21' FROM learn_test.deals;
CREATE TABLE learn_test.train AS SELECT lead_id FROM learn_test.leads WHERE lead_id % 7 <> 0;
CREATE TABLE learn_test.test AS SELECT lead_id FROM learn_test.leads WHERE lead_id % 7 = 0;
SELECT count(*) AS converted FROM learn_test.deals;

-- Learn on the train split: webinars earn the most, visits some,
-- newsletters about nothing; large earns steps, tiny costs them; the
-- contract comes after conversion: a leak.  20 points (mql_threshold / 2)
-- double the odds.
SELECT kind, name, activity_type, current, round(learned::numeric, 1) AS learned,
	round(standard_error::numeric, 1) AS standard_error, leak, note
FROM leadscore.learn('crm', '60 days', 'learn_test.train', as_of => '2026-03-01')
WHERE kind <> 'model' ORDER BY kind, name;
SELECT name, note ~ '^half-life [0-9a-z ]+ \(of 30 days, none, 7 days, 90 days\), penalty [0-9.]+, cross-validated log loss 0\.[0-9]+; 1715 leads, [0-9]+ converted, 0 skipped; 20 points double the odds$'
	AS note_ok
FROM leadscore.learn('crm', '60 days', 'learn_test.train', as_of => '2026-03-01') WHERE kind = 'model';

-- The candidate: a shadow with the same rules (learned points), stages,
-- thresholds and bands, a copy of the profile with the learned steps, its
-- points_per_doubling, scored and with a probability link.
SELECT name, active, half_life IS NOT DISTINCT FROM '30 days' AS same_half_life, mql_threshold, sql_threshold,
	stages, grade_profile, points_per_doubling
FROM leadscore.models ORDER BY id;
SELECT m.name, r.name, r.stage, round(r.points::numeric, 1) AS points
FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id ORDER BY m.id, r.id;
SELECT p.name, p.base, c.name, c.condition, c.steps
FROM leadscore.grade_criteria c JOIN leadscore.grade_profiles p ON p.id = c.profile_id ORDER BY p.id, c.id;
SELECT m.name, b.name, b.min_score, b.channel FROM leadscore.bands b JOIN leadscore.models m ON m.id = b.model_id
ORDER BY m.id;
SELECT model, count(*) AS leads, count(probability) AS with_probability, count(grade) AS graded
FROM leadscore.lead_scores GROUP BY model ORDER BY model;
SELECT count(*) AS differences FROM leadscore.verify('crm_learned');

-- On the held-out leads the candidate ranks better than the hand-set
-- points and its probability beats the base rate (the Brier score of
-- always predicting it is rate * (1 - rate)).
SELECT (SELECT roc_auc FROM leadscore.evaluate('crm_learned', '2026-03-01', '60 days', leads => 'learn_test.test')
		WHERE segment = 'all')
	> (SELECT roc_auc FROM leadscore.evaluate('crm', '2026-03-01', '60 days', leads => 'learn_test.test')
		WHERE segment = 'all') AS ranks_better,
	(SELECT brier < conversion_rate * (1 - conversion_rate)
	 FROM leadscore.evaluate('crm_learned', '2026-03-01', '60 days', leads => 'learn_test.test')
	 WHERE segment = 'all') AS beats_base_rate;

-- top_leads() of a model whose link weighs grades ranks by probability:
-- the same probabilities as sorting every lead, from an index range (many
-- leads tie: compare the values, not the leads).
SELECT (SELECT array_agg(probability) FROM leadscore.top_leads('crm_learned', 25))
	= (SELECT array_agg(probability) FROM (SELECT probability FROM leadscore.lead_scores
		WHERE model = 'crm_learned' ORDER BY probability DESC LIMIT 25) s) AS same_probabilities,
	(SELECT array_agg(probability) FROM (SELECT probability FROM leadscore.lead_scores
		WHERE model = 'crm_learned' ORDER BY score_key DESC LIMIT 25) s)
	<> (SELECT array_agg(probability) FROM leadscore.top_leads('crm_learned', 25)) AS not_the_score_order;
-- The live model (no link) keeps the score's order.
SELECT (SELECT array_agg(score_key) FROM leadscore.top_leads('crm', 25))
	= (SELECT array_agg(score_key) FROM (SELECT score_key FROM leadscore.lead_scores
		WHERE model = 'crm' ORDER BY score_key DESC LIMIT 25) s) AS same_scores;

-- Learning again replaces the candidate; a set points_per_doubling is the
-- model's scale.
SELECT leadscore.set_points_per_doubling('crm', 10);
SELECT count(*) AS rows FROM leadscore.learn('crm', '60 days', 'learn_test.train', as_of => '2026-03-01');
SELECT name, points_per_doubling FROM leadscore.models WHERE name = 'crm_learned';
SELECT count(*) AS models FROM leadscore.models;
-- calibrate() suggests points on that scale too, not anchored on the budget.
SELECT DISTINCT points_per_doubling FROM leadscore.calibrate('crm', '2026-01-01', '2026-03-01', '60 days');

-- A rule every lead matches about the same: each signed up once (every
-- 200th twice), a few hours apart, and is judged 7 days later.  Its
-- feature is nearly the same for every lead, and its chance differences
-- would take a weight the intercept cancels: it is left out, 0 points.
SELECT leadscore.create_model('signups', half_life => '30 days', mql_threshold => 40, active => false) > 0 AS created;
SELECT leadscore.add_rule('signups', 'webinar', 10) > 0 AS added;
SELECT leadscore.add_rule('signups', 'signup', 10, name => 'the "signup" \ rule') > 0 AS added;
INSERT INTO learn_test.activities
SELECT lead_id, 'signup', '2026-02-20'::timestamptz + (lead_id % 24) * interval '1 hour' - (n - 1) * interval '2 days'
FROM learn_test.leads, generate_series(1, CASE WHEN lead_id % 200 = 0 THEN 2 ELSE 1 END) n;
CREATE TABLE learn_test.signed_up AS
SELECT lead_id, '2026-02-27'::timestamptz + (lead_id % 24) * interval '1 hour' AS as_of FROM learn_test.train;
SELECT name, round(learned::numeric, 1) AS learned, round(standard_error::numeric, 1) AS standard_error, note
FROM leadscore.learn('signups', '60 days', 'learn_test.signed_up') WHERE kind = 'rule' ORDER BY name;
-- The candidate has them by name, quotes and backslashes included.
SELECT r.name, round(r.points::numeric, 1) AS points FROM leadscore.rules r
WHERE r.model_id = leadscore._model_id('signups_learned') ORDER BY r.name;

-- Bad input.
\set VERBOSITY terse
CREATE TABLE learn_test.few AS SELECT lead_id FROM learn_test.leads WHERE lead_id <= 3;
SELECT * FROM leadscore.learn('crm', '60 days', 'learn_test.few', as_of => '2026-03-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.learn('crm', '60 days', 'learn_test.train', 'crm', '2026-03-01');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('live') > 0 AS created;
SELECT * FROM leadscore.learn('crm', '60 days', 'learn_test.train', 'live', '2026-03-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.learn('crm', '60 days', 'learn_test.train', as_of => '2026-03-01', points_per_doubling => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.learn('crm', '60 days', NULL, as_of => '2026-03-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.learn('nope', '60 days', 'learn_test.train', as_of => '2026-03-01');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.set_points_per_doubling('crm', -1);
\echo :LAST_ERROR_SQLSTATE
-- The live model never changed.
SELECT r.name, r.points FROM leadscore.rules r WHERE r.model_id = leadscore._model_id('crm') ORDER BY r.id;
\set VERBOSITY default

-- top_leads() by probability with leads that have no lead row, so no
-- grade: they compete with the graded ones by the link's weight for no
-- grade, some among the most likely, some not.
INSERT INTO learn_test.activities
SELECT 5000 + i, 'webinar', CASE WHEN i <= 5 THEN now() - n * interval '1 hour'
	ELSE '2026-02-27'::timestamptz - n * interval '1 day' END
FROM generate_series(1, 40) i, generate_series(1, 1 + i % 4) n;
SELECT count(*) AS ungraded FROM leadscore.lead_scores WHERE model = 'crm_learned' AND grade IS NULL;
SELECT n, (SELECT array_agg(probability) FROM leadscore.top_leads('crm_learned', n))
	= (SELECT array_agg(probability) FROM (SELECT probability FROM leadscore.lead_scores
		WHERE model = 'crm_learned' ORDER BY probability DESC LIMIT n) s) AS same_probabilities,
	(SELECT count(*) FROM leadscore.top_leads('crm_learned', n) WHERE grade IS NULL) > 0 AS with_ungraded
FROM unnest(ARRAY[3, 10, 100, 400]) n;

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA learn_test CASCADE;
