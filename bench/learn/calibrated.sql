-- bench/learn.sh: (b), a model built from calibrate()'s suggestions, as a
-- user would build one: bench_calibrated_model(source, target, horizon,
-- leads, half_life) runs calibrate(source, NULL, NULL, horizon, leads =>
-- leads) and creates `target`, a shadow copy of `source` (thresholds,
-- stages, grade gates) with `half_life`, each rule's suggested_points (its
-- current points where calibrate() suggests none: low confidence) and a
-- copy of the grade profile named `target` with each criterion's
-- suggested_steps (current steps where none; a criterion suggested 0 steps
-- is left out, as add_criterion() refuses 0), then rescores it (its grades
-- in lead_scores are what fit_probability() reads).
CREATE OR REPLACE FUNCTION public.bench_calibrated_model(source text, target text, horizon interval,
		leads regclass, half_life interval) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	m leadscore.models;
	profile text;
BEGIN
	SELECT * INTO STRICT m FROM leadscore.models WHERE name = source;
	CREATE TEMP TABLE bench_cal ON COMMIT DROP AS
		SELECT * FROM leadscore.calibrate(source, NULL, NULL, horizon, leads => leads);
	IF m.grade_profile IS NOT NULL THEN
		PERFORM leadscore.create_grade_profile(target, g.base) FROM leadscore.grade_profiles g
		WHERE g.name = m.grade_profile;
		PERFORM leadscore.add_criterion(target, c.condition, coalesce(k.suggested_steps, c.steps), c.name)
		FROM leadscore.grade_criteria c JOIN leadscore.grade_profiles g ON g.id = c.profile_id
		JOIN bench_cal k ON k.kind = 'criterion' AND k.name = c.name
		WHERE g.name = m.grade_profile AND coalesce(k.suggested_steps, c.steps) <> 0;
		profile := target;
	END IF;
	PERFORM leadscore.create_model(target, half_life, m.mql_threshold, m.sql_threshold, m.sql_min_grade, m.stages,
		grade_profile => profile, stage_min_points => m.stage_min_points, active => false);
	PERFORM leadscore.add_rule(target, r.activity_type, coalesce(k.suggested_points, r.points), r.stage, r.condition,
		r.max_count, r.name, r.min_count, r.within, r.cooldown)
	FROM leadscore.rules r JOIN bench_cal k ON k.kind = 'rule' AND k.name = r.name
	WHERE r.model_id = m.id;
	PERFORM leadscore.rescore(target);
END $$;
