-- Models and rules: checks of them (src/pg/admin/admin_functions.cpp), create,
-- change and drop.  After the tables they write; scores.sql's functions call
-- _model_id(), so it comes before them.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- The checks in C: a model's settings, a rule, and every model compiled
-- against every attached activity table.
CREATE FUNCTION leadscore._check_model(name text, half_life interval, mql_threshold float8, sql_threshold float8,
		stages text[], stage_min_points float8, max_score float8) RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_check_model' LANGUAGE C;
CREATE FUNCTION leadscore._check_rule(model text, stages text[], rule_names text[], name text, activity_type text,
		points float8, stage text, condition text, max_count integer, min_count integer, within_us float8,
		cooldown_us float8, points_expression text) RETURNS text[]
	AS 'MODULE_PATHNAME', 'leadscore_check_rule' LANGUAGE C;
CREATE FUNCTION leadscore._check_tables() RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_check_tables' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;

-- A NULL model name is a NULL argument (22004), not a model that does not
-- exist.
CREATE FUNCTION leadscore._model_id(model text) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	found integer;
BEGIN
	IF model IS NULL THEN
		RAISE EXCEPTION 'a model name is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	SELECT m.id INTO found FROM leadscore.models m WHERE m.name = model;
	IF found IS NULL THEN
		RAISE EXCEPTION 'model "%" does not exist', model USING ERRCODE = '42704',
			HINT = 'leadscore.models lists the models; leadscore.create_model() makes one.';
	END IF;
	RETURN found;
END $$;

-- Names that a NOTIFY payload carries (the model's, and its stages' in a
-- stage change) are at most 128 characters: a 7 kB model name would make
-- the payload too long and so fail the CRM write that hands a lead to sales.
CREATE FUNCTION leadscore._check_name(what text, name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a % is needed, not NULL', what USING ERRCODE = '22004';
	END IF;
	IF char_length(name) > 128 THEN
		RAISE EXCEPTION '% "%..." is % characters long', what, left(name, 20), char_length(name)
			USING ERRCODE = '22023', HINT = format('A %s has at most 128 characters.', what);
	END IF;
END $$;

CREATE FUNCTION leadscore.create_model(
	name text,
	half_life interval DEFAULT '30 days',
	mql_threshold float8 DEFAULT 50,
	sql_threshold float8 DEFAULT 100,
	sql_min_grade leadscore.grade DEFAULT 'B',
	stages text[] DEFAULT '{awareness,consideration,decision}',
	proposition text DEFAULT NULL,
	grade_profile text DEFAULT NULL,
	max_score float8 DEFAULT NULL,
	stage_min_points float8 DEFAULT 10,
	fit_min_grade leadscore.grade DEFAULT 'A-',
	active boolean DEFAULT true,
	account_threshold float8 DEFAULT NULL,
	handoff_sla interval DEFAULT NULL,
	momentum_half_life interval DEFAULT '7 days',
	momentum_ranking boolean DEFAULT false
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id integer;
	stage text;
BEGIN
	PERFORM leadscore._check_name('model name', name);
	IF btrim(name) = '' THEN
		RAISE EXCEPTION 'model name must not be empty' USING ERRCODE = '22023';
	END IF;
	FOREACH stage IN ARRAY coalesce(stages, '{}') LOOP
		PERFORM leadscore._check_name('stage name', coalesce(stage, ''));
	END LOOP;
	IF EXISTS (SELECT 1 FROM leadscore.models m WHERE m.name = create_model.name) THEN
		RAISE EXCEPTION 'model "%" already exists', name USING ERRCODE = '42710';
	END IF;
	PERFORM leadscore._check_model(name, half_life, mql_threshold, sql_threshold, coalesce(stages, '{}'),
		stage_min_points, max_score);
	IF grade_profile IS NOT NULL THEN
		PERFORM leadscore._profile_id(grade_profile);
	END IF;
	IF fit_min_grade IS NULL THEN
		RAISE EXCEPTION 'fit_min_grade must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF active IS NULL THEN
		RAISE EXCEPTION 'active must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	-- At most 1e15: times an account weight (up to 2^600) it must stay
	-- finite where account_scores compares it (the other thresholds:
	-- _check_model).
	IF account_threshold IS NOT NULL AND NOT (account_threshold > 0 AND account_threshold <= 1e15) THEN
		RAISE EXCEPTION 'account_threshold must be a positive number%, not %', CASE WHEN account_threshold > 1e15 AND account_threshold < 'Infinity' THEN ' up to 1e+15' ELSE '' END, account_threshold USING ERRCODE = '22023',
			HINT = 'Use NULL for a model whose accounts have no status.';
	END IF;
	PERFORM leadscore._check_handoff_sla(handoff_sla);
	PERFORM leadscore._check_momentum_half_life(momentum_half_life);
	IF momentum_ranking IS NULL THEN
		RAISE EXCEPTION 'momentum_ranking must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	INSERT INTO leadscore.models (name, half_life, mql_threshold, sql_threshold, sql_min_grade, stages,
		stage_min_points, proposition, grade_profile, max_score, fit_min_grade, active, account_threshold, epoch,
		handoff_sla, momentum_half_life, momentum_ranking)
	VALUES (name, half_life, mql_threshold, sql_threshold, sql_min_grade, coalesce(stages, '{}'),
		stage_min_points, proposition, grade_profile, max_score, fit_min_grade, active,
		account_threshold, date_trunc('second', now()), handoff_sla, momentum_half_life, momentum_ranking)
	RETURNING id INTO new_id;
	-- The profile's criteria against the attached lead tables: a column
	-- they lack fails here, not in the CRM's next lead insert.
	IF grade_profile IS NOT NULL THEN
		PERFORM leadscore._check_lead_tables();
	END IF;
	PERFORM leadscore._invalidate();
	RETURN new_id;
END $$;

-- New rules score new rows at once; the history already scored keeps its
-- old points until rescore() (which blocks writers while it runs).
CREATE FUNCTION leadscore._rule_change_notice(model text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM leadscore.attachments WHERE kind = 'activities') THEN
		RAISE NOTICE 'rules of model "%" changed: new activity rows use them now', model
			USING HINT = format('Run SELECT leadscore.rescore(%L) to apply them to the history.', model);
	END IF;
END $$;

-- After a rule of `mid` changed: a new model version, every backend's
-- plans rebuilt, the tables checked, the user told.
CREATE FUNCTION leadscore._rules_changed(model text, mid integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	UPDATE leadscore.models SET version = version + 1 WHERE id = mid;
	PERFORM leadscore._check_tables();
	PERFORM leadscore._invalidate();
	PERFORM leadscore._rule_change_notice(model);
END $$;

CREATE FUNCTION leadscore.add_rule(
	model text,
	activity_type text,
	points float8,
	stage text DEFAULT NULL,
	condition text DEFAULT NULL,
	max_count integer DEFAULT NULL,
	name text DEFAULT NULL,
	min_count integer DEFAULT NULL,
	within interval DEFAULT NULL,
	cooldown interval DEFAULT NULL,
	points_expression text DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
	names text[];
	stages text[];
	base text := coalesce(activity_type, 'any_type');
	r leadscore.rules;
	normalized text[];
BEGIN
	IF activity_type = '' THEN
		RAISE EXCEPTION 'activity_type must not be empty' USING ERRCODE = '22023',
			HINT = 'Use NULL for a rule over every type.';
	END IF;
	-- One rule change at a time per model: names and versions stay unique.
	SELECT m.stages INTO stages FROM leadscore.models m WHERE m.id = mid FOR UPDATE;
	SELECT coalesce(array_agg(x.name), '{}') INTO names FROM leadscore.rules x WHERE x.model_id = mid;
	r.name := name;
	IF r.name IS NULL THEN
		r.name := base;
		WHILE r.name = ANY (names) LOOP
			r.name := base || '_' || (SELECT count(*) + 1 FROM unnest(names) n
				WHERE n = base OR n LIKE base || '\_%');
		END LOOP;
	END IF;
	r.model_id := mid;
	r.activity_type := activity_type;
	r.points := points;
	r.stage := stage;
	r.condition := condition;
	r.max_count := max_count;
	r.min_count := min_count;
	r.within := within;
	r.cooldown := coalesce(cooldown, within);
	r.points_expression := points_expression;
	normalized := leadscore._check_rule(model, stages, names, r.name, r.activity_type, r.points, r.stage,
		r.condition, r.max_count, r.min_count, extract(epoch FROM r.within) * 1000000,
		extract(epoch FROM r.cooldown) * 1000000, r.points_expression);
	INSERT INTO leadscore.rules (model_id, name, activity_type, points, stage, condition, max_count,
		min_count, within, cooldown, points_expression)
	VALUES (mid, r.name, r.activity_type, r.points, r.stage, normalized[1], r.max_count,
		r.min_count, r.within, r.cooldown, normalized[2])
	RETURNING id INTO r.id;
	PERFORM leadscore._rules_changed(model, mid);
	RETURN r.id;
END $$;

-- The opening update_rule() and update_absence_rule() share: the rule,
-- re-read once its model is locked (a concurrent change of the model's rules
-- waits for that lock, and the rule read before it may be stale), with its
-- model's name and stages and the names of the model's other rules.
CREATE FUNCTION leadscore._rule_to_update(id integer, silence boolean, OUT r leadscore.rules, OUT model text,
		OUT stages text[], OUT names text[])
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION 'a rule id is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	SELECT x.* INTO r FROM leadscore.rules x WHERE x.id = _rule_to_update.id;
	IF r.id IS NULL THEN
		RAISE EXCEPTION '% % does not exist', CASE WHEN silence THEN 'silence rule' ELSE 'rule' END, id
			USING ERRCODE = '42704';
	END IF;
	IF silence AND r.response_types IS NULL THEN
		RAISE EXCEPTION 'rule % is not a silence rule', r.name USING ERRCODE = '42704',
			HINT = 'update_rule() changes it.';
	END IF;
	IF NOT silence AND r.response_types IS NOT NULL THEN
		RAISE EXCEPTION 'rule % is a silence rule', r.name USING ERRCODE = '22023',
			HINT = 'update_absence_rule() changes it.';
	END IF;
	SELECT m.name, m.stages INTO model, stages FROM leadscore.models m WHERE m.id = r.model_id FOR UPDATE;
	SELECT x.* INTO r FROM leadscore.rules x WHERE x.id = _rule_to_update.id;
	SELECT coalesce(array_agg(x.name), '{}') INTO names FROM leadscore.rules x
		WHERE x.model_id = r.model_id AND x.id <> r.id;
END $$;

-- Changes a rule in place; an argument left NULL keeps its value.  To
-- remove a setting: condition => '' (every row of the type), stage => ''
-- (no stage), max_count => 0 (no cap), min_count => 0 (no window; within
-- and cooldown go with it).
CREATE FUNCTION leadscore.update_rule(
	id integer,
	points float8 DEFAULT NULL,
	condition text DEFAULT NULL,
	max_count integer DEFAULT NULL,
	stage text DEFAULT NULL,
	name text DEFAULT NULL,
	min_count integer DEFAULT NULL,
	within interval DEFAULT NULL,
	cooldown interval DEFAULT NULL,
	points_expression text DEFAULT NULL
) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	opened record := leadscore._rule_to_update(id, false);
	r leadscore.rules := opened.r;
	model text := opened.model;
	names text[] := opened.names;
	stages text[] := opened.stages;
	normalized text[];
BEGIN
	IF points IS NOT NULL AND points_expression IS NOT NULL THEN
		RAISE EXCEPTION 'rule % needs either points or points_expression, not both', r.name
			USING ERRCODE = '22023';
	END IF;
	-- Points replace an expression and an expression replaces points.
	r.points := CASE WHEN points_expression IS NOT NULL THEN NULL ELSE coalesce(points, r.points) END;
	r.points_expression := CASE WHEN points IS NOT NULL THEN NULL
		ELSE coalesce(points_expression, r.points_expression) END;
	r.condition := CASE WHEN condition = '' THEN NULL ELSE coalesce(condition, r.condition) END;
	r.max_count := CASE WHEN max_count = 0 THEN NULL ELSE coalesce(max_count, r.max_count) END;
	r.stage := CASE WHEN stage = '' THEN NULL ELSE coalesce(stage, r.stage) END;
	r.name := coalesce(name, r.name);
	IF min_count = 0 THEN
		IF within IS NOT NULL OR cooldown IS NOT NULL THEN
			RAISE EXCEPTION 'min_count => 0 removes the window: within and cooldown must be NULL'
				USING ERRCODE = '22023';
		END IF;
		r.min_count := NULL;
		r.within := NULL;
		r.cooldown := NULL;
	ELSE
		r.min_count := coalesce(min_count, r.min_count);
		r.cooldown := coalesce(cooldown, CASE WHEN r.within IS NULL THEN within END, r.cooldown);
		r.within := coalesce(within, r.within);
	END IF;
	normalized := leadscore._check_rule(model, stages, names, r.name, r.activity_type, r.points, r.stage,
		r.condition, r.max_count, r.min_count, extract(epoch FROM r.within) * 1000000,
		extract(epoch FROM r.cooldown) * 1000000, r.points_expression);
	UPDATE leadscore.rules x SET points = r.points, condition = normalized[1], max_count = r.max_count,
		stage = r.stage, name = r.name, min_count = r.min_count, within = r.within, cooldown = r.cooldown,
		points_expression = normalized[2]
	WHERE x.id = r.id;
	PERFORM leadscore._rules_changed(model, r.model_id);
END $$;

-- Silence rules: checks in C (src/core/model/scoring_model.cpp,
-- ValidateSilence), like _check_rule's.
CREATE FUNCTION leadscore._check_absence_rule(model text, stages text[], rule_names text[], name text,
		activity_type text, response_types text[], within_us float8, points float8, in_a_row integer, stage text)
	RETURNS void AS 'MODULE_PATHNAME', 'leadscore_check_absence_rule' LANGUAGE C;

-- A rule that scores silence: each time in_a_row activities of
-- activity_type in a row get no activity of a response type within
-- `within`, at the moment the last one's window closes.
CREATE FUNCTION leadscore.add_absence_rule(
	model text,
	activity_type text,
	response_types text[],
	within interval,
	points float8,
	in_a_row integer DEFAULT 1,
	name text DEFAULT NULL,
	stage text DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
	names text[];
	stages text[];
	rule_name text := coalesce(name, 'no_' || array_to_string(response_types, '_or_') || '_after_' || activity_type);
	new_id integer;
BEGIN
	SELECT m.stages INTO stages FROM leadscore.models m WHERE m.id = mid FOR UPDATE;
	SELECT coalesce(array_agg(x.name), '{}') INTO names FROM leadscore.rules x WHERE x.model_id = mid;
	PERFORM leadscore._check_absence_rule(model, stages, names, rule_name, activity_type, response_types,
		extract(epoch FROM within) * 1000000, points, in_a_row, stage);
	INSERT INTO leadscore.rules (model_id, name, activity_type, points, stage, within, response_types, in_a_row)
	VALUES (mid, rule_name, activity_type, points, stage, within, response_types, in_a_row)
	RETURNING id INTO new_id;
	PERFORM leadscore._rules_changed(model, mid);
	RETURN new_id;
END $$;

-- Changes a silence rule in place; an argument left NULL keeps its value.
CREATE FUNCTION leadscore.update_absence_rule(
	id integer,
	response_types text[] DEFAULT NULL,
	within interval DEFAULT NULL,
	points float8 DEFAULT NULL,
	in_a_row integer DEFAULT NULL,
	name text DEFAULT NULL,
	stage text DEFAULT NULL
) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	opened record := leadscore._rule_to_update(id, true);
	r leadscore.rules := opened.r;
	model text := opened.model;
	names text[] := opened.names;
	stages text[] := opened.stages;
BEGIN
	r.response_types := coalesce(response_types, r.response_types);
	r.within := coalesce(within, r.within);
	r.points := coalesce(points, r.points);
	r.in_a_row := coalesce(in_a_row, r.in_a_row);
	r.name := coalesce(name, r.name);
	r.stage := CASE WHEN stage = '' THEN NULL ELSE coalesce(stage, r.stage) END;
	PERFORM leadscore._check_absence_rule(model, stages, names, r.name, r.activity_type, r.response_types,
		extract(epoch FROM r.within) * 1000000, r.points, r.in_a_row, r.stage);
	UPDATE leadscore.rules x SET response_types = r.response_types, within = r.within, points = r.points,
		in_a_row = r.in_a_row, name = r.name, stage = r.stage
	WHERE x.id = r.id;
	PERFORM leadscore._rules_changed(model, r.model_id);
END $$;

CREATE FUNCTION leadscore.remove_rule(id integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer;
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION 'a rule id is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	DELETE FROM leadscore.rules r WHERE r.id = remove_rule.id RETURNING r.model_id INTO mid;
	IF mid IS NULL THEN
		RAISE EXCEPTION 'rule % does not exist', id USING ERRCODE = '42704';
	END IF;
	UPDATE leadscore.models SET version = version + 1 WHERE models.id = mid;
	PERFORM leadscore._invalidate();
	PERFORM leadscore._rule_change_notice((SELECT m.name FROM leadscore.models m WHERE m.id = mid));
END $$;

-- Momentum's half-life: NULL is no half-life (every model's momentum
-- decays, also where the score does not), and one shorter than a minute
-- is a typo as for the score's (src/core/model/scoring_model.hpp).
CREATE FUNCTION leadscore._check_momentum_half_life(h interval) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF h IS NULL THEN
		RAISE EXCEPTION 'momentum_half_life must not be NULL' USING ERRCODE = '22004',
			HINT = 'Momentum always decays; the default is 7 days.';
	END IF;
	IF NOT (h >= interval '1 minute' AND isfinite(now() + h)) THEN
		RAISE EXCEPTION 'momentum_half_life must be at least 1 minute, not %', h USING ERRCODE = '22023';
	END IF;
END $$;

-- Changes a model's momentum half-life.  Every stored momentum was weighted
-- with the old one: the model is rescored, so momentum is exact at once.
CREATE FUNCTION leadscore.set_momentum_half_life(model text, half_life interval) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	PERFORM leadscore._check_momentum_half_life(half_life);
	UPDATE leadscore.models m SET momentum_half_life = set_momentum_half_life.half_life, version = version + 1
		WHERE m.id = mid;
	PERFORM leadscore._invalidate();
	PERFORM leadscore.rescore(model);
END $$;

-- Waits for the running writers of every attached activity and lead table
-- and holds new ones (in OID order, as DROP EXTENSION locks them) until the
-- commit: what changes how writers score (a model's first ledger row, its
-- momentum ranking) takes effect for all of them at once, as rescore()
-- does, rather than for the writers that started after it.
CREATE FUNCTION leadscore._hold_writers() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	t regclass;
BEGIN
	FOR t IN SELECT a.tbl FROM leadscore.attachments a WHERE a.kind IN ('activities', 'leads')
			ORDER BY a.tbl::oid LOOP
		EXECUTE format('LOCK TABLE %s IN SHARE MODE', t);
	END LOOP;
END $$;

-- Turns top_momentum()'s index on or off for a model.  Off (the default),
-- every lead's momentum_rank is 0 and an activity's state update can stay
-- HOT; top_momentum() then sorts the model's leads by momentum.  On, the
-- index orders them, at the price of an index entry with nearly every
-- activity (momentum moves with each).  Either way lead_scores.momentum is
-- exact; this rewrites the model's ranks, once.
CREATE FUNCTION leadscore.set_momentum_ranking(model text, ranking boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	IF ranking IS NULL THEN
		RAISE EXCEPTION 'momentum_ranking must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	PERFORM leadscore._hold_writers();
	UPDATE leadscore.models m SET momentum_ranking = set_momentum_ranking.ranking, version = version + 1
		WHERE m.id = mid;
	PERFORM leadscore._invalidate();
	UPDATE leadscore.lead_state s SET momentum_rank = leadscore.momentum_rank(s.momentum, ranking)
		WHERE s.model_id = mid AND s.momentum_rank <> leadscore.momentum_rank(s.momentum, ranking);
END $$;

-- Switches a model between live and shadow.  A shadow model is scored and
-- kept exact but reports no events and sends no NOTIFY; its records are
-- kept current all along, so switching it live reports only what happens
-- from then on.
CREATE FUNCTION leadscore.set_active(model text, active boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	IF active IS NULL THEN
		RAISE EXCEPTION 'active must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	UPDATE leadscore.models m SET active = set_active.active, version = version + 1 WHERE m.id = mid;
	PERFORM leadscore._invalidate();
END $$;

CREATE FUNCTION leadscore.drop_model(name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(name);
BEGIN
	DELETE FROM leadscore.lead_state WHERE model_id = mid;
	DELETE FROM leadscore.models WHERE id = mid;
	PERFORM leadscore._invalidate();
END $$;
