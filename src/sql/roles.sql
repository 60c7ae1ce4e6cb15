-- Who may do what, set once by the install script: the leadscore_admin role
-- and schema USAGE for everyone.  Just before privileges.sql, whose rule
-- grants leadscore_admin the admin functions.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- leadscore_admin: may change models, rules, grade profiles and criteria,
-- attachments and settings, and run rescore(), verify() and tick().
-- Roles belong to the cluster, not to a database or an extension: a second
-- database's CREATE EXTENSION finds it, and DROP EXTENSION leaves it.
------------------------------------------------------------------------

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'leadscore_admin') THEN
		CREATE ROLE leadscore_admin NOLOGIN;
	END IF;
END $$;
COMMENT ON ROLE leadscore_admin IS
	'may change leadscore models, rules, grade profiles, attachments and settings, and run rescore(), verify() and tick()';

-- Readers (BI tools) see the tables and views (privileges.sql).
GRANT USAGE ON SCHEMA leadscore TO PUBLIC;
