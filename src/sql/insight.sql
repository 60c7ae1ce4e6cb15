-- Insight: dna(), calibrate(), evaluate(), score_agg / stage_agg and
-- simulate() (README "Calibration and evaluation").  Readers of everything
-- before; nothing depends on them, so they come last but for the roles and
-- the privilege rule.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- Lead DNA: one lead across every model.
------------------------------------------------------------------------

-- dna()'s read of the lead tables, as calibrate() and explain() read.
CREATE FUNCTION leadscore._lead_attributes(lead_id anyelement) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'leadscore_lead_attributes' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION leadscore.dna(lead_id anyelement) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	key_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
	attrs jsonb;
	models jsonb := '[]';
	r record;
BEGIN
	IF lead_id IS NULL THEN
		RAISE EXCEPTION 'lead_id must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF key_type IS NOT NULL AND pg_typeof(lead_id) <> key_type
		AND NOT (key_type = 'text'::regtype AND pg_typeof(lead_id) = 'character varying'::regtype) THEN
		RAISE EXCEPTION 'lead_id has type %, but this database''s lead keys are %', pg_typeof(lead_id), key_type
			USING ERRCODE = '42804', HINT = format('Cast it: leadscore.dna(%L::%s).', lead_id, key_type);
	END IF;
	attrs := leadscore._lead_attributes(lead_id);
	FOR r IN
		SELECT ls.*, m.proposition, m.grade_profile
		FROM leadscore.lead_scores ls JOIN leadscore.models m ON m.id = ls.model_id
		WHERE ls.lead_id = dna.lead_id ORDER BY ls.model
	LOOP
		models := models || jsonb_build_object(
			'model', r.model,
			'proposition', r.proposition,
			'score', round(r.score::numeric, 2),
			'grade', r.grade,
			'band', r.band,
			'channel', r.channel,
			'label', r.label,
			'stage', r.stage,
			'status', r.status,
			'fit_priority', r.fit_priority,
			'activities', r.activity_count,
			'last_activity_at', r.last_activity_at,
			'mql_at', r.mql_at,
			'sql_at', r.sql_at,
			'account', (SELECT jsonb_build_object('account_id', a.account_id, 'score', round(a.score::numeric, 2),
					'engaged_leads', a.engaged_leads, 'stage', a.stage, 'status', a.status)
				FROM leadscore.account_scores a WHERE a.model_id = r.model_id AND a.account_id = r.account_id),
			'top_reasons', coalesce((
				SELECT jsonb_agg(jsonb_build_object('rule', e.rule, 'activities', e.counted,
					'points_now', round(e.points_now::numeric, 2), 'share', round(e.share::numeric, 3))
					ORDER BY abs(e.points_now) DESC, e.rule)
				FROM (SELECT * FROM leadscore.explain(r.model, dna.lead_id) x WHERE x.counted > 0
					ORDER BY abs(x.points_now) DESC, x.rule LIMIT 3) e), '[]'),
			'grade_reasons', CASE WHEN r.grade_profile IS NOT NULL AND attrs IS NOT NULL THEN coalesce((
				SELECT jsonb_agg(jsonb_build_object('criterion', g.criterion, 'steps', g.steps) ORDER BY g.criterion)
				FROM leadscore.explain_grade(r.grade_profile, attrs) g WHERE g.matched), '[]') END,
			'recent_events', coalesce((
				SELECT jsonb_agg(jsonb_build_object('kind', e.kind, 'from', e.from_value, 'to', e.to_value,
					'at', e.at, 'cause', e.cause) ORDER BY e.at DESC, e.id DESC)
				FROM (SELECT * FROM leadscore.events ev WHERE ev.model = r.model AND ev.lead_id = dna.lead_id
					ORDER BY ev.at DESC, ev.id DESC LIMIT 5) e), '[]'));
	END LOOP;
	RETURN jsonb_build_object('lead_id', lead_id, 'attributes', attrs, 'models', models);
END $$;
COMMENT ON FUNCTION leadscore.dna(anyelement) IS
	'one lead across every model: score, grade, stage, status, top reasons, grade reasons, recent events';

------------------------------------------------------------------------
-- Calibration and evaluation.  The functions run with the caller's rights:
-- an analyst sees figures only of CRM tables they may read.
------------------------------------------------------------------------

-- leads => a population: a table or view with lead_id (the lead key type)
-- and optionally as_of timestamptz; each lead judged at its own as_of,
-- leads without activity included (src/pg/insight/population.hpp).
-- Rows of kind 'criterion' (the model's grade profile, matched on the
-- attached lead tables' rows as they are now) carry steps, not points.
CREATE FUNCTION leadscore.calibrate(model text, since timestamptz, until timestamptz,
		horizon interval DEFAULT NULL, min_leads integer DEFAULT 30, leads regclass DEFAULT NULL,
		confidence float8 DEFAULT 0.95)
	RETURNS TABLE (kind text, name text, activity_type text, current_points float8, leads bigint,
		converted bigint, conversion_rate float8, base_rate float8, lift float8, lift_low float8,
		lift_high float8, low_confidence boolean, suggested_points float8, points_per_doubling float8,
		current_steps integer, suggested_steps integer, steps_per_doubling float8)
	AS 'MODULE_PATHNAME', 'leadscore_calibrate' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.calibrate(text, timestamptz, timestamptz, interval, integer, regclass, float8) IS
	'per activity type, rule and grade criterion: leads active in [since, until) before converting (or a population, each lead up to its as_of), their conversion rate, lift with a Wilson interval at confidence, suggested points or steps';

CREATE FUNCTION leadscore.evaluate(model text, as_of timestamptz, horizon interval,
		source_column name DEFAULT NULL, source_table regclass DEFAULT NULL, leads regclass DEFAULT NULL)
	RETURNS TABLE (scope text, source text, segment text, threshold float8, leads bigint, converted bigint,
		conversion_rate float8, lift float8, "precision" float8, recall float8, roc_auc float8,
		avg_deal_value float8, median_days_to_convert float8, brier float8, log_loss float8)
	AS 'MODULE_PATHNAME', 'leadscore_evaluate' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.evaluate(text, timestamptz, interval, name, regclass, regclass) IS
	'scores as they stood at as_of (or each lead of a population at its own as_of) against conversions in (as_of, as_of + horizon]: rates above/below MQL and SQL (with today''s grade against sql_min_grade), lift, precision, recall, ROC AUC, deal value, days, and with a probability link ROC AUC by probability, Brier score and log loss; per lead source too; per handoff outcome and rejection reason';

CREATE FUNCTION leadscore.evaluate_leads(model text, as_of timestamptz, horizon interval,
		source_column name DEFAULT NULL, source_table regclass DEFAULT NULL, leads regclass DEFAULT NULL)
	RETURNS TABLE (lead_id text, source text, score float8, status text, converted boolean,
		converted_at timestamptz, days_to_convert float8, deal_value float8, grade leadscore.grade, handoff text,
		probability float8)
	AS 'MODULE_PATHNAME', 'leadscore_evaluate_leads' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.evaluate_leads(text, timestamptz, interval, name, regclass, regclass) IS
	'the per-lead rows behind evaluate(): score and status at as_of (sql also needs today''s grade), converted in the horizon or not, the latest handoff up to as_of as it stands now, the probability from the model''s link';

-- The probability of converting (src/pg/insight/probability_functions.cpp).
-- fit_probability fits a model's link from score and grade on a population
-- and stores it (an admin function: it writes probability_links; the
-- population must be one the caller may read).
CREATE FUNCTION leadscore.fit_probability(model text, horizon interval, leads regclass,
		as_of timestamptz DEFAULT NULL)
	RETURNS TABLE (term text, grade leadscore.grade, weight float8, standard_error float8, leads bigint,
		converted bigint)
	AS 'MODULE_PATHNAME', 'leadscore_fit_probability' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION leadscore.fit_probability(text, interval, regclass, timestamptz) IS
	'fits the model''s probability link, P(converting within horizon) from score and grade, on the leads of a population (each at its as_of), and stores it: lead_scores.probability';

CREATE FUNCTION leadscore.drop_probability(model text) RETURNS boolean
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	WITH gone AS (DELETE FROM leadscore.probability_links l WHERE l.model_id = leadscore._model_id(model) RETURNING 1)
	SELECT EXISTS (SELECT FROM gone)
$$;
COMMENT ON FUNCTION leadscore.drop_probability(text) IS
	'removes the model''s probability link (lead_scores.probability becomes NULL); true if it had one';

CREATE FUNCTION leadscore.evaluate_calibration(model text, horizon interval, leads regclass DEFAULT NULL,
		bins integer DEFAULT 10, as_of timestamptz DEFAULT NULL)
	RETURNS TABLE (bin integer, leads bigint, converted bigint, mean_predicted float8, mean_score float8,
		observed_rate float8, lift float8, cumulative_share float8)
	AS 'MODULE_PATHNAME', 'leadscore_evaluate_calibration' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.evaluate_calibration(text, interval, regclass, integer, timestamptz) IS
	'the judged leads in bins of equal size by predicted probability (by score without a link), highest first: mean prediction against observed rate, lift, cumulative share of conversions';

-- score_agg / stage_agg.  The state is a bytea that carries what the
-- combine and final steps need (src/core/insight/score_aggregate.hpp): a parallel
-- plan (and Citus) ships it as bytes.  PostgreSQL allows serial/deserial
-- functions only for `internal` states; a bytea state is its own serial form.
CREATE FUNCTION leadscore._score_agg_step(state bytea, model text, activity_type text, occurred_at timestamptz)
	RETURNS bytea AS 'MODULE_PATHNAME', 'leadscore_score_agg_step' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore._score_agg_step(state bytea, model text, activity_type text, occurred_at timestamptz,
		as_of timestamptz)
	RETURNS bytea AS 'MODULE_PATHNAME', 'leadscore_score_agg_step' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore._score_agg_step(state bytea, model text, activity_type text, occurred_at timestamptz,
		as_of timestamptz, activity jsonb)
	RETURNS bytea AS 'MODULE_PATHNAME', 'leadscore_score_agg_step' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore._score_agg_combine(bytea, bytea) RETURNS bytea
	AS 'MODULE_PATHNAME', 'leadscore_score_agg_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore._score_agg_final(bytea) RETURNS float8
	AS 'MODULE_PATHNAME', 'leadscore_score_agg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore._stage_agg_final(bytea) RETURNS text
	AS 'MODULE_PATHNAME', 'leadscore_stage_agg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE leadscore.score_agg(model text, activity_type text, occurred_at timestamptz) (
	SFUNC = leadscore._score_agg_step, STYPE = bytea, COMBINEFUNC = leadscore._score_agg_combine,
	FINALFUNC = leadscore._score_agg_final, PARALLEL = SAFE);
CREATE AGGREGATE leadscore.score_agg(model text, activity_type text, occurred_at timestamptz, as_of timestamptz) (
	SFUNC = leadscore._score_agg_step, STYPE = bytea, COMBINEFUNC = leadscore._score_agg_combine,
	FINALFUNC = leadscore._score_agg_final, PARALLEL = SAFE);
CREATE AGGREGATE leadscore.score_agg(model text, activity_type text, occurred_at timestamptz, as_of timestamptz,
		activity jsonb) (
	SFUNC = leadscore._score_agg_step, STYPE = bytea, COMBINEFUNC = leadscore._score_agg_combine,
	FINALFUNC = leadscore._score_agg_final, PARALLEL = SAFE);
CREATE AGGREGATE leadscore.stage_agg(model text, activity_type text, occurred_at timestamptz) (
	SFUNC = leadscore._score_agg_step, STYPE = bytea, COMBINEFUNC = leadscore._score_agg_combine,
	FINALFUNC = leadscore._stage_agg_final, PARALLEL = SAFE);
CREATE AGGREGATE leadscore.stage_agg(model text, activity_type text, occurred_at timestamptz, as_of timestamptz) (
	SFUNC = leadscore._score_agg_step, STYPE = bytea, COMBINEFUNC = leadscore._score_agg_combine,
	FINALFUNC = leadscore._stage_agg_final, PARALLEL = SAFE);
CREATE AGGREGATE leadscore.stage_agg(model text, activity_type text, occurred_at timestamptz, as_of timestamptz,
		activity jsonb) (
	SFUNC = leadscore._score_agg_step, STYPE = bytea, COMBINEFUNC = leadscore._score_agg_combine,
	FINALFUNC = leadscore._stage_agg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE leadscore.score_agg(text, text, timestamptz) IS
	'a lead''s score now from the rows of any query (rules without conditions only; see the jsonb form)';
COMMENT ON AGGREGATE leadscore.score_agg(text, text, timestamptz, timestamptz) IS
	'a lead''s score at as_of from the rows of any query, rows after as_of left out';
COMMENT ON AGGREGATE leadscore.score_agg(text, text, timestamptz, timestamptz, jsonb) IS
	'a lead''s score at as_of; conditions read the jsonb row (to_jsonb(t))';
COMMENT ON AGGREGATE leadscore.stage_agg(text, text, timestamptz) IS
	'a lead''s buyer stage now from the rows of any query';
COMMENT ON AGGREGATE leadscore.stage_agg(text, text, timestamptz, timestamptz) IS
	'a lead''s buyer stage at as_of';
COMMENT ON AGGREGATE leadscore.stage_agg(text, text, timestamptz, timestamptz, jsonb) IS
	'a lead''s buyer stage at as_of; conditions read the jsonb row';

------------------------------------------------------------------------
-- Scenario testing
------------------------------------------------------------------------

CREATE FUNCTION leadscore.simulate(model text, persona jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'leadscore_simulate' LANGUAGE C STABLE STRICT
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.simulate(text, jsonb) IS
	'plays a hypothetical lead (attrs, activities with ages) through a model: score, grade, stage, status and the rules that fired; writes nothing';

------------------------------------------------------------------------
-- Score history (README "Score history"): a lead's score at past times,
-- recomputed from its rows up to each time, as evaluate() scores a
-- backtest.  Readers (STABLE): they read the lead's CRM rows with the
-- rights explain() reads them with.
------------------------------------------------------------------------

CREATE FUNCTION leadscore.score_at(model text, lead_id anyelement, at timestamptz) RETURNS float8
	AS 'MODULE_PATHNAME', 'leadscore_score_at' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.score_at(text, anyelement, timestamptz) IS
	'the lead''s score at `at`: its activity up to then, decayed to then, with caps, windows and silence scorings due by then; clamped at max_score';

-- band: the one the score reaches (the bands of today).  status: the SQL gate uses the
-- lead's grade today (grades are not historised), as evaluate() does.
CREATE FUNCTION leadscore.score_history(model text, lead_id anyelement, since timestamptz, until timestamptz,
		step interval)
	RETURNS TABLE (at timestamptz, score float8, band text, status text)
	AS 'MODULE_PATHNAME', 'leadscore_score_history' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.score_history(text, anyelement, timestamptz, timestamptz, interval) IS
	'the lead''s score and status at since, since + step, ... up to until (at most 100000 points), as score_at() computes each';

-- Learned points (src/pg/insight/learn_function.cpp): the rule points and
-- grade steps that predict conversion within `horizon` on the population's
-- leads, fitted jointly, into a shadow candidate model.  An admin function:
-- it creates a model; the population must be one the caller may read.
CREATE FUNCTION leadscore.learn(model text, horizon interval, leads regclass, candidate text DEFAULT NULL,
		as_of timestamptz DEFAULT NULL, points_per_doubling float8 DEFAULT NULL)
	RETURNS TABLE (kind text, name text, activity_type text, current float8, learned float8,
		standard_error float8, leak boolean, note text)
	AS 'MODULE_PATHNAME', 'leadscore_learn' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION leadscore.learn(text, interval, regclass, text, timestamptz, float8) IS
	'fits the model''s rule points, grade steps and intercept jointly (penalised logistic regression, penalty and half-life by cross-validation) on a population, into a shadow candidate model with a probability link; one row per rule and criterion';

-- The scale of a model's learned points: this many points double the odds.
CREATE FUNCTION leadscore.set_points_per_doubling(model text, points_per_doubling float8) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT (points_per_doubling > 0 AND points_per_doubling < 'Infinity') THEN
		RAISE EXCEPTION 'points_per_doubling must be a positive number, not %', coalesce(points_per_doubling::text, 'NULL')
			USING ERRCODE = CASE WHEN points_per_doubling IS NULL THEN '22004' ELSE '22023' END;
	END IF;
	UPDATE leadscore.models m SET points_per_doubling = set_points_per_doubling.points_per_doubling
		WHERE m.id = leadscore._model_id(model);
END $$;

-- learn()'s candidate (src/pg/insight/learn_function.cpp): a copy of model
-- `source` named `candidate`, a shadow (active false), with half-life
-- `new_half_life`, points_per_doubling `scale`, each rule's points from
-- `rule_points` (by rule name; a rule not named keeps its own), its bands,
-- and, when the source has a grade profile, a copy of it named `candidate`
-- with the steps of `criterion_steps`
-- (by criterion name; a criterion learned to 0 steps is left out).  A
-- shadow model of that name (an earlier candidate) and its profile are
-- replaced; a live one is refused.  Columns are copied by name, so what a
-- later version adds to models or rules follows.
CREATE FUNCTION leadscore._create_learned(source integer, candidate text, new_half_life interval,
		scale float8, rule_points jsonb, criterion_steps jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	target integer;
	profile text;
	new_profile integer;
	src_profile text := (SELECT m.grade_profile FROM leadscore.models m WHERE m.id = source);
BEGIN
	IF EXISTS (SELECT FROM leadscore.models m WHERE m.name = candidate AND (m.active OR m.id = source)) THEN
		RAISE EXCEPTION 'model "%" exists and is live', candidate USING ERRCODE = '42710',
			HINT = 'learn() replaces only a shadow model it made; name another candidate.';
	END IF;
	IF EXISTS (SELECT FROM leadscore.models m WHERE m.name = candidate) THEN
		PERFORM leadscore.drop_model(candidate);
	END IF;
	IF src_profile IS NOT NULL THEN
		IF EXISTS (SELECT FROM leadscore.models m WHERE m.grade_profile = candidate) THEN
			RAISE EXCEPTION 'grade profile "%" is in use', candidate USING ERRCODE = '42710',
				HINT = 'learn() names the candidate''s profile after it; name another candidate.';
		END IF;
		DELETE FROM leadscore.grade_profiles g WHERE g.name = candidate;
		-- Its id kept, not read back in the next INSERT: Citus runs no
		-- subquery beside a reference table there.
		INSERT INTO leadscore.grade_profiles (name, base)
			SELECT candidate, g.base FROM leadscore.grade_profiles g WHERE g.name = src_profile
			RETURNING id INTO new_profile;
		INSERT INTO leadscore.grade_criteria (profile_id, name, condition, steps)
			SELECT new_profile, c.name, c.condition,
				coalesce((criterion_steps ->> c.name)::integer, c.steps)
			FROM leadscore.grade_criteria c JOIN leadscore.grade_profiles g ON g.id = c.profile_id
			WHERE g.name = src_profile AND coalesce((criterion_steps ->> c.name)::integer, c.steps) <> 0
			ORDER BY c.id;
		profile := candidate;
	END IF;
	target := leadscore._copy_rows('models', 'id', source, NULL,
		jsonb_build_object('name', candidate, 'active', false, 'half_life', new_half_life,
			'grade_profile', profile, 'points_per_doubling', scale, 'version', 1,
			'created_at', now()));
	PERFORM leadscore._copy_rows('rules', 'model_id', source, target, NULL, rule_points);
	PERFORM leadscore._copy_rows('bands', 'model_id', source, target, NULL);
	PERFORM leadscore._invalidate();
	RETURN target;
END $$;

-- Copies the rows of leadscore.<tbl> whose `key` is `source`: `key` set to
-- `target` (NULL: the row's new serial id, returned), columns named in
-- `set` to its values, and, with `points`, a rule's points to
-- points ->> its name where named (a points-expression rule keeps NULL).
-- Every other column as it is, by name; serial ids are new.
CREATE FUNCTION leadscore._copy_rows(tbl text, key text, source integer, target integer, set jsonb,
		points jsonb DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	cols text;
	vals text;
	made integer;
BEGIN
	SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
		string_agg(CASE
			WHEN a.attname = key AND target IS NOT NULL THEN format('%s::%s', target, format_type(a.atttypid, NULL))
			WHEN set ? a.attname THEN format('(%L::jsonb ->> %L)::%s', set, a.attname, format_type(a.atttypid, a.atttypmod))
			WHEN a.attname = 'points' AND points IS NOT NULL
				THEN format('CASE WHEN t.points IS NOT NULL AND %L::jsonb ? t.name THEN (%L::jsonb ->> t.name)::float8 ELSE t.points END',
					points, points)
			ELSE 't.' || quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
	INTO cols, vals
	FROM pg_attribute a
	WHERE a.attrelid = format('leadscore.%I', tbl)::regclass AND a.attnum > 0 AND NOT a.attisdropped
		AND NOT (a.attname = 'id' AND (a.attname <> key OR target IS NULL));
	EXECUTE format('INSERT INTO leadscore.%I AS x (%s) SELECT %s FROM leadscore.%I t WHERE t.%I = $1 RETURNING %s',
		tbl, cols, vals, tbl, key, CASE WHEN target IS NULL THEN 'x.id' ELSE 'NULL::integer' END)
		INTO made USING source;
	RETURN made;
END $$;
