-- bench/learn.sh, part 3 continued: the models compared on olist.test, all
-- fitted on olist.train, each lead judged at its as_of (first contact +
-- offset) against won deals within the horizon.
--   seller: the demo's hand-made model (no decay), a link fitted on train;
--   seller_calib: calibrate()'s suggestions on train (calibrated.sql),
--     no decay like the demo model, a link fitted on train;
--   seller_learned: learn()'s candidate (its own link);
--   seller_full_learned: learn() on seller_full, the demo's rules plus a
--     0-point rule for email_sent (a type the demo scores nothing for) and
--     a grade profile with one criterion per observed origin instead of
--     the demo's three groups: the information scikit-learn is given.
\set ON_ERROR_STOP 1
\ir calibrated.sql
SET client_min_messages = warning;

\echo '--- calibrate() on the train split'
SELECT kind, name, current_points AS points, leads, converted, round(lift::numeric, 2) AS lift,
	round(lift_low::numeric, 2) AS low, round(lift_high::numeric, 2) AS high, suggested_points AS suggested,
	current_steps AS steps, suggested_steps
FROM leadscore.calibrate('seller', NULL, NULL, :'horizon', leads => 'olist.train') WHERE kind <> 'activity_type';
SELECT public.bench_calibrated_model('seller', 'seller_calib', :'horizon', 'olist.train', NULL);

\echo '--- learn() on the train split (points: 25 double the odds; steps: 3 double them)'
\timing on
SELECT kind, name, current, round(learned::numeric, 1) AS learned, round(standard_error::numeric, 1) AS standard_error,
	leak, note
FROM leadscore.learn('seller', :'horizon', 'olist.train');
\timing off

\echo '--- learn() on seller_full: the demo''s rules, an email_sent rule and a criterion per origin'
SELECT leadscore.create_grade_profile('origin_fit', base => 'C') > 0 AS profile;
SELECT count(leadscore.add_criterion('origin_fit',
	CASE WHEN origin IS NULL THEN 'origin IS NULL' ELSE format('origin = %L', origin) END, 1, coalesce(origin, 'none')))
	AS criteria
FROM (SELECT DISTINCT origin FROM olist.contacts ORDER BY 1) o;
SELECT leadscore.create_model('seller_full', half_life => NULL, mql_threshold => 50, sql_threshold => 100,
	grade_profile => 'origin_fit', sql_min_grade => 'B', active => false) > 0 AS created;
SELECT count(leadscore.add_rule('seller_full', r.activity_type, r.points, r.stage, r.condition, r.max_count, r.name))
	AS rules
FROM (SELECT r.* FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id
	WHERE m.name = 'seller' ORDER BY r.id) r;
SELECT leadscore.add_rule('seller_full', 'email_sent', 0) > 0 AS email_sent_rule;
SELECT kind, name, round(learned::numeric, 1) AS learned, round(standard_error::numeric, 1) AS standard_error, note
FROM leadscore.learn('seller_full', :'horizon', 'olist.train');

SELECT 'seller' AS model, count(*) AS terms FROM leadscore.fit_probability('seller', :'horizon', 'olist.train')
UNION ALL SELECT 'seller_calib', count(*) FROM leadscore.fit_probability('seller_calib', :'horizon', 'olist.train');

\echo '--- The segments of each model on the test split, at its thresholds (MQL 50, SQL 100 and grade B)'
SELECT m AS model, segment, leads, converted, round(conversion_rate::numeric, 3) AS rate, round(lift::numeric, 2) AS lift
FROM unnest(ARRAY['seller', 'seller_calib', 'seller_learned', 'seller_full_learned']) m,
	LATERAL leadscore.evaluate(m, NULL, :'horizon', leads => 'olist.test') e
WHERE e.scope = 'all' ORDER BY m, segment;
\echo '--- Their scores at as_of on the test split'
SELECT m AS model, round(min(e.score)::numeric, 1) AS min, round(avg(e.score)::numeric, 1) AS avg,
	round(max(e.score)::numeric, 1) AS max
FROM unnest(ARRAY['seller', 'seller_calib', 'seller_learned', 'seller_full_learned']) m,
	LATERAL leadscore.evaluate_leads(m, NULL, :'horizon', leads => 'olist.test') e
GROUP BY m ORDER BY m;
