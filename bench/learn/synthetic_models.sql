-- bench/learn.sh, part 1 continued: the models compared on syn.test, all
-- fitted on syn.train (see synthetic.sql for the law).
--   (a) syn_hand: the hand-made model (equal points, 90-day half-life),
--       with a probability link fitted on the train split;
--   (b) syn_calib: calibrate()'s suggested points and steps on the train
--       split (bench_calibrated_model, calibrated.sql), the hand model's
--       90-day half-life, a link fitted on the train split; syn_calib_30d
--       the same on the law's 30-day half-life (calibrate() suggests
--       points, not a half-life; this row shows what the half-life alone
--       is worth to it);
--   (c) syn_hand_learned: learn()'s candidate (its own link);
--   (d) the law's own probabilities (syn.truth), by the shell script.
\set ON_ERROR_STOP 1
\ir calibrated.sql
SET client_min_messages = warning;

\echo '--- calibrate() on the train split: lifts and suggestions'
SELECT kind, name, current_points AS points, leads, converted, round(lift::numeric, 2) AS lift,
	round(lift_low::numeric, 2) AS low, round(lift_high::numeric, 2) AS high, suggested_points AS suggested,
	current_steps AS steps, suggested_steps
FROM leadscore.calibrate('syn_hand', NULL, NULL, :'horizon', leads => 'syn.train') WHERE kind <> 'activity_type';
SELECT public.bench_calibrated_model('syn_hand', 'syn_calib', :'horizon', 'syn.train', :'hand_half_life');
SELECT public.bench_calibrated_model('syn_hand', 'syn_calib_30d', :'horizon', 'syn.train', '30 days');

\echo '--- learn() on the train split (points: 20 double the odds; steps: 3 double them)'
\timing on
SELECT kind, name, current, round(learned::numeric, 1) AS learned, round(standard_error::numeric, 1) AS standard_error,
	leak, note
FROM leadscore.learn('syn_hand', :'horizon', 'syn.train');
\timing off
\echo '--- The law in the same units: a rule''s points = 20 / ln 2 x its log-odds per decayed row, a'
\echo '--- criterion''s steps = 3 / ln 2 x its log-odds (the burst is a 0/1 indicator in the law, a'
\echo '--- decayed count of window scorings in the model)'
SELECT name, round((w * 20 / ln(2))::numeric, 1) AS law_points, round((s * 3 / ln(2))::numeric, 1) AS law_steps
FROM (VALUES ('page_view', 0.22, NULL), ('visit_burst', 1.0, NULL), ('newsletter_open', 0, NULL), ('webinar', 0.9, NULL),
	('case_study', 0, NULL), ('demo_request', 1.6, NULL), ('unsubscribe', -1.5, NULL),
	('large', NULL, 0.9), ('tiny', NULL, -1.1), ('software', NULL, 0.6), ('emea', NULL, 0)) l(name, w, s);

\echo '--- probability links of (a) and (b), fitted on the train split'
SELECT 'syn_hand' AS model, count(*) AS terms FROM leadscore.fit_probability('syn_hand', :'horizon', 'syn.train')
UNION ALL SELECT 'syn_calib', count(*) FROM leadscore.fit_probability('syn_calib', :'horizon', 'syn.train')
UNION ALL SELECT 'syn_calib_30d', count(*) FROM leadscore.fit_probability('syn_calib_30d', :'horizon', 'syn.train');
SELECT m.name AS model, r.name AS rule, r.points FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id
WHERE m.name IN ('syn_calib', 'syn_hand_learned') ORDER BY r.name, m.name;
