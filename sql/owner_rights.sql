-- Code a table's owner wrote runs with her rights, never with leadscore's
-- (src/pg/spi/owner_rights.hpp).  leadscore's admin functions and triggers run
-- as the extension's owner, a superuser; planning a query of a table folds
-- the IMMUTABLE functions of its index expressions, partial index
-- predicates, extended statistics and (for constraint exclusion) CHECK
-- constraints, the first time a backend opens the table.  Mallory, who owns
-- CRM tables and has no other right, plants code in all of them (and in an
-- operator and a column default); an admin plants code in an outcome view.
-- Before each privileged entry point a fresh session (\c) makes the planner
-- fold it all again.  The payload logs who ran it, whether as a superuser
-- and whether in a security-restricted operation (which refuses temporary
-- tables), leaves a setting behind, and makes Mallory a superuser when it
-- can.  Every probe must show the code's owner, restricted, no superuser.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA IF EXISTS rights_crm CASCADE;
DROP ROLE IF EXISTS regress_ls_mallory;
DROP ROLE IF EXISTS regress_ls_admin;
DROP ROLE IF EXISTS regress_ls_writer;
DROP ROLE IF EXISTS regress_ls_reader;
CREATE ROLE regress_ls_mallory LOGIN;
CREATE ROLE regress_ls_admin LOGIN IN ROLE leadscore_admin;
CREATE ROLE regress_ls_writer LOGIN;
CREATE ROLE regress_ls_reader LOGIN;
CREATE SCHEMA rights_crm AUTHORIZATION regress_ls_mallory;
RESET client_min_messages;
SELECT current_user AS superuser \gset

------------------------------------------------------------------------
-- Mallory's tables and her code.
------------------------------------------------------------------------
\c - regress_ls_mallory
CREATE TABLE rights_crm.probe_log (probe text, usr name, super boolean, restricted boolean);
GRANT USAGE ON SCHEMA rights_crm TO PUBLIC;
GRANT INSERT ON rights_crm.probe_log TO PUBLIC;
CREATE FUNCTION rights_crm.payload(probe text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	restricted boolean := false;
	super boolean := (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user);
BEGIN
	IF current_setting('rights.fail', true) = 'on' THEN
		RAISE EXCEPTION 'planted code fails';
	END IF;
	BEGIN
		CREATE TEMP TABLE rights_probe_scratch (x int);
		DROP TABLE rights_probe_scratch;
	EXCEPTION WHEN insufficient_privilege THEN
		restricted := true;
	END;
	INSERT INTO rights_crm.probe_log VALUES (probe, current_user, super, restricted);
	PERFORM pg_catalog.set_config('rights.leak', current_user, false);
	IF super THEN
		EXECUTE 'ALTER ROLE regress_ls_mallory SUPERUSER';
	END IF;
END $$;
-- What ran since the last look, and whether Mallory is a superuser now.
CREATE FUNCTION rights_crm.probes() RETURNS TABLE (probe text, usr name, super boolean, restricted boolean)
LANGUAGE sql SECURITY DEFINER AS $$
	WITH taken AS (DELETE FROM rights_crm.probe_log RETURNING *)
	SELECT DISTINCT * FROM taken ORDER BY 1, 2
$$;
CREATE FUNCTION rights_crm.mallory_is_superuser() RETURNS boolean LANGUAGE sql
	AS $$ SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'regress_ls_mallory' $$;

CREATE FUNCTION rights_crm.k_index() RETURNS bigint LANGUAGE plpgsql IMMUTABLE
	AS $$ BEGIN PERFORM rights_crm.payload('index expression'); RETURN 0; END $$;
CREATE FUNCTION rights_crm.k_predicate() RETURNS boolean LANGUAGE plpgsql IMMUTABLE
	AS $$ BEGIN PERFORM rights_crm.payload('index predicate'); RETURN true; END $$;
CREATE FUNCTION rights_crm.k_statistics() RETURNS bigint LANGUAGE plpgsql IMMUTABLE
	AS $$ BEGIN PERFORM rights_crm.payload('statistics'); RETURN 0; END $$;
CREATE FUNCTION rights_crm.k_check() RETURNS boolean LANGUAGE plpgsql IMMUTABLE
	AS $$ BEGIN PERFORM rights_crm.payload('check'); RETURN true; END $$;
CREATE FUNCTION rights_crm.k_default() RETURNS text LANGUAGE plpgsql
	AS $$ BEGIN PERFORM rights_crm.payload('default'); RETURN 'x'; END $$;
CREATE FUNCTION rights_crm.k_operator(a bigint, b bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE
	AS $$ BEGIN PERFORM rights_crm.payload('operator'); RETURN a + b; END $$;
CREATE OPERATOR rights_crm.### (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = rights_crm.k_operator);

CREATE TABLE rights_crm.acts (lead_id bigint, kind text, at timestamptz, company text,
	note text DEFAULT rights_crm.k_default());
CREATE TABLE rights_crm.acts2 (lead_id bigint, kind text, at timestamptz);
CREATE TABLE rights_crm.contacts (id bigint, company text, note text DEFAULT rights_crm.k_default());
CREATE TABLE rights_crm.won (lead_id bigint, at timestamptz);
-- Leads 1 and 3 visited ten times: more than the capped rule's window
-- keeps (src/core/model/cap_window.hpp), so deleting their newest visits needs
-- their history.
INSERT INTO rights_crm.acts (lead_id, kind, at, company, note)
SELECT l, 'visit', '2026-01-01'::timestamptz + i * interval '1 hour', CASE l WHEN 1 THEN 'acme' WHEN 3 THEN 'initech' END, ''
FROM generate_series(1, 3) l, generate_series(1, 10) i WHERE l <> 2 OR i = 1;
INSERT INTO rights_crm.acts2 VALUES (2, 'demo', '2026-01-05');
INSERT INTO rights_crm.contacts (id, company, note) VALUES (1, 'acme', ''), (2, 'initech', '');
INSERT INTO rights_crm.won VALUES (1, '2026-02-01');
-- An inheritance child: its CHECK constraint is read for constraint
-- exclusion when a query of the parent has a WHERE clause.
CREATE TABLE rights_crm.acts_archive (CHECK (rights_crm.k_check())) INHERITS (rights_crm.acts);
DO $$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT * FROM (VALUES ('rights_crm.acts', 'lead_id', 'kind'), ('rights_crm.acts2', 'lead_id', 'kind'),
			('rights_crm.contacts', 'id', 'company')) v(tbl, lead, other) LOOP
		EXECUTE format('CREATE INDEX ON %s ((%I + rights_crm.k_index()))', t.tbl, t.lead);
		EXECUTE format('CREATE INDEX ON %s (%I) WHERE rights_crm.k_predicate()', t.tbl, t.lead);
		EXECUTE format('CREATE INDEX ON %s ((%I + (1 OPERATOR(rights_crm.###) 2)))', t.tbl, t.lead);
		EXECUTE format('CREATE STATISTICS %s_stats ON (%I + rights_crm.k_statistics()), %I FROM %s', t.tbl, t.lead,
			t.other, t.tbl);
		EXECUTE format('ALTER TABLE %s ADD CHECK (rights_crm.k_check())', t.tbl);
	END LOOP;
END $$;
GRANT USAGE, CREATE ON SCHEMA rights_crm TO regress_ls_admin;
GRANT SELECT, TRIGGER ON rights_crm.acts, rights_crm.acts2, rights_crm.contacts TO regress_ls_admin;
GRANT SELECT ON rights_crm.won TO regress_ls_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON rights_crm.acts, rights_crm.contacts TO regress_ls_writer;
-- Planting ran some of it (as Mallory): forget that.
SELECT count(*) > 0 AS planted FROM rights_crm.probes();

------------------------------------------------------------------------
-- The admin's outcome view calls her own function for every row.
------------------------------------------------------------------------
\c - regress_ls_admin
CREATE FUNCTION rights_crm.k_view(id bigint) RETURNS bigint LANGUAGE plpgsql
	AS $$ BEGIN PERFORM rights_crm.payload('view'); RETURN id; END $$;
CREATE VIEW rights_crm.won_v AS SELECT rights_crm.k_view(lead_id) AS lead_id, at FROM rights_crm.won;
SELECT leadscore.create_grade_profile('p') > 0 AS profile;
SELECT leadscore.add_criterion('p', 'company = ''acme''', 3) > 0 AS criterion;
SELECT leadscore.create_model('m', half_life => NULL, grade_profile => 'p') > 0 AS model;
SELECT leadscore.add_rule('m', 'visit', 10, max_count => 1) > 0 AS capped_rule;
SELECT leadscore.add_rule('m', 'demo', 20) > 0 AS rule;

------------------------------------------------------------------------
-- Every privileged entry point, each in a fresh session.
------------------------------------------------------------------------
\c - regress_ls_admin
SELECT leadscore.attach_activities('rights_crm.acts', 'lead_id', 'kind', 'at', 'company') AS attach_activities;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

-- Two activity tables: rescore() lists the leads of each.
\c - regress_ls_admin
SELECT leadscore.attach_activities('rights_crm.acts2', 'lead_id', 'kind', 'at') AS attach_second;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

\c - regress_ls_admin
SELECT leadscore.attach_leads('rights_crm.contacts', 'id', 'company') AS attach_leads;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

-- The view is counted as its owner, the admin: not as a superuser.
\c - regress_ls_admin
SELECT leadscore.attach_outcomes('rights_crm.won_v', 'lead_id', 'at') AS attach_outcomes;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

\c - regress_ls_admin
SELECT leadscore.rescore() AS rescore;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

\c - regress_ls_admin
SELECT * FROM leadscore.verify();
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

\c - regress_ls_admin
SELECT leadscore.tick() >= 0 AS tick;
SELECT * FROM rights_crm.probes();

-- The owner's code fails: the caller's subtransaction ends as the caller,
-- and the next call reads as the owner again.
\c - regress_ls_admin
SET rights.fail = on;
DO $$
BEGIN
	PERFORM leadscore.rescore();
EXCEPTION WHEN raise_exception THEN
	RAISE NOTICE 'rescore failed: %; current_user %', SQLERRM, current_user;
END $$;
SELECT current_user;
RESET rights.fail;
SELECT leadscore.rescore() AS rescore;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser();

-- A CRM writer deletes and updates rows a capped rule counted: the trigger
-- reloads the lead's history from every activity table.  (The writer's own
-- statement plans acts with the writer's rights, as any query does; the
-- reload is the first to plan acts2.)
\c - regress_ls_writer
DELETE FROM rights_crm.acts WHERE lead_id = 1 AND at > '2026-01-01 01:00';
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

\c - regress_ls_writer
UPDATE rights_crm.acts SET lead_id = 4 WHERE lead_id = 3 AND at > '2026-01-01 01:00';
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

-- The lead trigger reads only the statement's rows.
\c - regress_ls_writer
INSERT INTO rights_crm.contacts (id, company, note) VALUES (3, 'acme', '');
SELECT * FROM rights_crm.probes();

-- Reader functions read with the caller's rights; a superuser's reads run
-- as the table's owner.
\c - :superuser
SELECT rule, counted FROM leadscore.explain('m', 1::bigint) ORDER BY rule;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser();
\c - :superuser
SELECT leadscore.dna(1::bigint) -> 'attributes' ->> 'company' AS dna_company;
SELECT * FROM rights_crm.probes();
\c - :superuser
SELECT count(*) > 0 AS evaluated FROM leadscore.evaluate('m', '2026-01-10', '60 days', 'company');
SELECT * FROM rights_crm.probes();
\c - :superuser
SELECT count(*) > 0 AS calibrated FROM leadscore.calibrate('m', '2026-01-01', '2026-03-01', min_leads => 1);
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser();
\c - regress_ls_reader
\set VERBOSITY terse
SELECT rule, counted FROM leadscore.explain('m', 1::bigint) ORDER BY rule;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

-- The owner truncates and drops attached tables: the truncate trigger and
-- the drop's event trigger rescore from the tables left.
\c - regress_ls_mallory
TRUNCATE rights_crm.acts2;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

\c - regress_ls_mallory
DROP TABLE rights_crm.acts2;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

\c - regress_ls_admin
SELECT leadscore.detach('rights_crm.contacts') AS detach;
SELECT * FROM rights_crm.probes();
SELECT rights_crm.mallory_is_superuser(), current_setting('rights.leak', true) AS leaked;

-- Code planted in a table that writes an attached table while leadscore
-- reads the first: leadscore refuses to run nested in its own read (its
-- cached plans and per-statement scratch belong to the read), 55000.
\c - regress_ls_mallory
CREATE TABLE rights_crm.acts3 (lead_id bigint, kind text, at timestamptz);
INSERT INTO rights_crm.acts3 VALUES (5, 'demo', '2026-01-06');
-- (only from another role's session: not while Mallory builds the index)
CREATE FUNCTION rights_crm.write_acts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF session_user <> 'regress_ls_mallory' THEN
		INSERT INTO rights_crm.acts (lead_id, kind, at, note) VALUES (9, 'demo', '2026-01-07', '');
	END IF;
END $$;
CREATE FUNCTION rights_crm.k_writes() RETURNS bigint LANGUAGE plpgsql IMMUTABLE
	AS $$ BEGIN PERFORM rights_crm.write_acts(); RETURN 0; END $$;
CREATE INDEX ON rights_crm.acts3 ((lead_id + rights_crm.k_writes()));
GRANT SELECT, TRIGGER ON rights_crm.acts3 TO regress_ls_admin;
\c - regress_ls_admin
\set VERBOSITY terse
SELECT leadscore.attach_activities('rights_crm.acts3', 'lead_id', 'kind', 'at');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT count(*) AS attached FROM leadscore.attachments WHERE tbl::text = 'rights_crm.acts3';

\c - :superuser
SELECT * FROM leadscore.verify();
SELECT model, lead_id, score, grade FROM leadscore.lead_scores ORDER BY lead_id;
SELECT lead_id, account_id, source FROM leadscore.lead_accounts ORDER BY lead_id;
SELECT * FROM rights_crm.probes() WHERE super OR NOT restricted;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress\_ls\_%' ORDER BY rolname;

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA rights_crm CASCADE;
DROP ROLE regress_ls_mallory;
DROP ROLE regress_ls_admin;
DROP ROLE regress_ls_writer;
DROP ROLE regress_ls_reader;
