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

-- Planning or running a query of a user's table runs code its owner wrote
-- (index expressions and predicates, extended statistics, CHECK
-- constraints, a view's columns, row security policies); as the extension's
-- owner that code made its owner a superuser.  The C code reads attached
-- tables through src/pg/owner_rights.hpp; the PL/pgSQL below reads them
-- through this function, and writes what it read as the extension's owner.
CREATE FUNCTION leadscore._read_as_owner(tbl regclass, query text) RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'leadscore_read_as_owner' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore._read_as_owner(regclass, text) IS
	'the rows of query, a query of tbl alone, read as tbl''s owner in a security-restricted operation';

CREATE OR REPLACE FUNCTION leadscore.attach_leads(
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
	SELECT r.n INTO graded FROM leadscore._read_as_owner(tbl,
		format('SELECT count(*) FROM %s WHERE %I IS NOT NULL', tbl, lead_column)) AS r(n bigint);
	RETURN graded;
END $$;

-- An outcome view is counted as its owner: its columns' functions run
-- with the rights of the role that made it.
CREATE OR REPLACE FUNCTION leadscore.attach_outcomes(
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
	SELECT r.n INTO rows_usable FROM leadscore._read_as_owner(tbl,
		format('SELECT count(*) FROM %s WHERE %I IS NOT NULL AND %I IS NOT NULL AND isfinite(%I)',
			tbl, lead_column, time_column, time_column)) AS r(n bigint);
	RETURN rows_usable;
END $$;

CREATE OR REPLACE FUNCTION leadscore._rebuild_lead_accounts() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	a record;
	lead_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
	account_type regtype := (SELECT s.account_key_type FROM leadscore.settings s);
BEGIN
	DELETE FROM leadscore.lead_accounts WHERE source = 'leads';
	FOR a IN SELECT * FROM leadscore.attachments WHERE account_column IS NOT NULL
		ORDER BY kind = 'activities', tbl::oid LOOP
		IF a.kind = 'leads' THEN
			-- Keys over 1 kB are bad data (src/pg/lead_key.hpp).
			EXECUTE format('INSERT INTO leadscore.lead_accounts (lead_id, account_id, source)'
				' SELECT r.l, r.a, ''leads'' FROM leadscore._read_as_owner($1, $2) AS r(l %s, a %s)'
				' ON CONFLICT (lead_id) DO UPDATE SET account_id = excluded.account_id, source = ''leads''',
				lead_type, account_type)
			USING a.tbl, format('SELECT t.%I::%s, t.%I::%s FROM %s t WHERE octet_length(t.%I::text) <= 1024'
				' AND octet_length(t.%I::text) <= 1024',
				a.lead_column, lead_type, a.account_column, account_type, a.tbl, a.lead_column, a.account_column);
		ELSE
			EXECUTE format('INSERT INTO leadscore.lead_accounts (lead_id, account_id)'
				' SELECT r.l, r.a FROM leadscore._read_as_owner($1, $2) AS r(l %s, a %s) ON CONFLICT DO NOTHING',
				lead_type, account_type)
			USING a.tbl, format('SELECT DISTINCT ON (t.%I) t.%I::%s, t.%I::%s FROM %s t'
				' WHERE octet_length(t.%I::text) <= 1024 AND octet_length(t.%I::text) <= 1024 ORDER BY t.%I, t.%I',
				a.lead_column, a.lead_column, lead_type, a.account_column, account_type, a.tbl, a.lead_column,
				a.account_column, a.lead_column, a.time_column);
		END IF;
	END LOOP;
END $$;

-- dna()'s read of the lead tables, as calibrate() and explain() read.
CREATE OR REPLACE FUNCTION leadscore._lead_attributes(lead_id anyelement) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'leadscore_lead_attributes' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;


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
