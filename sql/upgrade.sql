-- The upgrade paths 0.1 -> 0.3 and 0.2 -> 0.3: install the old version,
-- score data, ALTER EXTENSION leadscore UPDATE, and check that scores,
-- grades, events and the attached triggers carry over, verify() stays
-- empty, and the upgraded extension is the same as a fresh install: the
-- same member objects, with the same privileges, security, settings and
-- triggers (we ship the base and the chain, so fresh == upgraded).
SET client_min_messages = warning;
CREATE SCHEMA upgrade_test;
RESET client_min_messages;
SET timezone = 'UTC';

-- What an installed leadscore is made of: one row per member object, with
-- what privileges and behaviour hang on it, plus the triggers on its
-- tables and which tables pg_dump keeps.  ACLs are compared item by item.
CREATE FUNCTION upgrade_test.footprint() RETURNS TABLE (object text, detail text)
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	WITH ext AS (SELECT oid, extconfig FROM pg_extension WHERE extname = 'leadscore'),
	members AS (
		SELECT d.classid, d.objid FROM pg_depend d, ext
		WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	),
	acl AS (
		SELECT m.classid, m.objid,
			(SELECT string_agg(a::text, ',' ORDER BY a::text)
			 FROM unnest(coalesce(p.proacl, c.relacl)) a) AS items
		FROM members m
		LEFT JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
		LEFT JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
	)
	SELECT pg_describe_object(m.classid, m.objid, 0),
		concat_ws(' | ', 'acl ' || a.items,
			(SELECT format('volatile %s, strict %s, secdef %s, config %s', p.provolatile, p.proisstrict,
				p.prosecdef, p.proconfig) FROM pg_proc p WHERE m.classid = 'pg_proc'::regclass AND p.oid = m.objid),
			(SELECT format('kind %s, columns %s', c.relkind,
				(SELECT string_agg(format('%s %s', att.attname, format_type(att.atttypid, att.atttypmod)), ', '
					ORDER BY att.attnum)
				 FROM pg_attribute att WHERE att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped))
			 FROM pg_class c WHERE m.classid = 'pg_class'::regclass AND c.oid = m.objid),
			(SELECT format('event %s, enabled %s', e.evtevent, e.evtenabled)
			 FROM pg_event_trigger e WHERE m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid))
	FROM members m JOIN acl a USING (classid, objid)
	UNION ALL
	SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass, t.tgfoid::regprocedure::text || ' ' || t.tgtype
	FROM pg_trigger t JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = t.tgrelid
	WHERE NOT t.tgisinternal
	UNION ALL
	SELECT 'dumped by pg_dump', c::regclass::text FROM ext, unnest(ext.extconfig) c
	UNION ALL
	SELECT 'schema leadscore', (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(n.nspacl) a)
	FROM pg_namespace n WHERE n.nspname = 'leadscore'
$$;

-- A fresh install of the default version (pg_regress preloaded it).
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';
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
SELECT has_function_privilege('public', 'leadscore.create_model(text,interval,float8,float8,leadscore.grade,text[],text,text,float8,float8,leadscore.grade,boolean,float8)', 'EXECUTE') AS public_may_create_models,
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
