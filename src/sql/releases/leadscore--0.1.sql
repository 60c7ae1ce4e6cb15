-- The released 0.1 install script, frozen: never edit it.  It is shipped
-- only so that CREATE EXTENSION leadscore VERSION '0.1' (and '0.2', through
-- src/sql/upgrades/0.1--0.2.sql) still works, which sql/upgrade.sql needs
-- to test the upgrade paths.  A fresh install runs leadscore--<default
-- version>.sql, which the Makefile joins from src/sql/*.sql.
--
-- leadscore 0.1: the grade type and the condition language checker.
-- Everything lives in schema leadscore and is schema-qualified; nothing is
-- created in public.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- leadscore.grade: A+ ... F, ordered, indexable, steps of one third
------------------------------------------------------------------------

CREATE TYPE leadscore.grade;

CREATE FUNCTION leadscore.grade_in(cstring) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_out(leadscore.grade) RETURNS cstring
	AS 'MODULE_PATHNAME', 'leadscore_grade_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_recv(internal) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_send(leadscore.grade) RETURNS bytea
	AS 'MODULE_PATHNAME', 'leadscore_grade_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE leadscore.grade (
	INPUT = leadscore.grade_in,
	OUTPUT = leadscore.grade_out,
	RECEIVE = leadscore.grade_recv,
	SEND = leadscore.grade_send,
	INTERNALLENGTH = 1,
	PASSEDBYVALUE,
	ALIGNMENT = char,
	STORAGE = plain
);

COMMENT ON TYPE leadscore.grade IS
	'lead grade (fit to the ideal customer profile): A+, A, A-, B+, ..., D-, F; grade + n moves n thirds of a letter';

CREATE FUNCTION leadscore.grade_eq(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_eq' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_ne(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_ne' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_lt(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_lt' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_le(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_le' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_gt(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_gt' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_ge(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_ge' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_cmp(leadscore.grade, leadscore.grade) RETURNS integer
	AS 'MODULE_PATHNAME', 'leadscore_grade_cmp' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_hash(leadscore.grade) RETURNS integer
	AS 'MODULE_PATHNAME', 'leadscore_grade_hash' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_hash_extended(leadscore.grade, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_grade_hash_extended' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_larger(leadscore.grade, leadscore.grade) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_smaller(leadscore.grade, leadscore.grade) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_pl_int4(leadscore.grade, integer) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_pl_int4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.int4_pl_grade(integer, leadscore.grade) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_int4_pl_grade' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_mi_int4(leadscore.grade, integer) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_mi_int4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_mi(leadscore.grade, leadscore.grade) RETURNS integer
	AS 'MODULE_PATHNAME', 'leadscore_grade_mi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- The operators and min/max live in pg_catalog, not in schema leadscore:
-- operator and function lookup follows search_path, and a BI tool writing
-- `WHERE grade >= 'B'` should not have to put leadscore on it.  They take
-- leadscore.grade arguments, so they cannot collide with anything built in,
-- and pg_catalog is searched first, so nobody can shadow them from public.
CREATE OPERATOR pg_catalog.= (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR pg_catalog.< (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR pg_catalog.> (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR pg_catalog.+ (
	LEFTARG = leadscore.grade, RIGHTARG = integer, FUNCTION = leadscore.grade_pl_int4,
	COMMUTATOR = OPERATOR(pg_catalog.+)
);
CREATE OPERATOR pg_catalog.+ (
	LEFTARG = integer, RIGHTARG = leadscore.grade, FUNCTION = leadscore.int4_pl_grade,
	COMMUTATOR = OPERATOR(pg_catalog.+)
);
CREATE OPERATOR pg_catalog.- (
	LEFTARG = leadscore.grade, RIGHTARG = integer, FUNCTION = leadscore.grade_mi_int4
);
CREATE OPERATOR pg_catalog.- (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_mi
);

CREATE OPERATOR CLASS leadscore.grade_ops DEFAULT FOR TYPE leadscore.grade USING btree AS
	OPERATOR 1 pg_catalog.<,
	OPERATOR 2 pg_catalog.<=,
	OPERATOR 3 pg_catalog.=,
	OPERATOR 4 pg_catalog.>=,
	OPERATOR 5 pg_catalog.>,
	FUNCTION 1 leadscore.grade_cmp(leadscore.grade, leadscore.grade);

CREATE OPERATOR CLASS leadscore.grade_hash_ops DEFAULT FOR TYPE leadscore.grade USING hash AS
	OPERATOR 1 pg_catalog.=,
	FUNCTION 1 leadscore.grade_hash(leadscore.grade),
	FUNCTION 2 leadscore.grade_hash_extended(leadscore.grade, bigint);

CREATE AGGREGATE pg_catalog.max(leadscore.grade) (
	SFUNC = leadscore.grade_larger, STYPE = leadscore.grade,
	COMBINEFUNC = leadscore.grade_larger, SORTOP = OPERATOR(pg_catalog.>), PARALLEL = SAFE
);
CREATE AGGREGATE pg_catalog.min(leadscore.grade) (
	SFUNC = leadscore.grade_smaller, STYPE = leadscore.grade,
	COMBINEFUNC = leadscore.grade_smaller, SORTOP = OPERATOR(pg_catalog.<), PARALLEL = SAFE
);

------------------------------------------------------------------------
-- The condition language (rules and grade criteria)
------------------------------------------------------------------------

CREATE FUNCTION leadscore.check_condition(condition text) RETURNS text
	AS 'MODULE_PATHNAME', 'leadscore_check_condition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION leadscore.check_condition(text) IS
	'normalised form of a rule or criterion condition; raises 42601 with the position of a syntax error';

------------------------------------------------------------------------
-- Configuration: models, rules, attached CRM tables.  Small tables written
-- only by the admin functions below (Citus reference tables later), kept by
-- pg_dump (pg_extension_config_dump).
------------------------------------------------------------------------

-- Grade profiles (fit to the ideal customer profile): a base grade moved
-- by the steps of every criterion that matches the lead's attributes.
CREATE TABLE leadscore.grade_profiles (
	id serial PRIMARY KEY,
	name text NOT NULL UNIQUE,
	base leadscore.grade NOT NULL,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE leadscore.grade_criteria (
	id serial PRIMARY KEY,
	profile_id integer NOT NULL REFERENCES leadscore.grade_profiles (id) ON DELETE CASCADE,
	name text NOT NULL,
	condition text NOT NULL,                 -- normalised
	steps integer NOT NULL CHECK (steps BETWEEN -12 AND 12 AND steps <> 0),
	UNIQUE (profile_id, name)
);

CREATE TABLE leadscore.models (
	id serial PRIMARY KEY,
	name text NOT NULL UNIQUE,
	half_life interval,                      -- NULL: no decay
	mql_threshold float8 NOT NULL,
	sql_threshold float8 NOT NULL,
	sql_min_grade leadscore.grade,
	stages text[] NOT NULL,
	stage_min_points float8 NOT NULL,
	proposition text,
	grade_profile text REFERENCES leadscore.grade_profiles (name) ON UPDATE CASCADE,
	max_score float8,
	fit_min_grade leadscore.grade NOT NULL,  -- fit_priority: at least this grade, score below MQL
	active boolean NOT NULL DEFAULT true,    -- false: a shadow model (no events, no NOTIFY)
	account_threshold float8,                -- accounts at or above it are hot; NULL: no account status
	epoch timestamptz NOT NULL,              -- the decay epoch E (docs/design.md §3.1): creation time, moved by tick()'s re-base
	version integer NOT NULL DEFAULT 1,      -- bumped by every rule change
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE leadscore.rules (
	id serial PRIMARY KEY,
	model_id integer NOT NULL REFERENCES leadscore.models (id) ON DELETE CASCADE,
	name text NOT NULL,
	activity_type text NOT NULL,
	points float8 NOT NULL,
	stage text,
	condition text,                          -- normalised; NULL: every row of the type
	max_count integer,                       -- NULL: no cap
	UNIQUE (model_id, name)
);

CREATE TABLE leadscore.attachments (
	tbl regclass PRIMARY KEY,
	kind text NOT NULL CHECK (kind IN ('activities', 'leads', 'outcomes')),
	lead_column name NOT NULL,
	type_column name,
	time_column name,
	account_column name,
	amount_column name,
	attached_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

-- One row: the lead key type of this database, fixed by the first attachment.
CREATE TABLE leadscore.settings (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	lead_key_type regtype,
	account_key_type regtype,                -- fixed by the first account column attached
	-- Who sends NOTIFY leadscore for a handoff to sales: the writer's
	-- trigger (at once), tick() (relayed from leadscore.events; for Citus,
	-- where a NOTIFY inside a shard trigger breaks multi-shard COPY), or
	-- nobody (poll leadscore.events).
	notify text NOT NULL DEFAULT 'trigger' CHECK (notify IN ('trigger', 'tick', 'off'))
);
INSERT INTO leadscore.settings (lead_key_type) VALUES (NULL);

SELECT pg_catalog.pg_extension_config_dump('leadscore.models', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.models_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.rules', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.rules_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.attachments', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.settings', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.grade_profiles', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.grade_profiles_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.grade_criteria', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.grade_criteria_id_seq', '');

------------------------------------------------------------------------
-- State: one row per (model, lead), written by the triggers in the same
-- transaction as the activity rows.  Derived from the history (rescore()
-- rebuilds it), so not dumped.  lead_id is retyped by the first attachment.
------------------------------------------------------------------------

CREATE TABLE leadscore.lead_state (
	model_id integer NOT NULL,
	lead_id bigint NOT NULL,
	stored float8 NOT NULL,                  -- epoch-relative sum: ORDER BY stored = ORDER BY score
	stage_stored float8[] NOT NULL,          -- the same per stage of the model
	activity_count bigint NOT NULL,
	last_activity_at timestamptz,
	caps bigint[],                           -- cap windows of capped rules (src/pg/state/state_codec.cpp)
	-- The grade from the attached lead table (models with a grade profile).
	grade leadscore.grade,
	-- The lifecycle as last reported in leadscore.events
	-- (src/core/lead/lead_lifecycle.hpp): status and stage then, when the lead
	-- last reached MQL / SQL, when it was last checked, and when decay
	-- alone next changes its status or stage (tick() visits due leads).
	status text NOT NULL DEFAULT 'nurture',
	stage text,
	mql_at timestamptz,
	sql_at timestamptz,
	checked_at timestamptz,
	due_at timestamptz,
	PRIMARY KEY (model_id, lead_id)
);
CREATE INDEX lead_state_model_stored ON leadscore.lead_state (model_id, stored);
-- tick(): the leads whose status or stage decay changes by now.
CREATE INDEX lead_state_due ON leadscore.lead_state (due_at) WHERE due_at IS NOT NULL;
-- stale_leads(): leads that reached MQL once and have cooled down since.
CREATE INDEX lead_state_cooled ON leadscore.lead_state (model_id, last_activity_at)
	WHERE status = 'nurture' AND mql_at IS NOT NULL;

-- Every status, stage and grade transition of a lead in a model.  Written
-- in the transaction that caused it (an activity or lead row, tick() for
-- decay, rescore()); lead_id is retyped with lead_state's.
CREATE TABLE leadscore.events (
	id bigserial PRIMARY KEY,
	model text NOT NULL,
	lead_id bigint NOT NULL,
	kind text NOT NULL CHECK (kind IN ('status', 'stage', 'grade')),
	from_value text,                         -- NULL: no stage / no grade
	to_value text,
	score float8 NOT NULL,                   -- at `at`
	grade leadscore.grade,
	at timestamptz NOT NULL,
	cause text NOT NULL CHECK (cause IN ('activity', 'lead', 'decay', 'rescore')),
	-- Handoffs to sales (status -> sql): when NOTIFY leadscore was sent;
	-- NULL while tick() has yet to relay it (settings.notify = 'tick').
	notified_at timestamptz
);
CREATE INDEX events_lead ON leadscore.events (model, lead_id, at);
CREATE INDEX events_at ON leadscore.events (at);
CREATE INDEX events_unsent ON leadscore.events (id)
	WHERE notified_at IS NULL AND kind = 'status' AND to_value = 'sql';

-- The last tick(): a tick with an earlier `now` does nothing.
CREATE TABLE leadscore.tick_state (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	last_tick_at timestamptz
);
INSERT INTO leadscore.tick_state (last_tick_at) VALUES (NULL);

-- Accounts (src/core/lead/account_score.hpp).  Which account a lead belongs to:
-- from the attached lead table's account column (source 'leads'), else the
-- first account an activity row of the lead named (source 'activities':
-- it sticks, as the triggers saw it first).  account_id is retyped by the
-- first account column attached; lead_id with lead_state's.
CREATE TABLE leadscore.lead_accounts (
	lead_id bigint PRIMARY KEY,
	account_id text NOT NULL,
	source text NOT NULL DEFAULT 'activities' CHECK (source IN ('leads', 'activities'))
);
CREATE INDEX lead_accounts_account ON leadscore.lead_accounts (account_id, lead_id);

-- Per (model, account): sqrt(R) * sum(sqrt(lead stored)), an epoch-relative
-- sum with twice the model's half-life (ORDER BY stored = ORDER BY score),
-- the same per stage, the leads with matching activity, and the status as
-- last reported.
CREATE TABLE leadscore.account_state (
	model_id integer NOT NULL,
	account_id text NOT NULL,
	stored float8 NOT NULL,
	stage_stored float8[] NOT NULL,
	members bigint NOT NULL,
	status text NOT NULL DEFAULT 'cold',
	hot_at timestamptz,
	checked_at timestamptz,
	PRIMARY KEY (model_id, account_id)
);
CREATE INDEX account_state_model_stored ON leadscore.account_state (model_id, stored);
-- tick(): hot accounts whose score decayed below the threshold.
CREATE INDEX account_state_hot ON leadscore.account_state (model_id, stored) WHERE status = 'hot';

CREATE TABLE leadscore.account_events (
	id bigserial PRIMARY KEY,
	model text NOT NULL,
	account_id text NOT NULL,
	from_value text NOT NULL,
	to_value text NOT NULL,
	score float8 NOT NULL,
	engaged_leads bigint NOT NULL,
	at timestamptz NOT NULL,
	cause text NOT NULL CHECK (cause IN ('activity', 'lead', 'decay', 'rescore')),
	notified_at timestamptz
);
CREATE INDEX account_events_account ON leadscore.account_events (model, account_id, at);

-- Rows the triggers could not score (NULL lead, type or time) and rows of
-- types no rule names, per attached table; appended per statement only when
-- there is something to count, summed by the view leadscore.stats.
CREATE TABLE leadscore.ingest_log (
	tbl regclass NOT NULL,
	at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	rows_skipped bigint NOT NULL,
	unknown_types bigint NOT NULL
);

------------------------------------------------------------------------
-- Internal C helpers (not part of the public surface).
------------------------------------------------------------------------

CREATE FUNCTION leadscore._check_model(name text, half_life interval, mql_threshold float8, sql_threshold float8,
		stages text[], stage_min_points float8, max_score float8) RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_check_model' LANGUAGE C;
CREATE FUNCTION leadscore._check_rule(model text, stages text[], rule_names text[], name text, activity_type text,
		points float8, stage text, condition text, max_count integer) RETURNS text
	AS 'MODULE_PATHNAME', 'leadscore_check_rule' LANGUAGE C;
CREATE FUNCTION leadscore._check_tables() RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_check_tables' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION leadscore._invalidate() RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_invalidate' LANGUAGE C;
CREATE FUNCTION leadscore.float8_array_add(float8[], float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'leadscore_float8_array_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- SECURITY DEFINER: whoever may write a CRM table gets its rows scored
-- without any right on leadscore's own tables.
CREATE FUNCTION leadscore.activity_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_activity_trigger' LANGUAGE C
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

------------------------------------------------------------------------
-- Models and rules
------------------------------------------------------------------------

------------------------------------------------------------------------
-- Grade profiles
------------------------------------------------------------------------

CREATE FUNCTION leadscore._check_criterion(profile text, criterion_names text[], name text, condition text,
		steps integer) RETURNS text
	AS 'MODULE_PATHNAME', 'leadscore_check_criterion' LANGUAGE C;
CREATE FUNCTION leadscore._check_lead_tables() RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_check_lead_tables' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION leadscore._profile_id(profile text) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	found integer;
BEGIN
	SELECT p.id INTO found FROM leadscore.grade_profiles p WHERE p.name = profile;
	IF found IS NULL THEN
		RAISE EXCEPTION 'grade profile "%" does not exist', profile USING ERRCODE = '42704',
			HINT = 'leadscore.grade_profiles lists them; leadscore.create_grade_profile() makes one.';
	END IF;
	RETURN found;
END $$;

CREATE FUNCTION leadscore.create_grade_profile(name text, base leadscore.grade DEFAULT 'C') RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id integer;
BEGIN
	IF name IS NULL OR btrim(name) = '' THEN
		RAISE EXCEPTION 'grade profile name must not be empty' USING ERRCODE = '22023';
	END IF;
	IF base IS NULL THEN
		RAISE EXCEPTION 'base grade must not be NULL' USING ERRCODE = '22023';
	END IF;
	IF EXISTS (SELECT 1 FROM leadscore.grade_profiles p WHERE p.name = create_grade_profile.name) THEN
		RAISE EXCEPTION 'grade profile "%" already exists', name USING ERRCODE = '42710';
	END IF;
	INSERT INTO leadscore.grade_profiles (name, base) VALUES (name, base) RETURNING id INTO new_id;
	PERFORM leadscore._invalidate();
	RETURN new_id;
END $$;

-- Criterion changes grade new and changed lead rows at once; the leads
-- already graded keep their grade until rescore().
CREATE FUNCTION leadscore._criteria_change_notice(profile text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM leadscore.attachments WHERE kind = 'leads') THEN
		RAISE NOTICE 'criteria of grade profile "%" changed: new and changed lead rows use them now', profile
			USING HINT = 'Run SELECT leadscore.rescore() to regrade every lead.';
	END IF;
END $$;

CREATE FUNCTION leadscore.add_criterion(profile text, condition text, steps integer, name text DEFAULT NULL)
	RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	pid integer := leadscore._profile_id(profile);
	names text[];
	criterion_name text := name;
	normalized text;
	new_id integer;
BEGIN
	-- One criterion change at a time per profile: names stay unique.
	PERFORM 1 FROM leadscore.grade_profiles p WHERE p.id = pid FOR UPDATE;
	SELECT coalesce(array_agg(c.name), '{}') INTO names FROM leadscore.grade_criteria c WHERE c.profile_id = pid;
	IF criterion_name IS NULL THEN
		-- criterion_<n>: of n names, one of n + 1 candidates is free.
		SELECT 'criterion_' || min(n) INTO criterion_name
		FROM generate_series(cardinality(names) + 1, 2 * cardinality(names) + 1) n
		WHERE NOT ('criterion_' || n) = ANY (names);
	END IF;
	normalized := leadscore._check_criterion(profile, names, criterion_name, condition, steps);
	INSERT INTO leadscore.grade_criteria (profile_id, name, condition, steps)
	VALUES (pid, criterion_name, normalized, steps)
	RETURNING id INTO new_id;
	PERFORM leadscore._check_lead_tables();
	PERFORM leadscore._invalidate();
	PERFORM leadscore._criteria_change_notice(profile);
	RETURN new_id;
END $$;

CREATE FUNCTION leadscore.remove_criterion(id integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	profile text;
BEGIN
	DELETE FROM leadscore.grade_criteria c WHERE c.id = remove_criterion.id
	RETURNING (SELECT p.name FROM leadscore.grade_profiles p WHERE p.id = c.profile_id) INTO profile;
	IF profile IS NULL THEN
		RAISE EXCEPTION 'criterion % does not exist', id USING ERRCODE = '42704';
	END IF;
	PERFORM leadscore._invalidate();
	PERFORM leadscore._criteria_change_notice(profile);
END $$;

CREATE FUNCTION leadscore.drop_grade_profile(name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	pid integer := leadscore._profile_id(name);
	users text;
BEGIN
	SELECT string_agg(format('"%s"', m.name), ', ' ORDER BY m.name) INTO users
	FROM leadscore.models m WHERE m.grade_profile = drop_grade_profile.name;
	IF users IS NOT NULL THEN
		RAISE EXCEPTION 'grade profile "%" is used by model %', name, users USING ERRCODE = '2BP01',
			HINT = 'Drop those models first.';
	END IF;
	DELETE FROM leadscore.grade_profiles WHERE id = pid;
	PERFORM leadscore._invalidate();
END $$;

-- Ad-hoc grading of any attributes: leadscore.grade('crm_icp', to_jsonb(c)).
CREATE FUNCTION leadscore.grade(profile text, attrs jsonb) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.grade(text, jsonb) IS
	'the grade a lead with these attributes (jsonb keys = column names) gets from a grade profile';

CREATE FUNCTION leadscore.explain_grade(profile text, attrs jsonb)
	RETURNS TABLE (criterion text, condition text, steps integer, matched boolean)
	AS 'MODULE_PATHNAME', 'leadscore_explain_grade' LANGUAGE C STABLE STRICT
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.explain_grade(text, jsonb) IS
	'every criterion of a grade profile and whether it matches these attributes';

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
	account_threshold float8 DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id integer;
BEGIN
	IF name IS NULL OR btrim(name) = '' THEN
		RAISE EXCEPTION 'model name must not be empty' USING ERRCODE = '22023';
	END IF;
	IF EXISTS (SELECT 1 FROM leadscore.models m WHERE m.name = create_model.name) THEN
		RAISE EXCEPTION 'model "%" already exists', name USING ERRCODE = '42710';
	END IF;
	PERFORM leadscore._check_model(name, half_life, mql_threshold, sql_threshold, coalesce(stages, '{}'),
		stage_min_points, max_score);
	IF grade_profile IS NOT NULL THEN
		PERFORM leadscore._profile_id(grade_profile);
	END IF;
	IF fit_min_grade IS NULL THEN
		RAISE EXCEPTION 'fit_min_grade must not be NULL' USING ERRCODE = '22023';
	END IF;
	IF account_threshold IS NOT NULL AND NOT (account_threshold > 0 AND account_threshold < 'Infinity') THEN
		RAISE EXCEPTION 'account_threshold must be a positive number, not %', account_threshold USING ERRCODE = '22023',
			HINT = 'Use NULL for a model whose accounts have no status.';
	END IF;
	INSERT INTO leadscore.models (name, half_life, mql_threshold, sql_threshold, sql_min_grade, stages,
		stage_min_points, proposition, grade_profile, max_score, fit_min_grade, active, account_threshold, epoch)
	VALUES (name, half_life, mql_threshold, sql_threshold, sql_min_grade, coalesce(stages, '{}'),
		stage_min_points, proposition, grade_profile, max_score, fit_min_grade, coalesce(active, true),
		account_threshold, date_trunc('second', now()))
	RETURNING id INTO new_id;
	PERFORM leadscore._invalidate();
	RETURN new_id;
END $$;

CREATE FUNCTION leadscore._model_id(model text) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	found integer;
BEGIN
	SELECT m.id INTO found FROM leadscore.models m WHERE m.name = model;
	IF found IS NULL THEN
		RAISE EXCEPTION 'model "%" does not exist', model USING ERRCODE = '42704',
			HINT = 'leadscore.models lists the models; leadscore.create_model() makes one.';
	END IF;
	RETURN found;
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

CREATE FUNCTION leadscore.add_rule(
	model text,
	activity_type text,
	points float8,
	stage text DEFAULT NULL,
	condition text DEFAULT NULL,
	max_count integer DEFAULT NULL,
	name text DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
	model_stages text[];
	names text[];
	rule_name text := name;
	normalized text;
	new_id integer;
BEGIN
	-- One rule change at a time per model: names and versions stay unique.
	SELECT m.stages INTO model_stages FROM leadscore.models m WHERE m.id = mid FOR UPDATE;
	SELECT coalesce(array_agg(r.name), '{}') INTO names FROM leadscore.rules r WHERE r.model_id = mid;
	IF rule_name IS NULL THEN
		rule_name := activity_type;
		WHILE rule_name = ANY (names) LOOP
			rule_name := activity_type || '_' || (SELECT count(*) + 1 FROM unnest(names) n
				WHERE n = activity_type OR n LIKE activity_type || '\_%');
		END LOOP;
	END IF;
	normalized := leadscore._check_rule(model, model_stages, names, rule_name, activity_type, points, stage,
		condition, max_count);
	INSERT INTO leadscore.rules (model_id, name, activity_type, points, stage, condition, max_count)
	VALUES (mid, rule_name, activity_type, points, stage, normalized, max_count)
	RETURNING id INTO new_id;
	UPDATE leadscore.models SET version = version + 1 WHERE id = mid;
	PERFORM leadscore._check_tables();
	PERFORM leadscore._invalidate();
	PERFORM leadscore._rule_change_notice(model);
	RETURN new_id;
END $$;

CREATE FUNCTION leadscore.remove_rule(id integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer;
BEGIN
	DELETE FROM leadscore.rules r WHERE r.id = remove_rule.id RETURNING r.model_id INTO mid;
	IF mid IS NULL THEN
		RAISE EXCEPTION 'rule % does not exist', id USING ERRCODE = '42704';
	END IF;
	UPDATE leadscore.models SET version = version + 1 WHERE models.id = mid;
	PERFORM leadscore._invalidate();
	PERFORM leadscore._rule_change_notice((SELECT m.name FROM leadscore.models m WHERE m.id = mid));
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
		RAISE EXCEPTION 'active must be true or false' USING ERRCODE = '22023';
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

------------------------------------------------------------------------
-- Wiring the CRM
------------------------------------------------------------------------

CREATE FUNCTION leadscore._column_type(tbl regclass, col name) RETURNS regtype
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	found regtype;
BEGIN
	IF col IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT a.atttypid::regtype INTO found FROM pg_attribute a
	WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
	IF found IS NULL THEN
		RAISE EXCEPTION 'column "%" of table % does not exist', col, tbl USING ERRCODE = '42703';
	END IF;
	RETURN found;
END $$;

-- Fixes the database's lead or account key type on first use (the state
-- tables and views take it); later attachments must use the same one.
CREATE FUNCTION leadscore._fix_key_type(kind text, tbl regclass, col name, key_type regtype) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	current regtype;
	wanted regtype := CASE WHEN key_type = 'character varying'::regtype THEN 'text'::regtype ELSE key_type END;
	columns text[] := CASE kind
		WHEN 'lead' THEN '{lead_state.lead_id,events.lead_id,lead_accounts.lead_id}'::text[]
		ELSE '{lead_accounts.account_id,account_state.account_id,account_events.account_id}'::text[] END;
	c text;
BEGIN
	IF wanted NOT IN ('bigint'::regtype, 'integer'::regtype, 'uuid'::regtype, 'text'::regtype) THEN
		RAISE EXCEPTION '% column "%" of table % has type %', kind, col, tbl, key_type USING ERRCODE = '42804',
			HINT = format('%s keys may be bigint, integer, uuid or text.', initcap(kind));
	END IF;
	EXECUTE format('SELECT s.%I FROM leadscore.settings s FOR UPDATE', kind || '_key_type') INTO current;
	IF current IS NULL THEN
		EXECUTE format('UPDATE leadscore.settings SET %I = $1', kind || '_key_type') USING wanted;
		PERFORM leadscore._drop_views();
		-- Rows are already there only when pg_restore loaded them before
		-- the key type was fixed again (as text): they convert.
		FOREACH c IN ARRAY columns LOOP
			EXECUTE format('ALTER TABLE leadscore.%I ALTER COLUMN %I TYPE %s USING %I::text::%s',
				split_part(c, '.', 1), split_part(c, '.', 2), wanted, split_part(c, '.', 2), wanted);
		END LOOP;
		PERFORM leadscore._create_views(true);
	ELSIF current <> wanted THEN
		RAISE EXCEPTION '% column "%" of table % has type %, but this database''s % keys are %',
			kind, col, tbl, key_type, kind, current USING ERRCODE = '42804',
			DETAIL = format('The first attached %s column fixed the %s key type; state tables and views use it.',
				kind, kind);
	END IF;
END $$;

CREATE FUNCTION leadscore._use_key_type(tbl regclass, col name, key_type regtype) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT leadscore._fix_key_type('lead', tbl, col, key_type) $$;

CREATE FUNCTION leadscore._use_account_key_type(tbl regclass, col name) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT leadscore._fix_key_type('account', tbl, col, leadscore._column_type(tbl, col)) WHERE col IS NOT NULL $$;

CREATE FUNCTION leadscore.attach_activities(
	tbl regclass,
	lead_column name,
	type_column name,
	time_column name,
	account_column name DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	type_type regtype := leadscore._column_type(tbl, type_column);
	time_type regtype := leadscore._column_type(tbl, time_column);
	scored bigint;
BEGIN
	IF EXISTS (SELECT 1 FROM leadscore.attachments a WHERE a.tbl = attach_activities.tbl) THEN
		RAISE EXCEPTION 'table % is already attached', tbl USING ERRCODE = '42710',
			HINT = 'leadscore.detach() it first.';
	END IF;
	IF (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '% is not a table', tbl USING ERRCODE = '42809';
	END IF;
	IF time_type NOT IN ('timestamp with time zone'::regtype, 'timestamp without time zone'::regtype, 'date'::regtype) THEN
		RAISE EXCEPTION 'time column "%" of table % has type %', time_column, tbl, time_type
			USING ERRCODE = '42804', HINT = 'Use a timestamptz, timestamp or date column.';
	END IF;
	IF type_type NOT IN ('text'::regtype, 'character varying'::regtype, 'character'::regtype, 'name'::regtype)
		AND (SELECT t.typtype FROM pg_type t WHERE t.oid = type_type) <> 'e' THEN
		RAISE EXCEPTION 'activity type column "%" of table % has type %', type_column, tbl, type_type
			USING ERRCODE = '42804', HINT = 'Use a text, varchar or enum column.';
	END IF;
	PERFORM leadscore._use_key_type(tbl, lead_column, leadscore._column_type(tbl, lead_column));
	PERFORM leadscore._use_account_key_type(tbl, account_column);
	INSERT INTO leadscore.attachments (tbl, kind, lead_column, type_column, time_column, account_column)
	VALUES (tbl, 'activities', lead_column, type_column, time_column, account_column);
	PERFORM leadscore._invalidate();
	PERFORM leadscore._check_tables();
	-- Statement-level triggers with transition tables (docs/design.md §2.2); PG 15
	-- allows one event per trigger when transition tables are used.
	EXECUTE format('CREATE TRIGGER leadscore_activity_insert AFTER INSERT ON %s'
		' REFERENCING NEW TABLE AS leadscore_new FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_activity_update AFTER UPDATE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old NEW TABLE AS leadscore_new'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_activity_delete AFTER DELETE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_activity_truncate AFTER TRUNCATE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.truncate_trigger()', tbl);
	-- Loads the library before the statement ends (src/pg/ingest/deferred_reloads.hpp).
	EXECUTE format('CREATE TRIGGER leadscore_activity_load BEFORE INSERT OR UPDATE OR DELETE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.load_trigger()', tbl);
	-- The history already in the table is scored now.
	scored := leadscore.rescore();
	RETURN scored;
END $$;

CREATE FUNCTION leadscore.attach_leads(
	tbl regclass,
	lead_column name,
	account_column name DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	graded bigint;
BEGIN
	IF EXISTS (SELECT 1 FROM leadscore.attachments a WHERE a.tbl = attach_leads.tbl) THEN
		RAISE EXCEPTION 'table % is already attached', tbl USING ERRCODE = '42710',
			HINT = 'leadscore.detach() it first.';
	END IF;
	IF (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '% is not a table', tbl USING ERRCODE = '42809';
	END IF;
	PERFORM leadscore._use_key_type(tbl, lead_column, leadscore._column_type(tbl, lead_column));
	PERFORM leadscore._use_account_key_type(tbl, account_column);
	INSERT INTO leadscore.attachments (tbl, kind, lead_column, account_column)
	VALUES (tbl, 'leads', lead_column, account_column);
	PERFORM leadscore._invalidate();
	PERFORM leadscore._check_lead_tables();
	EXECUTE format('CREATE TRIGGER leadscore_lead_insert AFTER INSERT ON %s'
		' REFERENCING NEW TABLE AS leadscore_new FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_lead_update AFTER UPDATE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old NEW TABLE AS leadscore_new'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_lead_delete AFTER DELETE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_lead_truncate AFTER TRUNCATE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.truncate_trigger()', tbl);
	-- The leads already in the table are graded now.
	PERFORM leadscore.rescore();
	EXECUTE format('SELECT count(*) FROM %s WHERE %I IS NOT NULL', tbl, lead_column) INTO graded;
	RETURN graded;
END $$;

CREATE FUNCTION leadscore.detach(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	kind text;
BEGIN
	DELETE FROM leadscore.attachments a WHERE a.tbl = detach.tbl RETURNING a.kind INTO kind;
	IF kind IS NULL THEN
		RAISE EXCEPTION 'table % is not attached', tbl USING ERRCODE = '42704';
	END IF;
	-- Outcomes are read at query time: no triggers, no state.
	IF kind = 'outcomes' THEN
		RETURN;
	END IF;
	IF kind = 'activities' THEN
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_insert ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_update ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_delete ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_truncate ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_load ON %s', tbl);
	ELSIF kind = 'leads' THEN
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_lead_insert ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_lead_update ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_lead_delete ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_lead_truncate ON %s', tbl);
	END IF;
	PERFORM leadscore._invalidate();
	-- What remains is the history of the other attached tables.
	PERFORM leadscore.rescore();
	DELETE FROM leadscore.ingest_log l WHERE l.tbl = detach.tbl;
END $$;

------------------------------------------------------------------------
-- Integrity
------------------------------------------------------------------------

-- Which account each lead belongs to: the lead tables' account columns
-- from scratch; then, for leads they leave out and that have none yet, the
-- account of the lead's earliest activity row that names one.  Accounts
-- taken from activity rows stick (the triggers keep the first one seen; a
-- rebuild cannot know the order rows arrived in).
CREATE FUNCTION leadscore._rebuild_lead_accounts() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	a record;
BEGIN
	DELETE FROM leadscore.lead_accounts WHERE source = 'leads';
	FOR a IN SELECT * FROM leadscore.attachments WHERE account_column IS NOT NULL
		ORDER BY kind = 'activities', tbl::oid LOOP
		IF a.kind = 'leads' THEN
			-- Keys over 1 kB are bad data (src/pg/boundary/lead_key.hpp).
			EXECUTE format('INSERT INTO leadscore.lead_accounts (lead_id, account_id, source)'
				' SELECT t.%I, t.%I, ''leads'' FROM %s t WHERE octet_length(t.%I::text) <= 1024'
				' AND octet_length(t.%I::text) <= 1024'
				' ON CONFLICT (lead_id) DO UPDATE SET account_id = excluded.account_id, source = ''leads''',
				a.lead_column, a.account_column, a.tbl, a.lead_column, a.account_column);
		ELSE
			EXECUTE format('INSERT INTO leadscore.lead_accounts (lead_id, account_id)'
				' SELECT DISTINCT ON (t.%I) t.%I, t.%I FROM %s t WHERE octet_length(t.%I::text) <= 1024'
				' AND octet_length(t.%I::text) <= 1024'
				' ORDER BY t.%I, t.%I ON CONFLICT DO NOTHING',
				a.lead_column, a.lead_column, a.account_column, a.tbl, a.lead_column, a.account_column,
				a.lead_column, a.time_column);
		END IF;
	END LOOP;
END $$;

CREATE FUNCTION leadscore.rescore(model text DEFAULT NULL) RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_rescore' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.rescore(text) IS
	'rebuilds lead state of one model (all when NULL) from the attached history; blocks writers of attached tables until commit';

CREATE FUNCTION leadscore.verify(model text DEFAULT NULL)
	RETURNS TABLE (model text, lead_id text, difference text)
	AS 'MODULE_PATHNAME', 'leadscore_verify' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.verify(text) IS
	'recomputes lead state from the attached history and returns every difference; no rows means consistent';

-- SECURITY DEFINER: whoever may write a CRM lead table gets its rows
-- graded without any right on leadscore's own tables.
CREATE FUNCTION leadscore.lead_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_lead_trigger' LANGUAGE C
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION leadscore.load_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_load_trigger' LANGUAGE C;

-- TRUNCATE has no transition table: rebuild from what is left.
CREATE FUNCTION leadscore.truncate_trigger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM leadscore.rescore();
	RETURN NULL;
END $$;

------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------

-- 2^((t - E)/h): the stored sum that equals one point at time t.  1 for a
-- model without decay.  Scores now = stored / weight; thresholds compare as
-- stored >= threshold * weight, the comparison the (model_id, stored) index
-- answers.
CREATE FUNCTION leadscore.stored_weight(half_life interval, epoch timestamptz, at timestamptz DEFAULT now())
	RETURNS float8 LANGUAGE sql STABLE PARALLEL SAFE
	-- A standard SQL body is bound when created (no search_path at call
	-- time) and can be inlined into the view.
	RETURN CASE WHEN half_life IS NULL THEN 1::float8
		ELSE pg_catalog.power(2::float8, LEAST(960::float8,
			extract(epoch FROM at - epoch)::float8 / extract(epoch FROM half_life)::float8)) END;

CREATE FUNCTION leadscore.stage_of(stage_stored float8[], stages text[], weight float8, min_points float8)
	RETURNS text AS 'MODULE_PATHNAME', 'leadscore_stage_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- lead_scores is (re)created when the first attachment fixes the lead key
-- type, so lead_id has the CRM's own type.
-- as_member: add them to the extension (when called after CREATE EXTENSION),
-- so DROP EXTENSION still removes everything.
CREATE FUNCTION leadscore._create_views(as_member boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
	CREATE VIEW leadscore.lead_scores AS
	SELECT m.name AS model,
		s.lead_id,
		la.account_id,
		LEAST(s.stored / w.weight, coalesce(m.max_score, 'Infinity'::float8)) AS score,
		leadscore.stage_of(s.stage_stored, m.stages, w.weight, m.stage_min_points) AS stage,
		s.grade,
		-- Computed at read time: exact now, whenever tick() last ran.
		CASE WHEN s.stored >= m.sql_threshold * w.weight
				AND (m.grade_profile IS NULL OR m.sql_min_grade IS NULL OR s.grade >= m.sql_min_grade) THEN 'sql'
			WHEN s.stored >= m.mql_threshold * w.weight THEN 'mql'
			ELSE 'nurture' END AS status,
		coalesce(s.grade >= m.fit_min_grade, false) AND s.stored < m.mql_threshold * w.weight AS fit_priority,
		s.activity_count,
		s.last_activity_at,
		s.mql_at,
		s.sql_at,
		m.id AS model_id,
		s.stored AS score_key
	FROM leadscore.lead_state s
	JOIN leadscore.models m ON m.id = s.model_id
	LEFT JOIN leadscore.lead_accounts la ON la.lead_id = s.lead_id
	CROSS JOIN LATERAL (SELECT leadscore.stored_weight(m.half_life, m.epoch) AS weight) w;
	COMMENT ON VIEW leadscore.lead_scores IS
		'every lead''s current score, stage and status per model; ORDER BY score_key within one model_id follows the (model_id, stored) index';
	GRANT SELECT ON leadscore.lead_scores TO PUBLIC;
	-- The hottest leads of a model from the (model_id, stored) index: the
	-- planner cannot know that ORDER BY score follows the stored sum.
	-- jit off: a generic plan of the view looks costly enough to JIT, which
	-- would take a hundred times longer than the 50-row index scan.
	CREATE FUNCTION leadscore.top_leads(model text, n integer DEFAULT 50)
		RETURNS SETOF leadscore.lead_scores
	LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
		SELECT ls.* FROM leadscore.lead_scores ls
		WHERE ls.model_id = leadscore._model_id(top_leads.model)
		ORDER BY ls.score_key DESC
		LIMIT top_leads.n
	$$;
	-- Reactivation candidates: leads that reached MQL once, cooled down
	-- below it and have done nothing for `idle`, from a partial index of
	-- exactly such leads (as last reported: tick() keeps that current).
	CREATE FUNCTION leadscore.stale_leads(model text, idle interval DEFAULT '60 days')
		RETURNS SETOF leadscore.lead_scores
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
	DECLARE
		mid integer := leadscore._model_id(model);
	BEGIN
		IF idle IS NULL OR idle < interval '0' THEN
			RAISE EXCEPTION 'idle must be a positive interval, not %', coalesce(idle::text, 'NULL')
				USING ERRCODE = '22023';
		END IF;
		RETURN QUERY
		SELECT ls.* FROM leadscore.lead_state s
		JOIN leadscore.lead_scores ls ON ls.model_id = s.model_id AND ls.lead_id = s.lead_id
		WHERE s.model_id = mid AND s.status = 'nurture' AND s.mql_at IS NOT NULL
			AND s.last_activity_at < now() - idle AND ls.status = 'nurture'
		ORDER BY s.last_activity_at, s.lead_id;
	END $$;
	-- Accounts decay with twice the half-life (src/core/lead/account_score.hpp).
	CREATE VIEW leadscore.account_scores AS
	SELECT m.name AS model,
		a.account_id,
		a.stored / w.weight AS score,
		a.members AS engaged_leads,
		leadscore.stage_of(a.stage_stored, m.stages, w.weight, m.stage_min_points) AS stage,
		CASE WHEN a.stored >= m.account_threshold * w.weight THEN 'hot' ELSE 'cold' END AS status,
		a.hot_at,
		m.id AS model_id,
		a.stored AS score_key
	FROM leadscore.account_state a
	JOIN leadscore.models m ON m.id = a.model_id
	CROSS JOIN LATERAL (SELECT leadscore.stored_weight(m.half_life * 2, m.epoch) AS weight) w;
	COMMENT ON VIEW leadscore.account_scores IS
		'every account''s current score per model: the sum over its leads of sqrt(mql_threshold * lead score); ORDER BY score_key within one model_id follows the (model_id, stored) index';
	GRANT SELECT ON leadscore.account_scores TO PUBLIC;
	CREATE FUNCTION leadscore.top_accounts(model text, n integer DEFAULT 50)
		RETURNS SETOF leadscore.account_scores
	LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
		SELECT a.* FROM leadscore.account_scores a
		WHERE a.model_id = leadscore._model_id(top_accounts.model)
		ORDER BY a.score_key DESC
		LIMIT top_accounts.n
	$$;
	IF as_member THEN
		ALTER EXTENSION leadscore ADD VIEW leadscore.lead_scores;
		ALTER EXTENSION leadscore ADD FUNCTION leadscore.top_leads(text, integer);
		ALTER EXTENSION leadscore ADD FUNCTION leadscore.stale_leads(text, interval);
		ALTER EXTENSION leadscore ADD VIEW leadscore.account_scores;
		ALTER EXTENSION leadscore ADD FUNCTION leadscore.top_accounts(text, integer);
	END IF;
END $f$;
SELECT leadscore._create_views(false);

-- Before a key type is fixed: the views and the functions that return their
-- rows go, and _create_views() makes them again with the new types.
CREATE FUNCTION leadscore._drop_views() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	ALTER EXTENSION leadscore DROP FUNCTION leadscore.top_leads(text, integer);
	ALTER EXTENSION leadscore DROP FUNCTION leadscore.stale_leads(text, interval);
	ALTER EXTENSION leadscore DROP FUNCTION leadscore.top_accounts(text, integer);
	ALTER EXTENSION leadscore DROP VIEW leadscore.lead_scores;
	ALTER EXTENSION leadscore DROP VIEW leadscore.account_scores;
	DROP FUNCTION leadscore.top_leads(text, integer);
	DROP FUNCTION leadscore.stale_leads(text, interval);
	DROP FUNCTION leadscore.top_accounts(text, integer);
	DROP VIEW leadscore.lead_scores;
	DROP VIEW leadscore.account_scores;
END $$;

-- Readers (BI tools) see the views; only admin functions change anything.
GRANT USAGE ON SCHEMA leadscore TO PUBLIC;
GRANT SELECT ON leadscore.models, leadscore.rules TO PUBLIC;

CREATE VIEW leadscore.stats AS
SELECT a.tbl AS source, NULL::text AS model, NULL::bigint AS rows_scored,
	coalesce(sum(l.rows_skipped), 0)::bigint AS rows_skipped,
	coalesce(sum(l.unknown_types), 0)::bigint AS unknown_types
FROM leadscore.attachments a
LEFT JOIN leadscore.ingest_log l ON l.tbl = a.tbl
WHERE a.kind IN ('activities', 'leads')
GROUP BY a.tbl
UNION ALL
SELECT NULL, m.name, coalesce(sum(s.activity_count), 0)::bigint, NULL, NULL
FROM leadscore.models m
LEFT JOIN leadscore.lead_state s ON s.model_id = m.id
GROUP BY m.name;

CREATE FUNCTION leadscore.explain(model text, lead_id anyelement)
	RETURNS TABLE (rule text, activity_type text, points float8, stage text, activities bigint,
		counted bigint, raw_points float8, points_now float8, share float8)
	AS 'MODULE_PATHNAME', 'leadscore_explain' LANGUAGE C
	SET search_path = pg_catalog, pg_temp STRICT;
COMMENT ON FUNCTION leadscore.explain(text, anyelement) IS
	'per rule of the model: the lead''s matching activities, those that count (caps), raw points, points now after decay, share of the score';
GRANT SELECT ON leadscore.stats TO PUBLIC;

------------------------------------------------------------------------
-- Lifecycle: events, handoff notifications, tick()
------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('leadscore.events', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.events_id_seq', '');
GRANT SELECT ON leadscore.events TO PUBLIC;

-- The JSON payload of NOTIFY leadscore for one event.
CREATE FUNCTION leadscore.event_payload(e leadscore.events) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT json_build_object('event_id', e.id, 'model', e.model, 'lead_id', e.lead_id, 'kind', e.kind,
		'from', e.from_value, 'to', e.to_value, 'score', e.score, 'grade', e.grade, 'at', e.at,
		'cause', e.cause)::text
$$;

CREATE FUNCTION leadscore.set_notify(mode text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF mode IS NULL OR mode NOT IN ('trigger', 'tick', 'off') THEN
		RAISE EXCEPTION 'notify mode must be ''trigger'', ''tick'' or ''off'', not %', coalesce(quote_literal(mode), 'NULL')
			USING ERRCODE = '22023',
			HINT = 'trigger: NOTIFY from the writer''s transaction; tick: relayed by tick(); off: poll leadscore.events.';
	END IF;
	UPDATE leadscore.settings SET notify = mode;
END $$;

CREATE FUNCTION leadscore.tick(now timestamptz DEFAULT now()) RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_tick' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.tick(timestamptz) IS
	'reports the status and stage changes decay caused by now, relays handoff notifications, re-bases decay epochs; returns the transitions reported';

------------------------------------------------------------------------
-- Lead DNA: one lead across every model
------------------------------------------------------------------------

-- The lead's row in the attached lead tables, as jsonb (NULL: none).
CREATE FUNCTION leadscore._lead_attributes(lead_id anyelement) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	a record;
	found jsonb;
BEGIN
	FOR a IN SELECT * FROM leadscore.attachments WHERE kind = 'leads' ORDER BY tbl::oid LOOP
		EXECUTE format('SELECT pg_catalog.to_jsonb(t) FROM %s t WHERE t.%I = $1 LIMIT 1', a.tbl, a.lead_column)
			INTO found USING lead_id;
		IF found IS NOT NULL THEN
			RETURN found;
		END IF;
	END LOOP;
	RETURN NULL;
END $$;

CREATE FUNCTION leadscore.dna(lead_id anyelement) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	key_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
	attrs jsonb;
	models jsonb := '[]';
	r record;
BEGIN
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
-- Insight: outcomes, calibrate(), evaluate(), score_agg / stage_agg
-- (README "Calibration and evaluation").  The functions run with the
-- caller's rights: an analyst sees figures only of CRM tables they may read.
------------------------------------------------------------------------

-- They read which tables are attached and the lead key type; pg_trigger
-- shows the same to anyone.  calibrate() reads the grade criteria too, as
-- public as the rules they stand beside (leadscore.rules).
GRANT SELECT ON leadscore.attachments, leadscore.settings TO PUBLIC;
GRANT SELECT ON leadscore.grade_profiles, leadscore.grade_criteria TO PUBLIC;

-- Conversions (won deals, new customers): one row per outcome, read when
-- calibrate() and evaluate() run, so no trigger; a view works as well
-- (e.g. the won rows of an opportunities table).  A lead's first outcome is
-- its conversion; amount_column, when given, is the deal value.
CREATE FUNCTION leadscore.attach_outcomes(
	tbl regclass,
	lead_column name,
	time_column name,
	amount_column name DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	time_type regtype;
	amount_type regtype;
	rows_usable bigint;
BEGIN
	IF tbl IS NULL OR lead_column IS NULL OR time_column IS NULL THEN
		RAISE EXCEPTION 'attach_outcomes needs a table, a lead column and a time column' USING ERRCODE = '22004';
	END IF;
	IF EXISTS (SELECT 1 FROM leadscore.attachments a WHERE a.tbl = attach_outcomes.tbl) THEN
		RAISE EXCEPTION 'table % is already attached', tbl USING ERRCODE = '42710',
			HINT = 'leadscore.detach() it first.';
	END IF;
	IF (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) NOT IN ('r', 'p', 'v', 'm', 'f') THEN
		RAISE EXCEPTION '% is not a table or view', tbl USING ERRCODE = '42809';
	END IF;
	time_type := leadscore._column_type(tbl, time_column);
	IF time_type NOT IN ('timestamp with time zone'::regtype, 'timestamp without time zone'::regtype, 'date'::regtype) THEN
		RAISE EXCEPTION 'time column "%" of table % has type %', time_column, tbl, time_type
			USING ERRCODE = '42804', HINT = 'Use a timestamptz, timestamp (read as UTC) or date column.';
	END IF;
	amount_type := leadscore._column_type(tbl, amount_column);
	IF amount_type NOT IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'numeric'::regtype,
			'real'::regtype, 'double precision'::regtype) THEN
		RAISE EXCEPTION 'amount column "%" of table % has type %', amount_column, tbl, amount_type
			USING ERRCODE = '42804', HINT = 'Use a numeric column (integer, numeric, real, double precision).';
	END IF;
	PERFORM leadscore._use_key_type(tbl, lead_column, leadscore._column_type(tbl, lead_column));
	INSERT INTO leadscore.attachments (tbl, kind, lead_column, time_column, amount_column)
	VALUES (tbl, 'outcomes', lead_column, time_column, amount_column);
	EXECUTE format('SELECT count(*) FROM %s WHERE %I IS NOT NULL AND %I IS NOT NULL AND isfinite(%I)',
		tbl, lead_column, time_column, time_column) INTO rows_usable;
	RETURN rows_usable;
END $$;
COMMENT ON FUNCTION leadscore.attach_outcomes(regclass, name, name, name) IS
	'attaches a table (or view) of conversions: lead, time, optional amount; returns its rows with a lead and a finite time';

-- Rows of kind 'criterion' (the model's grade profile, matched on the
-- attached lead tables' rows as they are now) carry steps, not points.
CREATE FUNCTION leadscore.calibrate(model text, since timestamptz, until timestamptz,
		horizon interval DEFAULT NULL, min_leads integer DEFAULT 30)
	RETURNS TABLE (kind text, name text, activity_type text, current_points float8, leads bigint,
		converted bigint, conversion_rate float8, base_rate float8, lift float8, lift_low float8,
		lift_high float8, low_confidence boolean, suggested_points float8, points_per_doubling float8,
		current_steps integer, suggested_steps integer, steps_per_doubling float8)
	AS 'MODULE_PATHNAME', 'leadscore_calibrate' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.calibrate(text, timestamptz, timestamptz, interval, integer) IS
	'per activity type, rule and grade criterion: leads active in [since, until) before converting, their conversion rate, lift with a 95 % Wilson interval, suggested points or steps';

CREATE FUNCTION leadscore.evaluate(model text, as_of timestamptz, horizon interval,
		source_column name DEFAULT NULL, source_table regclass DEFAULT NULL)
	RETURNS TABLE (scope text, source text, segment text, threshold float8, leads bigint, converted bigint,
		conversion_rate float8, lift float8, "precision" float8, recall float8, roc_auc float8,
		avg_deal_value float8, median_days_to_convert float8)
	AS 'MODULE_PATHNAME', 'leadscore_evaluate' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.evaluate(text, timestamptz, interval, name, regclass) IS
	'scores as they stood at as_of against conversions in (as_of, as_of + horizon]: rates above/below MQL and SQL (with today''s grade against sql_min_grade), lift, precision, recall, ROC AUC, deal value, days; per lead source too';

CREATE FUNCTION leadscore.evaluate_leads(model text, as_of timestamptz, horizon interval,
		source_column name DEFAULT NULL, source_table regclass DEFAULT NULL)
	RETURNS TABLE (lead_id text, source text, score float8, status text, converted boolean,
		converted_at timestamptz, days_to_convert float8, deal_value float8, grade leadscore.grade)
	AS 'MODULE_PATHNAME', 'leadscore_evaluate_leads' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.evaluate_leads(text, timestamptz, interval, name, regclass) IS
	'the per-lead rows behind evaluate(): score and status at as_of (sql also needs today''s grade), converted in the horizon or not';

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
