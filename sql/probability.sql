-- The probability of converting: fit_probability() on a population,
-- lead_scores.probability, evaluate()'s Brier score and log loss, ROC AUC by
-- probability, evaluate_leads().probability, evaluate_calibration(); the fit
-- checked by its score equations in plain SQL; every error.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA prob_test;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE prob_test.activities (lead_id bigint, kind text, at timestamptz);
CREATE TABLE prob_test.deals (lead_id bigint, won_at timestamptz);
SELECT leadscore.create_model('crm', half_life => NULL, mql_threshold => 30, sql_threshold => 60) > 0 AS created;
SELECT leadscore.add_rule('crm', 'demo', 20) > 0 AS added;
SELECT leadscore.attach_activities('prob_test.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_outcomes('prob_test.deals', 'lead_id', 'won_at') AS usable_rows;

-- 400 leads with 0 to 4 demos on 01-01; the more demos, the likelier a
-- deal in February (a fixed pseudo-random draw per lead).
INSERT INTO prob_test.activities
SELECT i, 'demo', '2026-01-01' FROM generate_series(1, 400) i, generate_series(1, i % 5) d;
INSERT INTO prob_test.deals
SELECT i, '2026-02-01' FROM generate_series(1, 400) i WHERE (i * 7919) % 97 < 10 + 15 * (i % 5);
CREATE TABLE prob_test.train AS SELECT i::bigint AS lead_id FROM generate_series(1, 400) i WHERE i % 4 <> 0;
CREATE TABLE prob_test.test AS SELECT i::bigint AS lead_id FROM generate_series(1, 400) i WHERE i % 4 = 0;

-- No link yet: no probability, no Brier score.
SELECT count(*) AS leads, count(probability) AS with_probability FROM leadscore.lead_scores;
SELECT brier, log_loss FROM leadscore.evaluate('crm', '2026-01-15', '60 days') WHERE segment = 'all';

-- The fit: the intercept, the weight of a point, on the 300 training leads
-- (scikit-learn's LogisticRegression, C = 1, on the standardised score:
-- -1.9411 and 0.0374).
SELECT term, grade, round(weight::numeric, 4) AS weight, round(standard_error::numeric, 4) AS standard_error,
	leads, converted
FROM leadscore.fit_probability('crm', '60 days', 'prob_test.train', '2026-01-15');
SELECT horizon, leads, converted, cardinality(link) AS numbers FROM leadscore.probability_links;

-- The intercept is not penalised: on the training leads the predicted
-- conversions add up to the observed ones (its score equation).
SELECT round(sum(probability)::numeric, 6) AS predicted, sum(converted::int) AS observed
FROM leadscore.evaluate_leads('crm', '2026-01-15', '60 days', leads => 'prob_test.train');
-- lead_scores.probability is the link applied to the score shown.
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(s.probability -
	1 / (1 + exp(-(l.link[1] + l.link[2] * s.score + l.link[3 + 13])))) < 1e-12) AS same
FROM leadscore.lead_scores s JOIN leadscore.probability_links l USING (model_id);
-- More demos, likelier: the probability rises with the score.
SELECT round(score::numeric) AS score, round(min(probability)::numeric, 4) AS probability, count(*) AS leads
FROM leadscore.lead_scores GROUP BY 1 ORDER BY 1;

-- Held out: Brier score and log loss against plain SQL over the same leads,
-- and ROC AUC by probability (a rising link: the same as by score).
WITH l AS (SELECT probability AS p, converted::int AS y
	FROM leadscore.evaluate_leads('crm', '2026-01-15', '60 days', leads => 'prob_test.test'))
SELECT abs(e.brier - (SELECT avg((p - y) ^ 2) FROM l)) < 1e-12 AS same_brier,
	abs(e.log_loss - (SELECT avg(-ln(CASE WHEN y = 1 THEN p ELSE 1 - p END)) FROM l)) < 1e-12 AS same_log_loss,
	e.brier < (SELECT avg(y) * (1 - avg(y)) FROM l) AS beats_base_rate, round(e.roc_auc::numeric, 4) AS roc_auc
FROM leadscore.evaluate('crm', '2026-01-15', '60 days', leads => 'prob_test.test') e
WHERE e.scope = 'all' AND e.segment = 'all';

-- The calibration and gains curve in 4 bins of 25 held-out leads.
SELECT bin, leads, converted, round(mean_predicted::numeric, 4) AS mean_predicted,
	round(mean_score::numeric, 2) AS mean_score, round(observed_rate::numeric, 4) AS observed_rate,
	round(lift::numeric, 4) AS lift, round(cumulative_share::numeric, 4) AS cumulative_share
FROM leadscore.evaluate_calibration('crm', '60 days', 'prob_test.test', 4, '2026-01-15');
-- Without a population, the 320 leads active by as_of, in 3 bins of 107,
-- 107 and 106.
SELECT bin, leads FROM leadscore.evaluate_calibration('crm', '60 days', bins => 3, as_of => '2026-01-15');

-- drop_probability(): gone from the view and from evaluate().
SELECT leadscore.drop_probability('crm') AS dropped, leadscore.drop_probability('crm') AS again;
SELECT count(probability) AS with_probability FROM leadscore.lead_scores;
SELECT count(probability) AS with_probability
FROM leadscore.evaluate_leads('crm', '2026-01-15', '60 days', leads => 'prob_test.test');
-- Without a link, the bins go by score.
SELECT bin, leads, mean_predicted, round(mean_score::numeric, 2) AS mean_score
FROM leadscore.evaluate_calibration('crm', '60 days', 'prob_test.test', 2, '2026-01-15');

-- Bad input.
\set VERBOSITY terse
CREATE TABLE prob_test.tiny AS SELECT i::bigint AS lead_id FROM generate_series(1, 3) i;
SELECT * FROM leadscore.fit_probability('crm', '60 days', 'prob_test.tiny', '2026-01-15');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.fit_probability('crm', '60 days', NULL, '2026-01-15');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.fit_probability('crm', '60 days', 'prob_test.train');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.fit_probability('nope', '60 days', 'prob_test.train', '2026-01-15');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate_calibration('crm', '60 days', 'prob_test.test', 0, '2026-01-15');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.link_probability('{1,2}', 10, NULL) AS wrong_shape;
-- fit_probability writes: leadscore_admin's; the population must be one
-- the caller may read.
CREATE ROLE prob_admin IN ROLE leadscore_admin;
CREATE ROLE prob_reader;
GRANT USAGE ON SCHEMA prob_test TO prob_admin, prob_reader;
SET ROLE prob_reader;
SELECT * FROM leadscore.fit_probability('crm', '60 days', 'prob_test.train', '2026-01-15');
\echo :LAST_ERROR_SQLSTATE
SET ROLE prob_admin;
SELECT * FROM leadscore.fit_probability('crm', '60 days', 'prob_test.train', '2026-01-15');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
\set VERBOSITY default

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA prob_test CASCADE;
DROP ROLE prob_admin;
DROP ROLE prob_reader;
