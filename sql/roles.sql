-- Who may do what (README.md, "Privileges"):
--   * leadscore_admin (created by the extension, NOLOGIN) changes models,
--     rules, grade profiles, criteria, attachments and settings, and runs
--     rescore(), verify() and tick(), through the admin functions only;
--     it may attach only tables it may read and put triggers on;
--   * a CRM writer with rights on its own tables only gets its activity
--     and lead rows scored and graded (the triggers run as the owner);
--   * a BI reader reads the views and the reader functions, and can change
--     nothing.
-- Every denial shows its SQLSTATE (42501).
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA roles_test;
DROP ROLE IF EXISTS regress_crm_writer;
DROP ROLE IF EXISTS regress_bi_reader;
DROP ROLE IF EXISTS regress_lead_admin;
RESET client_min_messages;
SET timezone = 'UTC';

-- The role: NOLOGIN and no attribute beyond it.
SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolinherit, rolbypassrls
FROM pg_roles WHERE rolname = 'leadscore_admin';

-- The privilege rule holds for every member object.  Each query lists the
-- objects that break one clause of it: all must be empty.
CREATE TEMP VIEW members AS
SELECT d.classid, d.objid
FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore');
CREATE TEMP VIEW member_functions AS
SELECT p.oid::regprocedure AS fn, p.proname, p.provolatile, p.prokind, p.prosecdef, p.proconfig,
	p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype) AS is_trigger,
	has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec,
	has_function_privilege('leadscore_admin', p.oid, 'EXECUTE') AS admin_exec
FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid;

-- readers (IMMUTABLE / STABLE): anyone, with the caller's rights
SELECT fn FROM member_functions
WHERE provolatile <> 'v' AND prokind <> 'p' AND (prosecdef OR NOT public_exec);
-- admin functions (the other VOLATILE ones): leadscore_admin only, as the owner
SELECT fn FROM member_functions
WHERE provolatile = 'v' AND NOT is_trigger AND left(proname, 1) <> '_'
  AND (public_exec OR NOT admin_exec OR NOT prosecdef);
-- internal helpers: nobody but the owner
SELECT fn FROM member_functions
WHERE provolatile = 'v' AND NOT is_trigger AND left(proname, 1) = '_' AND (public_exec OR admin_exec);
-- trigger functions: nobody calls them; they run as the owner — but for
-- replica_trigger, which fires once per row and takes the owner's rights
-- in C where it needs them
SELECT fn FROM member_functions
WHERE is_trigger AND (public_exec OR admin_exec OR prosecdef = (proname = 'replica_trigger'));
-- every SECURITY DEFINER function pins search_path
SELECT fn FROM member_functions
WHERE prosecdef AND NOT coalesce(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);
-- tables and views: SELECT for everyone, every other right the owner's
SELECT c.oid::regclass AS rel, a.grantee::regrole, a.privilege_type
FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
WHERE a.grantee <> c.relowner AND NOT (a.grantee = 0 AND a.privilege_type = 'SELECT' AND c.relkind <> 'S');
SELECT c.oid::regclass AS rel FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
WHERE c.relkind <> 'S' AND NOT has_table_privilege('public', c.oid, 'SELECT');

CREATE ROLE regress_crm_writer NOLOGIN;
CREATE ROLE regress_bi_reader NOLOGIN;
CREATE ROLE regress_lead_admin NOLOGIN IN ROLE leadscore_admin;

-- The CRM's tables: the writer may write them; the admin may read them and
-- put triggers on them; other.activities is nobody's business but its owner's.
CREATE TABLE roles_test.activities (lead_id bigint, kind text, at timestamptz);
CREATE TABLE roles_test.contacts (id bigint PRIMARY KEY, job_title text);
CREATE SCHEMA roles_other;
CREATE TABLE roles_other.activities (lead_id bigint, kind text, at timestamptz);
-- (Everyone may see the schemas: the denials below are leadscore's, not
-- name lookups failing.)
GRANT USAGE ON SCHEMA roles_test, roles_other TO PUBLIC;
-- SELECT because a DELETE or UPDATE with a WHERE clause reads the rows.
GRANT INSERT, UPDATE, DELETE, SELECT, TRUNCATE ON roles_test.activities, roles_test.contacts TO regress_crm_writer;
GRANT SELECT, TRIGGER ON roles_test.activities, roles_test.contacts TO regress_lead_admin;

------------------------------------------------------------------------
-- The admin configures everything through the admin functions.
------------------------------------------------------------------------
SET ROLE regress_lead_admin;
SELECT leadscore.create_grade_profile('icp') > 0 AS profile;
SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of') > 0 AS criterion;
SELECT leadscore.create_model('m', half_life => NULL, grade_profile => 'icp') > 0 AS created;
SELECT leadscore.add_rule('m', 'demo_request', 60, max_count => 1) > 0 AS added;
SELECT leadscore.add_rule('m', 'webinar', 50) > 0 AS added;
SELECT leadscore.attach_activities('roles_test.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('roles_test.contacts', 'id');
SELECT leadscore.set_notify('tick');
-- ...but not a table it may not read or put triggers on:
SELECT leadscore.attach_activities('roles_other.activities', 'lead_id', 'kind', 'at');
\echo :LAST_ERROR_SQLSTATE
-- ...nor write leadscore's tables by hand (the functions check what they write).
INSERT INTO leadscore.models (name, mql_threshold, sql_threshold, stages, stage_min_points, fit_min_grade, epoch)
VALUES ('by_hand', 1, 2, '{}', 1, 'A', now());
\echo :LAST_ERROR_SQLSTATE
UPDATE leadscore.rules SET points = 1000;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM leadscore.lead_state;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadscore.attachments (tbl, kind, lead_column) VALUES ('roles_other.activities', 'leads', 'lead_id');
\echo :LAST_ERROR_SQLSTATE
SELECT nextval('leadscore.models_id_seq');
\echo :LAST_ERROR_SQLSTATE
-- ...nor call the internal helpers the admin functions use.
SELECT leadscore._use_key_type('roles_other.activities', 'lead_id', 'text');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore._create_views(false);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

------------------------------------------------------------------------
-- The CRM writer writes its own tables; scores and grades follow.
------------------------------------------------------------------------
SET ROLE regress_crm_writer;
INSERT INTO roles_test.activities VALUES (1, 'demo_request', '2026-01-01'), (1, 'demo_request', '2026-01-02'),
	(2, 'webinar', '2026-01-03');
DELETE FROM roles_test.activities WHERE at = '2026-01-02';
UPDATE roles_test.activities SET kind = 'demo_request' WHERE lead_id = 2;
INSERT INTO roles_test.contacts VALUES (1, 'Head of IT'), (2, 'Intern');
UPDATE roles_test.contacts SET job_title = 'Head of Sales' WHERE id = 2;
COPY roles_test.activities FROM stdin;
3	webinar	2026-01-04 00:00:00+00
1	webinar	2026-01-05 00:00:00+00
\.
SELECT lead_id, score, grade, status FROM leadscore.lead_scores ORDER BY lead_id;
-- Its TRUNCATE rebuilds the state too (the TRUNCATE trigger runs as the owner).
BEGIN;
TRUNCATE roles_test.activities;
SELECT count(*) AS states_left FROM leadscore.lead_scores WHERE score > 0;
ROLLBACK;
-- It has no right on leadscore's tables...
INSERT INTO leadscore.lead_state (model_id, lead_id, stored, stage_stored, activity_count)
VALUES (1, 99, 1000, '{0,0,0}', 1);
\echo :LAST_ERROR_SQLSTATE
UPDATE leadscore.events SET to_value = 'sql';
\echo :LAST_ERROR_SQLSTATE
-- ...may not change models or run the admin functions...
SELECT leadscore.create_model('sneaky');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.rescore();
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.tick();
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.detach('roles_test.activities');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- ...nor fire leadscore's trigger functions from triggers of its own.
CREATE TABLE roles_test.own (lead_id bigint, kind text, at timestamptz);
ALTER TABLE roles_test.own OWNER TO regress_crm_writer;
SET ROLE regress_crm_writer;
CREATE TRIGGER mine AFTER INSERT ON roles_test.own REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger();
\echo :LAST_ERROR_SQLSTATE
-- Owning a table does not make one an admin: attaching it is denied.
SELECT leadscore.attach_activities('roles_test.own', 'lead_id', 'kind', 'at');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

------------------------------------------------------------------------
-- The BI reader reads scores and can change nothing.
------------------------------------------------------------------------
SET ROLE regress_bi_reader;
SELECT model, lead_id, score, grade, status FROM leadscore.lead_scores ORDER BY lead_id;
SELECT lead_id, score FROM leadscore.top_leads('m', 2);
SELECT count(*) AS stale FROM leadscore.stale_leads('m');
SELECT name FROM leadscore.models;
SELECT source, model, rows_scored FROM leadscore.stats ORDER BY model NULLS FIRST;
SELECT lead_id, kind, from_value, to_value, cause FROM leadscore.events ORDER BY id;
SELECT leadscore.grade('icp', '{"job_title": "Head of BI"}');
SELECT * FROM leadscore.explain_grade('icp', '{"job_title": "Head of BI"}');
SELECT leadscore.check_condition('a = 1');
-- explain() and dna() read the lead's activity and lead rows, with the
-- reader's rights: without SELECT on the CRM's tables they are denied.
SELECT * FROM leadscore.explain('m', 1::bigint);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.dna(1::bigint);
\echo :LAST_ERROR_SQLSTATE
-- Every admin function is denied, whatever its arguments.
SELECT leadscore.create_model('sneaky');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'visit', 1000);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.remove_rule(1);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.drop_model('m');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_grade_profile('p');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('icp', 'job_title = ''CEO''', 12);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.remove_criterion(1);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.drop_grade_profile('icp');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_activities('roles_test.activities', 'lead_id', 'kind', 'at');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_leads('roles_test.contacts', 'id');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.detach('roles_test.activities');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.rescore();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.verify();
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.tick();
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.set_notify('off');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore._invalidate();
\echo :LAST_ERROR_SQLSTATE
-- ...and so is every write to leadscore's tables.
DELETE FROM leadscore.rules;
\echo :LAST_ERROR_SQLSTATE
UPDATE leadscore.models SET mql_threshold = 0;
\echo :LAST_ERROR_SQLSTATE
UPDATE leadscore.settings SET notify = 'off';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadscore.events (model, lead_id, kind, score, at, cause) VALUES ('m', 1, 'status', 0, now(), 'activity');
\echo :LAST_ERROR_SQLSTATE
TRUNCATE leadscore.lead_state;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

------------------------------------------------------------------------
-- The admin runs the periodic and integrity functions, and detaches only
-- what it may put triggers on.
------------------------------------------------------------------------
SET ROLE regress_lead_admin;
SELECT leadscore.tick('2026-02-01') >= 0 AS ticked;
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore('m');
-- (the handoff of lead 1, relayed by tick() as set_notify('tick') asked)
SELECT lead_id, notified_at IS NOT NULL AS relayed FROM leadscore.events WHERE to_value = 'sql';
RESET ROLE;
SELECT leadscore.attach_activities('roles_other.activities', 'lead_id', 'kind', 'at');
SET ROLE regress_lead_admin;
SELECT leadscore.detach('roles_other.activities');
\echo :LAST_ERROR_SQLSTATE
-- ...nor prepare a Citus node (prepare_node() connects there as the owner).
SELECT leadscore.prepare_node('127.0.0.1', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.detach('roles_test.activities');
SELECT leadscore.drop_model('m');
RESET ROLE;

SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA roles_test CASCADE;
DROP SCHEMA roles_other CASCADE;
DROP ROLE regress_crm_writer;
DROP ROLE regress_bi_reader;
DROP ROLE regress_lead_admin;
