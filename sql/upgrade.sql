-- The upgrade paths 0.1 -> 0.3 and 0.2 -> 0.3: install the old version,
-- score data, ALTER EXTENSION leadscore UPDATE, and check that scores,
-- grades, events and the attached triggers carry over, verify() stays
-- empty, and the upgraded extension is the same as a fresh install, which
-- runs another script (src/sql): the same member objects, defined alike,
-- with the same privileges, security, settings and triggers.
SET client_min_messages = warning;
CREATE SCHEMA upgrade_test;
RESET client_min_messages;
SET timezone = 'UTC';

-- An ACL item by item, in a stable order.
CREATE FUNCTION upgrade_test.acl(items aclitem[]) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(items) a $$;

-- What an installed leadscore is made of: one row per member object with
-- everything that defines it (a function's arguments and defaults, result,
-- body, language and settings; a table's columns, defaults, NOT NULLs,
-- constraints and indexes; a view's query; a sequence's parameters; a
-- type's, operator's, operator class's and family's parts; an event
-- trigger's; comments, and ACLs item by item), plus the triggers on its
-- tables, what pg_dump keeps and the schema's ACL.  A fresh install runs
-- one script joined from src/sql, an upgrade the old scripts: this is what
-- shows that they end the same.
CREATE FUNCTION upgrade_test.footprint() RETURNS TABLE (object text, detail text)
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'leadscore'),
	members AS (
		SELECT d.classid, d.objid FROM pg_depend d, ext
		WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	)
	SELECT pg_describe_object(m.classid, m.objid, 0),
		concat_ws(' | ', 'comment ' || obj_description(m.objid, m.classid::regclass::text::name),
			(SELECT format('acl %s | kind %s (%s) returns %s | %s, volatile %s, strict %s, secdef %s, leakproof %s,'
					' parallel %s, cost %s, rows %s, config %s | body %s',
				upgrade_test.acl(p.proacl), p.prokind, pg_get_function_arguments(p.oid),
				pg_get_function_result(p.oid), l.lanname, p.provolatile, p.proisstrict, p.prosecdef,
				p.proleakproof, p.proparallel, p.procost, p.prorows, p.proconfig,
				md5(coalesce(pg_get_function_sqlbody(p.oid), p.prosrc)))
			 FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
			 WHERE m.classid = 'pg_proc'::regclass AND p.oid = m.objid),
			(SELECT format('aggregate %s %s, combine %s, final %s, sort %s', g.aggtransfn, g.aggtranstype::regtype,
				g.aggcombinefn, g.aggfinalfn, g.aggsortop::regoperator)
			 FROM pg_aggregate g WHERE m.classid = 'pg_proc'::regclass AND g.aggfnoid = m.objid),
			(SELECT concat_ws(' | ', 'acl ' || upgrade_test.acl(c.relacl),
				format('kind %s, persistence %s', c.relkind, c.relpersistence),
				'columns ' || (SELECT string_agg(concat_ws(' ', att.attname, format_type(att.atttypid, att.atttypmod),
						CASE WHEN att.attnotnull THEN 'not null' END, 'default ' || pg_get_expr(ad.adbin, ad.adrelid)),
						', ' ORDER BY att.attnum)
					FROM pg_attribute att LEFT JOIN pg_attrdef ad ON ad.adrelid = att.attrelid AND ad.adnum = att.attnum
					WHERE att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped AND c.relkind <> 'S'),
				'constraints ' || (SELECT string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), ', '
						ORDER BY co.conname)
					FROM pg_constraint co WHERE co.conrelid = c.oid),
				'indexes ' || (SELECT string_agg(pg_get_indexdef(i.indexrelid), ', ' ORDER BY i.indexrelid::regclass::text)
					FROM pg_index i WHERE i.indrelid = c.oid))
			 FROM pg_class c WHERE m.classid = 'pg_class'::regclass AND c.oid = m.objid),
			(SELECT 'view ' || md5(pg_get_viewdef(c.oid)) FROM pg_class c
			 WHERE m.classid = 'pg_class'::regclass AND c.oid = m.objid AND c.relkind = 'v'),
			(SELECT format('sequence %s from %s by %s, %s..%s, cache %s, cycle %s', s.seqtypid::regtype, s.seqstart,
				s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
			 FROM pg_sequence s WHERE m.classid = 'pg_class'::regclass AND s.seqrelid = m.objid),
			(SELECT format('type %s, input %s, output %s, receive %s, send %s, length %s, by value %s, align %s, storage %s',
				t.typtype, t.typinput, t.typoutput, t.typreceive, t.typsend, t.typlen, t.typbyval, t.typalign, t.typstorage)
			 FROM pg_type t WHERE m.classid = 'pg_type'::regclass AND t.oid = m.objid),
			(SELECT format('operator %s, commutator %s, negator %s, restrict %s, join %s, hashes %s, merges %s',
				o.oprcode, o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest, o.oprjoin, o.oprcanhash,
				o.oprcanmerge)
			 FROM pg_operator o WHERE m.classid = 'pg_operator'::regclass AND o.oid = m.objid),
			(SELECT format('operator class default %s, family %s, type %s', o.opcdefault,
				pg_describe_object('pg_opfamily'::regclass, o.opcfamily, 0), o.opcintype::regtype)
			 FROM pg_opclass o WHERE m.classid = 'pg_opclass'::regclass AND o.oid = m.objid),
			(SELECT format('operators %s, functions %s',
				(SELECT string_agg(a.amopstrategy || ' ' || a.amopopr::regoperator, ', ' ORDER BY a.amopstrategy)
				 FROM pg_amop a WHERE a.amopfamily = m.objid),
				(SELECT string_agg(a.amprocnum || ' ' || a.amproc::regprocedure, ', ' ORDER BY a.amprocnum)
				 FROM pg_amproc a WHERE a.amprocfamily = m.objid))
			 WHERE m.classid = 'pg_opfamily'::regclass),
			(SELECT format('event %s, enabled %s, function %s, tags %s', e.evtevent, e.evtenabled,
				e.evtfoid::regprocedure, e.evttags)
			 FROM pg_event_trigger e WHERE m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid))
	FROM members m
	UNION ALL
	SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass, pg_get_triggerdef(t.oid)
	FROM pg_trigger t JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = t.tgrelid
	WHERE NOT t.tgisinternal
	UNION ALL
	SELECT 'dumped by pg_dump', concat_ws(' where ', x.tbl::regclass::text, nullif(x.cond, ''))
	FROM ext, unnest(ext.extconfig, ext.extcondition) x (tbl, cond)
	UNION ALL
	SELECT 'schema leadscore', upgrade_test.acl(n.nspacl) FROM pg_namespace n WHERE n.nspname = 'leadscore'
$$;

-- A fresh install of the default version, whatever the tests before this
-- one left (an attachment recreates the views' functions, whose ACLs then
-- read differently).
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';
-- The upgraded databases below fix their lead keys as bigint by attaching
-- a table, which retypes adjustments.lead_id: text in a fresh install
-- until then (src/sql/adjustments.sql says why), bigint here too.
ALTER TABLE leadscore.adjustments ALTER COLUMN lead_id TYPE bigint USING lead_id::bigint;
CREATE TABLE upgrade_test.fresh AS SELECT * FROM upgrade_test.footprint();

------------------------------------------------------------------------
-- 0.1, with data.
------------------------------------------------------------------------
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore VERSION '0.1';
RESET client_min_messages;
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';

CREATE TABLE upgrade_test.activities (id bigserial PRIMARY KEY, lead_id bigint, kind text, url text, at timestamptz);
CREATE TABLE upgrade_test.contacts (id bigint PRIMARY KEY, job_title text);
SELECT leadscore.create_grade_profile('icp') > 0 AS profile;
SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of') > 0 AS criterion;
SELECT leadscore.create_model('crm', half_life => '30 days', grade_profile => 'icp') > 0 AS model;
SELECT leadscore.create_model('flat', half_life => NULL, mql_threshold => 10, sql_threshold => 20) > 0 AS model;
SELECT leadscore.add_rule('crm', 'demo_request', 80, stage => 'decision', max_count => 1) > 0 AS rule;
SELECT leadscore.add_rule('crm', 'page_view', 15, stage => 'consideration', condition => 'url LIKE ''/pricing%''',
	max_count => 3) > 0 AS rule;
SELECT leadscore.add_rule('flat', 'page_view', 5) > 0 AS rule;
SELECT leadscore.attach_activities('upgrade_test.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('upgrade_test.contacts', 'id');
INSERT INTO upgrade_test.contacts VALUES (1, 'Head of IT'), (2, 'Intern'), (3, NULL);
INSERT INTO upgrade_test.activities (lead_id, kind, url, at)
SELECT 1 + i % 3, CASE WHEN i % 7 = 0 THEN 'demo_request' ELSE 'page_view' END,
	CASE WHEN i % 2 = 0 THEN '/pricing/' || i ELSE '/blog/' || i END,
	now() - i * interval '9 hours'
FROM generate_series(1, 40) i;
DELETE FROM upgrade_test.activities WHERE id % 5 = 0;
-- (score_key, the stored sum, is what the score is now times a factor of
-- the clock: compared exactly; the score itself moves with now().)
CREATE TABLE upgrade_test.before AS
SELECT model, lead_id, score_key, stage, grade, status, activity_count, mql_at, sql_at
FROM leadscore.lead_scores;
CREATE TABLE upgrade_test.events_before AS SELECT * FROM leadscore.events;
SELECT model, lead_id, round(score::numeric, 1) AS score, stage, grade, status FROM leadscore.lead_scores
ORDER BY model, lead_id;

------------------------------------------------------------------------
-- The upgrade.
------------------------------------------------------------------------
ALTER EXTENSION leadscore UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';

-- Scores, grades, lifecycle and events are what they were.
SELECT * FROM (
	SELECT model, lead_id, score_key, stage, grade, status, activity_count, mql_at, sql_at
	FROM leadscore.lead_scores
	EXCEPT SELECT * FROM upgrade_test.before) changed;
SELECT * FROM upgrade_test.before EXCEPT
SELECT model, lead_id, score_key, stage, grade, status, activity_count, mql_at, sql_at
FROM leadscore.lead_scores;
SELECT count(*) AS events_changed FROM (
	(SELECT * FROM leadscore.events EXCEPT SELECT * FROM upgrade_test.events_before)
	UNION ALL (SELECT * FROM upgrade_test.events_before EXCEPT SELECT * FROM leadscore.events)) e;
-- Momentum, new in 0.3, is computed from the history (verify() checks it).
SELECT count(*) FILTER (WHERE momentum <> 0) > 0 AS has_momentum FROM leadscore.lead_scores;
SELECT * FROM leadscore.verify();

-- The attached triggers still score and grade, and so does rescore().
INSERT INTO upgrade_test.activities (lead_id, kind, url, at) VALUES (3, 'demo_request', NULL, now());
UPDATE upgrade_test.contacts SET job_title = 'Head of Sales' WHERE id = 2;
SELECT model, lead_id, round(score::numeric, 1) AS score, grade, status FROM leadscore.lead_scores
WHERE lead_id IN (2, 3) ORDER BY model, lead_id;
SELECT leadscore.rescore() AS rescored;
SELECT * FROM leadscore.verify();

-- What 0.2 adds works on the upgraded install: the admin role and the
-- privilege rule...
SELECT rolcanlogin FROM pg_roles WHERE rolname = 'leadscore_admin';
SELECT has_function_privilege('public', 'leadscore.create_model(text,interval,float8,float8,leadscore.grade,text[],text,text,float8,float8,leadscore.grade,boolean,float8,interval,interval,boolean)', 'EXECUTE') AS public_may_create_models,
	has_function_privilege('leadscore_admin', 'leadscore.rescore(text)', 'EXECUTE') AS admin_may_rescore,
	has_function_privilege('public', 'leadscore.top_leads(text,integer)', 'EXECUTE') AS public_may_read;
-- ...and a dropped attached table detaches itself.
DROP TABLE upgrade_test.contacts;
SELECT tbl, kind FROM leadscore.attachments;

------------------------------------------------------------------------
-- The upgraded extension is a fresh install: both differences empty.
------------------------------------------------------------------------
SELECT * FROM upgrade_test.footprint() EXCEPT SELECT * FROM upgrade_test.fresh;
SELECT * FROM upgrade_test.fresh EXCEPT SELECT * FROM upgrade_test.footprint();
-- (and the footprint is not trivially empty)
SELECT count(*) > 80 AS objects_compared FROM upgrade_test.fresh;

------------------------------------------------------------------------
-- 0.2, with data, to 0.3: the same checks.
------------------------------------------------------------------------
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore VERSION '0.2';
RESET client_min_messages;
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';
TRUNCATE upgrade_test.activities;
CREATE TABLE upgrade_test.contacts (id bigint PRIMARY KEY, job_title text, company text);
SELECT leadscore.create_grade_profile('icp') > 0 AS profile;
SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of') > 0 AS criterion;
SELECT leadscore.create_model('crm', half_life => '30 days', grade_profile => 'icp', account_threshold => 50) > 0 AS model;
SELECT leadscore.add_rule('crm', 'demo_request', 80, stage => 'decision', max_count => 1) > 0 AS rule;
SELECT leadscore.add_rule('crm', 'page_view', 15, stage => 'consideration', condition => 'url LIKE ''/pricing%''',
	max_count => 3) > 0 AS rule;
SELECT leadscore.set_notify('tick');
SELECT leadscore.attach_activities('upgrade_test.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('upgrade_test.contacts', 'id', account_column => 'company');
INSERT INTO upgrade_test.contacts VALUES (1, 'Head of IT', 'acme'), (2, 'Intern', 'acme'), (3, NULL, 'initech');
INSERT INTO upgrade_test.activities (lead_id, kind, url, at)
SELECT 1 + i % 3, CASE WHEN i % 7 = 0 THEN 'demo_request' ELSE 'page_view' END,
	CASE WHEN i % 2 = 0 THEN '/pricing/' || i ELSE '/blog/' || i END,
	now() - i * interval '9 hours'
FROM generate_series(1, 40) i;
DELETE FROM upgrade_test.activities WHERE id % 5 = 0;
DROP TABLE upgrade_test.before, upgrade_test.events_before;
CREATE TABLE upgrade_test.before AS
SELECT model, lead_id, score_key, stage, grade, status, activity_count, mql_at, sql_at
FROM leadscore.lead_scores;
CREATE TABLE upgrade_test.events_before AS SELECT * FROM leadscore.events;
CREATE TABLE upgrade_test.accounts_before AS SELECT * FROM leadscore.account_scores;
SELECT model, lead_id, round(score::numeric, 1) AS score, stage, grade, status FROM leadscore.lead_scores
ORDER BY model, lead_id;

ALTER EXTENSION leadscore UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';
SELECT * FROM (
	SELECT model, lead_id, score_key, stage, grade, status, activity_count, mql_at, sql_at
	FROM leadscore.lead_scores
	EXCEPT SELECT * FROM upgrade_test.before) changed;
SELECT * FROM upgrade_test.before EXCEPT
SELECT model, lead_id, score_key, stage, grade, status, activity_count, mql_at, sql_at
FROM leadscore.lead_scores;
SELECT count(*) AS events_changed FROM (
	(SELECT * FROM leadscore.events EXCEPT SELECT * FROM upgrade_test.events_before)
	UNION ALL (SELECT * FROM upgrade_test.events_before EXCEPT SELECT * FROM leadscore.events)) e;
SELECT count(*) AS accounts_changed FROM (
	SELECT model, account_id, score_key, status FROM leadscore.account_scores
	EXCEPT SELECT model, account_id, score_key, status FROM upgrade_test.accounts_before) a;
-- The settings carry over, the payload mode is new and full.
SELECT notify, notify_payload FROM leadscore.settings;
SELECT * FROM leadscore.verify();
INSERT INTO upgrade_test.activities (lead_id, kind, url, at) VALUES (3, 'demo_request', NULL, now());
UPDATE upgrade_test.contacts SET job_title = 'Head of Sales' WHERE id = 2;
SELECT model, lead_id, round(score::numeric, 1) AS score, grade, status FROM leadscore.lead_scores
WHERE lead_id IN (2, 3) ORDER BY model, lead_id;
SELECT leadscore.rescore() AS rescored;
SELECT * FROM leadscore.verify();
SELECT * FROM upgrade_test.footprint() EXCEPT SELECT * FROM upgrade_test.fresh;
SELECT * FROM upgrade_test.fresh EXCEPT SELECT * FROM upgrade_test.footprint();

-- Back to a fresh extension for the tests that follow.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA upgrade_test CASCADE;
