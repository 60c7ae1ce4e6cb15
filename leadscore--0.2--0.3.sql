-- leadscore 0.2 -> 0.3: the holes hostile testing found closed.  Code a
-- user owns (index expressions, view columns, defaults, operators) never
-- runs with leadscore's rights; tables with dropped columns, times at the
-- edge of the range, doubled or short-lived attachments, SERIALIZABLE
-- writers and prepared transactions are scored exactly or refused with a
-- clear error (docs/trust.md).  CREATE EXTENSION runs 0.1, 0.1--0.2 and
-- this script, so a fresh install and an upgraded one are the same.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- Owners' rights: what leadscore's privileged code reads of a user's
-- relation, it reads as that relation's owner.
------------------------------------------------------------------------


------------------------------------------------------------------------
-- Handoff notifications: what NOTIFY leadscore carries.
------------------------------------------------------------------------


------------------------------------------------------------------------
-- Attachments: what may be attached, and checks of their arguments.
------------------------------------------------------------------------


------------------------------------------------------------------------
-- Times and numbers at the edge of their range.
------------------------------------------------------------------------

-- Weights saturate at 2^600 (src/core/decay.hpp: with points up to 1e12
-- every stored sum, and every score read from one, stays finite).  The
-- view's thresholds and scores use this function, the triggers the C++
-- one: the two clamp at the same exponent.
CREATE OR REPLACE FUNCTION leadscore.stored_weight(half_life interval, epoch timestamptz, at timestamptz DEFAULT now())
	RETURNS float8 LANGUAGE sql STABLE PARALLEL SAFE
	RETURN CASE WHEN half_life IS NULL THEN 1::float8
		ELSE pg_catalog.power(2::float8, LEAST(600::float8,
			extract(epoch FROM at - epoch)::float8 / extract(epoch FROM half_life)::float8)) END;

-- As in 0.1, but account_threshold is at most 1e15: times an account
-- weight (up to 2^600) it must stay finite where account_scores compares it
-- (the other thresholds: _check_model).
CREATE OR REPLACE FUNCTION leadscore.create_model(
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
	IF account_threshold IS NOT NULL AND NOT (account_threshold > 0 AND account_threshold <= 1e15) THEN
		RAISE EXCEPTION 'account_threshold must be a positive number%, not %', CASE WHEN account_threshold > 1e15 AND account_threshold < 'Infinity' THEN ' up to 1e+15' ELSE '' END, account_threshold USING ERRCODE = '22023',
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

-- Undoes a tick() ahead of the clock: the tick clock, and every lead and
-- account record such a tick left in the future, go back to now, and
-- rescore() re-derives the records there.
CREATE FUNCTION leadscore.reset_tick() RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	moved bigint;
	accounts bigint;
BEGIN
	-- tick()'s lock: no tick runs meanwhile.
	UPDATE leadscore.tick_state SET last_tick_at = least(last_tick_at, now());
	UPDATE leadscore.lead_state SET checked_at = now() WHERE checked_at > now();
	GET DIAGNOSTICS moved = ROW_COUNT;
	UPDATE leadscore.account_state SET checked_at = now() WHERE checked_at > now();
	GET DIAGNOSTICS accounts = ROW_COUNT;
	IF moved + accounts > 0 THEN
		PERFORM leadscore.rescore();
	END IF;
	RETURN moved;
END $$;
COMMENT ON FUNCTION leadscore.reset_tick() IS
	'moves the tick clock and the lead and account records a tick() ahead of the clock left in the future back to now, then rescores; returns the lead records moved';


------------------------------------------------------------------------
-- Writers: SERIALIZABLE, prepared transactions, DROP EXTENSION.
------------------------------------------------------------------------


------------------------------------------------------------------------
-- The privilege rule.  Applied to every member of the extension, so the
-- functions and tables later versions add follow it when their script
-- ends with this block (README.md, "Privileges").
--
--   tables and views    SELECT for PUBLIC, nothing else for anyone: they
--                       are written only by admin functions and triggers,
--                       which run as the owner
--   sequences           nothing for anyone
--   reader functions    IMMUTABLE or STABLE: EXECUTE for PUBLIC, SECURITY
--                       INVOKER (they read with the caller's rights)
--   trigger functions   no EXECUTE for anyone (firing a trigger needs
--                       none); SECURITY DEFINER, so a CRM writer needs no
--                       right on leadscore's tables
--   internal functions  VOLATILE and named _*: no EXECUTE for anyone; only
--                       admin functions and triggers call them
--   admin functions     every other VOLATILE function or procedure:
--                       EXECUTE for leadscore_admin only, SECURITY DEFINER
--
-- Every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp.
------------------------------------------------------------------------

DO $$
DECLARE
	o record;
	kind text;
BEGIN
	FOR o IN
		SELECT c.oid::regclass AS rel, c.relkind
		FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
		WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'
			AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
			AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'leadscore')
	LOOP
		kind := CASE WHEN o.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END;
		EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM PUBLIC, leadscore_admin', kind, o.rel);
		IF o.relkind <> 'S' THEN
			EXECUTE pg_catalog.format('GRANT SELECT ON TABLE %s TO PUBLIC', o.rel);
		END IF;
	END LOOP;

	FOR o IN
		SELECT p.oid::regprocedure AS fn, p.proname, p.prokind, p.provolatile, p.prosecdef,
			p.prorettype IN ('pg_catalog.trigger'::pg_catalog.regtype, 'pg_catalog.event_trigger'::pg_catalog.regtype)
				AS is_trigger
		FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
		WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'e'
			AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
			AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'leadscore')
	LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON ROUTINE %s FROM PUBLIC, leadscore_admin', o.fn);
		IF o.is_trigger THEN
			EXECUTE pg_catalog.format('ALTER ROUTINE %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', o.fn);
		ELSIF o.prokind <> 'p' AND o.provolatile IN ('i', 's') THEN
			IF o.prosecdef THEN
				RAISE EXCEPTION 'reader function % is SECURITY DEFINER', o.fn
					USING HINT = 'Readers run with the caller''s rights; see README.md, "Privileges".';
			END IF;
			EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO PUBLIC', o.fn);
		ELSIF pg_catalog.left(o.proname, 1) <> '_' THEN
			EXECUTE pg_catalog.format('ALTER ROUTINE %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', o.fn);
			EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO leadscore_admin', o.fn);
		END IF;
	END LOOP;
END $$;
