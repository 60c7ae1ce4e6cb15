-- Configuration: grade profiles and criteria, models, rules, attachments and
-- the settings row.  Small tables written only by the admin functions
-- (models.sql, grade_profiles.sql, attachments.sql; Citus reference tables
-- later), kept by pg_dump (pg_extension_config_dump).  Right after the
-- grade type: the state tables, views and SQL functions name them.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

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
	epoch timestamptz NOT NULL,              -- the decay epoch E (src/core/model/decay.hpp): creation time, moved by tick()'s re-base
	version integer NOT NULL DEFAULT 1,      -- bumped by every rule change
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	-- Momentum decays with this half-life from the same epoch
	-- (lead_scores.momentum); every model has one.  0.3 added it.
	momentum_half_life interval NOT NULL DEFAULT '7 days',
	-- A handoff to sales is due this long after it opens (handoffs.sql);
	-- NULL: no due time, never expires.  0.3 added it.
	handoff_sla interval,
	-- Whether top_momentum() reads an index of momentum (lead_state's
	-- momentum_rank): an opt-in, because momentum moves with every
	-- activity, and an index of it would take each activity's state update
	-- off HOT.  0.3 added it.
	momentum_ranking boolean NOT NULL DEFAULT false,
	-- The scale of learned points (learn()): this many points double the
	-- odds of converting; NULL: the model has none.  Last: 0.3 added it.
	points_per_doubling float8 CHECK (points_per_doubling > 0 AND points_per_doubling < 'Infinity')
);

-- A model's probability link (src/core/insight/probability_link.hpp):
-- lead_scores.probability = 1 / (1 + exp(-(link[1] + link[2] * score +
-- link[3 + grade rank]))), the last slot for a lead without a grade.
-- Written by fit_probability(); one per model.
CREATE TABLE leadscore.probability_links (
	model_id integer PRIMARY KEY REFERENCES leadscore.models (id) ON DELETE CASCADE,
	horizon interval NOT NULL,               -- converting within this long
	link float8[] NOT NULL,
	leads bigint NOT NULL,                   -- the leads it was fitted on
	converted bigint NOT NULL,               -- ... and how many of them converted
	fitted_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE leadscore.rules (
	id serial PRIMARY KEY,
	model_id integer NOT NULL REFERENCES leadscore.models (id) ON DELETE CASCADE,
	name text NOT NULL,
	activity_type text,                      -- NULL: every type
	points float8,                           -- NULL: points_expression gives each row's
	stage text,
	condition text,                          -- normalised; NULL: every row of the type
	max_count integer,                       -- NULL: no cap
	UNIQUE (model_id, name),
	-- A frequency window (src/core/model/frequency_window.hpp): scores when
	-- min_count matching activities fall within `within`, at most once per
	-- cooldown; NULL min_count: every matching activity scores.  Last
	-- columns: 0.3 added them (an upgraded install has them here).
	min_count integer,
	within interval,
	cooldown interval,
	-- Each matching row's points, an expression over its columns
	-- (src/core/condition/expression.hpp), normalised; NULL: `points`.
	points_expression text,
	CONSTRAINT rules_points_given CHECK ((points IS NULL) <> (points_expression IS NULL)),
	-- A silence rule (src/core/model/absence_streak.hpp): scores `points`
	-- when in_a_row activities of its type in a row get no activity of
	-- these types within `within`; NULL: not one.
	response_types text[],
	in_a_row integer
);

CREATE TABLE leadscore.attachments (
	tbl regclass PRIMARY KEY,
	kind text NOT NULL CHECK (kind IN ('activities', 'leads', 'outcomes')),
	lead_column name NOT NULL,
	type_column name,
	time_column name,
	account_column name,
	amount_column name,
	attached_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	-- A lead table's column naming the lead's sales rep, who gets its
	-- handoffs (handoffs.sql).  Last: 0.3 added it.
	owner_column name
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
	notify text NOT NULL DEFAULT 'trigger' CHECK (notify IN ('trigger', 'tick', 'off')),
	-- What NOTIFY leadscore carries.  PostgreSQL has no privilege on
	-- channels: any role that can connect may LISTEN leadscore, and the
	-- full payload tells it every handoff's lead, score and grade whatever
	-- is revoked on leadscore's tables.  With 'id' a handoff sends only its
	-- event's id and kind; the listener reads the event from
	-- leadscore.events (or account_events) with its own rights.  A full
	-- payload that PostgreSQL would refuse (8000 bytes or more: a long lead
	-- key or model name) falls back to the id, so a CRM write never fails
	-- for it.  Last column: 0.3 added it (an upgraded install has it here).
	notify_payload text NOT NULL DEFAULT 'full' CHECK (notify_payload IN ('full', 'id'))
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

-- leadscore.settings has one row, inserted above; restoring a dumped row
-- into a fresh install would fail on the primary key, losing the notify
-- modes and the key types, so the restored triggers would score nothing.
-- An insert into a non-empty settings table merges into the row instead
-- (a dump made before 0.3 has no notify_payload: the default, 'full').
CREATE FUNCTION leadscore._settings_merge() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	-- On Citus the row is a shard's, written by leadscore's own SQL
	-- (src/sql/citus.sql).
	IF TG_TABLE_NAME <> 'settings' THEN
		RETURN coalesce(NEW, OLD);
	END IF;
	IF NOT EXISTS (SELECT 1 FROM leadscore.settings) THEN
		RETURN NEW;
	END IF;
	IF NEW.lead_key_type IS NOT NULL THEN
		PERFORM leadscore._use_key_type(NULL, NULL, NEW.lead_key_type);
	END IF;
	IF NEW.account_key_type IS NOT NULL THEN
		PERFORM leadscore._fix_key_type('account', NULL, NULL, NEW.account_key_type);
	END IF;
	UPDATE leadscore.settings SET notify = NEW.notify, notify_payload = NEW.notify_payload;
	RETURN NULL;
END $$;

CREATE TRIGGER settings_merge BEFORE INSERT ON leadscore.settings
	FOR EACH ROW EXECUTE FUNCTION leadscore._settings_merge();

-- Every backend rebuilds its plans of models, rules, profiles and
-- attachments after the transaction that calls this (every change to
-- these tables).
CREATE FUNCTION leadscore._invalidate() RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_invalidate' LANGUAGE C;
