------------------------------------------------------------------------
-- The privilege rule, its one home (README.md, "Privileges and roles").
-- Applied to every member of the extension: the install script ends with
-- this file and the Makefile appends it to every upgrade script, so what
-- any version adds follows it.  Last: it covers every member there is.
--
--   tables and views    SELECT for PUBLIC, nothing else for anyone: they
--                       are written only by admin functions and triggers,
--                       which run as the owner
--   sequences           nothing for anyone
--   reader functions    IMMUTABLE or STABLE: EXECUTE for PUBLIC, SECURITY
--                       INVOKER (they read with the caller's rights)
--   trigger functions   no EXECUTE for anyone (firing a trigger needs
--                       none); SECURITY DEFINER, so a CRM writer needs no
--                       right on leadscore's tables — except
--                       replica_trigger, which fires once per row: it
--                       takes its owner's rights in C where it needs them
--                       (the switch around every call cost more than the
--                       row's scoring)
--   internal functions  VOLATILE and named _*: no EXECUTE for anyone; only
--                       admin functions and triggers call them
--   admin functions     every other VOLATILE function or procedure:
--                       EXECUTE for leadscore_admin only, SECURITY DEFINER
--                       (on Citus over one connection per node)
--
-- Every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp.
------------------------------------------------------------------------

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

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
		IF o.is_trigger AND o.proname = 'replica_trigger' THEN
			NULL;  -- per row: takes its owner's rights in C (src/sql/integrity.sql)
		ELSIF o.is_trigger THEN
			EXECUTE pg_catalog.format('ALTER ROUTINE %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', o.fn);
		ELSIF o.prokind <> 'p' AND o.provolatile IN ('i', 's') THEN
			IF o.prosecdef THEN
				RAISE EXCEPTION 'reader function % is SECURITY DEFINER', o.fn
					USING HINT = 'Readers run with the caller''s rights; see README.md, "Privileges".';
			END IF;
			EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO PUBLIC', o.fn);
		ELSIF pg_catalog.left(o.proname, 1) <> '_' THEN
			-- On Citus an admin function reads the distributed tables and
			-- writes the reference tables (models, probability_links, ...),
			-- or writes one lead's shard and many (tick()): Citus allows
			-- both in one transaction over one connection per node only.  A
			-- placeholder setting without Citus.
			EXECUTE pg_catalog.format('ALTER ROUTINE %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp'
				' SET citus.multi_shard_modify_mode = ''sequential''', o.fn);
			EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO leadscore_admin', o.fn);
		END IF;
	END LOOP;
END $$;
