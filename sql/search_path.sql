-- No leadscore code trusts the caller's search_path.  A user plants look-
-- alike functions and operators (text =, bigint =, integer =, regclass =,
-- lower(), now(), pg_notify(), unnest(), array_fill(), ...) in public and
-- in a schema of her own, puts them first on the search_path, and then
-- every entry point, view and trigger runs: writes of every kind as the
-- CRM writer (including the end-of-statement reload of capped leads, which
-- once ran as the extension owner with the writer's search_path), admin
-- functions as a superuser and as leadscore_admin, reader functions, and
-- restore-time inserts.  A planted object that runs raises a WARNING naming
-- itself and the role it ran as, so any call shows up in the output (even
-- in a statement that then fails and rolls back); none may.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP ROLE IF EXISTS regress_mallory;
DROP ROLE IF EXISTS regress_sp_admin;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE ROLE regress_mallory NOLOGIN;
CREATE ROLE regress_sp_admin NOLOGIN IN ROLE leadscore_admin;
CREATE SCHEMA sp_crm AUTHORIZATION regress_mallory;
CREATE SCHEMA regress_evil AUTHORIZATION regress_mallory;
GRANT CREATE ON SCHEMA public TO regress_mallory;
GRANT USAGE ON SCHEMA sp_crm, regress_evil TO PUBLIC;

------------------------------------------------------------------------
-- Mallory's traps, the same in public and in regress_evil.
------------------------------------------------------------------------
SET ROLE regress_mallory;
CREATE TABLE sp_crm.activities (id bigserial PRIMARY KEY, lead_id text, kind text, at timestamptz, url text);
CREATE TABLE sp_crm.contacts (id text PRIMARY KEY, job_title text);
GRANT SELECT, TRIGGER ON sp_crm.activities, sp_crm.contacts TO regress_sp_admin;
DO $do$
DECLARE
	s text;
	-- name, arguments, result, the same without the trap
	fns text[] := ARRAY[
		['lower', 'text', 'text', 'pg_catalog.lower($1)'],
		['upper', 'text', 'text', 'pg_catalog.upper($1)'],
		['btrim', 'text', 'text', 'pg_catalog.btrim($1)'],
		['now', '', 'timestamptz', 'pg_catalog.now()'],
		['pg_notify', 'text, text', 'void', 'pg_catalog.pg_notify($1, $2)'],
		['json_build_object', 'text, bigint', 'json', 'pg_catalog.json_build_object($1, $2)'],
		['to_jsonb', 'anyelement', 'jsonb', 'pg_catalog.to_jsonb($1)'],
		['unnest', 'text[]', 'SETOF text', 'pg_catalog.unnest($1)'],
		['unnest', 'bigint[]', 'SETOF bigint', 'pg_catalog.unnest($1)'],
		['unnest', 'double precision[]', 'SETOF double precision', 'pg_catalog.unnest($1)'],
		['array_fill', 'double precision, integer[]', 'double precision[]', 'pg_catalog.array_fill($1, $2)'],
		['format', 'text, regclass', 'text', 'pg_catalog.pg_catalog.format($1, $2)'],
		['format', 'text, text', 'text', 'pg_catalog.pg_catalog.format($1, $2)'],
		['date_trunc', 'text, timestamptz', 'timestamptz', 'pg_catalog.date_trunc($1, $2)'],
		['power', 'double precision, double precision', 'double precision', 'pg_catalog.power($1, $2)'],
		['generate_series', 'integer, integer', 'SETOF integer', 'pg_catalog.generate_series($1, $2)'],
		['has_table_privilege', 'oid, regclass, text', 'boolean', 'pg_catalog.has_table_privilege($1, $2, $3)'],
		['quote_literal', 'text', 'text', 'pg_catalog.quote_literal($1)'],
		['cardinality', 'text[]', 'integer', 'pg_catalog.cardinality($1)']
	];
	-- operator, left, right, the same without the trap
	ops text[] := ARRAY[
		['=', 'text', 'text', '$1 OPERATOR(pg_catalog.=) $2'],
		['=', 'bigint', 'bigint', '$1 OPERATOR(pg_catalog.=) $2'],
		['=', 'integer', 'integer', '$1 OPERATOR(pg_catalog.=) $2'],
		['=', 'regclass', 'regclass', '$1::oid OPERATOR(pg_catalog.=) $2::oid'],
		['=', 'name', 'name', '$1 OPERATOR(pg_catalog.=) $2'],
		['<>', 'text', 'text', '$1 OPERATOR(pg_catalog.<>) $2'],
		['<=', 'timestamptz', 'timestamptz', '$1 OPERATOR(pg_catalog.<=) $2'],
		['>=', 'double precision', 'double precision', '$1 OPERATOR(pg_catalog.>=) $2'],
		['~~', 'text', 'text', '$1 OPERATOR(pg_catalog.~~) $2'],
		['||', 'text', 'text', '$1 OPERATOR(pg_catalog.||) $2']
	];
	body text;
	i integer;
BEGIN
	FOREACH s IN ARRAY ARRAY['public', 'regress_evil'] LOOP
		FOR i IN 1 .. pg_catalog.array_length(fns, 1) LOOP
			body := CASE WHEN fns[i][3] LIKE 'SETOF%' THEN pg_catalog.format('RETURN QUERY SELECT %s;', fns[i][4])
				WHEN fns[i][3] = 'void' THEN pg_catalog.format('PERFORM %s; RETURN;', fns[i][4])
				ELSE pg_catalog.format('RETURN %s;', fns[i][4]) END;
			EXECUTE pg_catalog.format($f$CREATE FUNCTION %I.%I(%s) RETURNS %s LANGUAGE plpgsql AS $b$
				BEGIN
					RAISE WARNING 'planted %s.%s(%s) ran as %%', current_user;
					%s
				END $b$$f$, s, fns[i][1], fns[i][2], fns[i][3], s, fns[i][1], fns[i][2], body);
		END LOOP;
		FOR i IN 1 .. pg_catalog.array_length(ops, 1) LOOP
			EXECUTE pg_catalog.format($f$CREATE FUNCTION %I.trap_%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS $b$
				BEGIN
					RAISE WARNING 'planted operator %s.%s(%s, %s) ran as %%', current_user;
					RETURN %s;
				END $b$$f$, s, i, ops[i][2], ops[i][3], CASE WHEN ops[i][1] = '||' THEN 'text' ELSE 'boolean' END,
				s, ops[i][1], ops[i][2], ops[i][3], ops[i][4]);
			EXECUTE pg_catalog.format('CREATE OPERATOR %I.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = %I.trap_%s)',
				s, ops[i][1], ops[i][2], ops[i][3], s, i);
		END LOOP;
	END LOOP;
END $do$;
RESET ROLE;
SELECT n.nspname, count(*) AS traps FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('public', 'regress_evil') GROUP BY 1 ORDER BY 1;

-- The traps work: unqualified SQL on this search_path falls into them.
SET search_path = regress_evil, public, pg_catalog;
SELECT lower('X') AS trapped_lower, 'a'::text = 'a' AS trapped_equals, (SELECT count(*) FROM unnest(ARRAY[1::bigint])) AS trapped_unnest;

------------------------------------------------------------------------
-- Everything below runs on that search_path.  Admin functions, as the
-- superuser that installed leadscore:
------------------------------------------------------------------------
SELECT leadscore.create_grade_profile('icp') > 0 AS ok;
SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of') > 0 AS ok;
SELECT leadscore.add_criterion('icp', 'job_title = ''Intern''', -2) > 0 AS ok;
SELECT leadscore.remove_criterion(c.id) FROM leadscore.grade_criteria c WHERE c.steps OPERATOR(pg_catalog.=) -2;
SELECT leadscore.create_model('m', half_life => '7 days', sql_threshold => 70, grade_profile => 'icp', sql_min_grade => 'C') > 0 AS ok;
SELECT leadscore.create_model('flat', half_life => NULL) > 0 AS ok;
SELECT leadscore.add_rule('m', 'demo_request', 60, stage => 'decision', max_count => 1) > 0 AS ok;
SELECT leadscore.add_rule('m', 'page_view', 20, stage => 'consideration', condition => 'url LIKE ''/pricing%''',
	max_count => 2) > 0 AS ok;
SELECT leadscore.add_rule('flat', 'page_view', 5) > 0 AS ok;
SELECT leadscore.add_rule('flat', 'spam', 1) > 0 AS ok;
SELECT leadscore.remove_rule(r.id) FROM leadscore.rules r WHERE r.activity_type OPERATOR(pg_catalog.=) 'spam';
SELECT leadscore.attach_activities('sp_crm.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('sp_crm.contacts', 'id');
SELECT leadscore.set_notify('trigger');

------------------------------------------------------------------------
-- Every kind of write, as Mallory (the triggers run as the owner).
------------------------------------------------------------------------
SET ROLE regress_mallory;
SET search_path = regress_evil, public, pg_catalog;
INSERT INTO sp_crm.contacts VALUES ('a', 'Head of IT'), ('b', 'Intern');
UPDATE sp_crm.contacts SET job_title = 'Head of Sales' WHERE id OPERATOR(pg_catalog.=) 'b';
INSERT INTO sp_crm.activities (lead_id, kind, at, url) VALUES
	('a', 'demo_request', pg_catalog.now() - interval '3 days', NULL),
	('a', 'demo_request', pg_catalog.now() - interval '2 days', NULL),
	('a', 'demo_request', pg_catalog.now() - interval '1 day', NULL),
	('a', 'page_view', pg_catalog.now() - interval '1 day', '/pricing/a'),
	('b', 'page_view', pg_catalog.now(), '/pricing/b'),
	('c', 'demo_request', pg_catalog.now(), NULL);
-- Deleting and moving counted rows of capped rules: the reload that
-- recomputes those leads runs at the end of the statement.
DELETE FROM sp_crm.activities WHERE lead_id OPERATOR(pg_catalog.=) 'a' AND at > pg_catalog.now() - interval '36 hours' AND kind OPERATOR(pg_catalog.=) 'demo_request';
UPDATE sp_crm.activities SET at = at + interval '1 hour' WHERE lead_id OPERATOR(pg_catalog.=) 'a';
UPDATE sp_crm.activities SET lead_id = 'b' WHERE kind OPERATOR(pg_catalog.=) 'page_view' AND lead_id OPERATOR(pg_catalog.=) 'a';
INSERT INTO sp_crm.activities (id, lead_id, kind, at) VALUES (1, 'a', 'demo_request', pg_catalog.now())
	ON CONFLICT (id) DO UPDATE SET at = excluded.at, lead_id = 'c';
WITH moved AS (DELETE FROM sp_crm.activities WHERE lead_id OPERATOR(pg_catalog.=) 'c' RETURNING lead_id, kind, at)
INSERT INTO sp_crm.activities (lead_id, kind, at) SELECT 'd', kind, at FROM moved;
COPY sp_crm.activities (lead_id, kind, at, url) FROM stdin;
e	page_view	2026-01-01 00:00:00+00	/pricing/e
e	demo_request	2026-01-02 00:00:00+00	\N
\.
BEGIN;
TRUNCATE sp_crm.contacts;
TRUNCATE sp_crm.activities;
ROLLBACK;
DELETE FROM sp_crm.contacts WHERE id OPERATOR(pg_catalog.=) 'a';
RESET ROLE;
-- (a handoff to sales was notified from the trigger: pg_notify ran, not a trap)
SELECT count(*) > 0 AS handoffs_notified FROM leadscore.events
WHERE to_value OPERATOR(pg_catalog.=) 'sql' AND notified_at IS NOT NULL;

------------------------------------------------------------------------
-- Reader functions and views, as a superuser (the usual victim of a
-- poisoned search_path) and as Mallory.
------------------------------------------------------------------------
SET search_path = regress_evil, public, pg_catalog;
SELECT model, lead_id, stage, grade, status FROM leadscore.lead_scores ORDER BY model, lead_id;
SELECT lead_id, status FROM leadscore.top_leads('m', 10) ORDER BY lead_id;
SELECT count(*) AS stale FROM leadscore.stale_leads('m', '0 days');
SELECT rule, activities, counted FROM leadscore.explain('m', 'a'::text) ORDER BY rule;
SELECT leadscore.dna('b'::text) ->> 'lead_id' AS dna;
SELECT leadscore.grade('icp', '{"job_title": "Head of Ops"}'), leadscore.check_condition('url LIKE ''/x%''');
SELECT criterion, matched FROM leadscore.explain_grade('icp', '{"job_title": "Head of Ops"}');
SELECT count(leadscore.event_payload(e)) AS payloads FROM leadscore.events e;
SELECT count(*) AS stats_rows FROM leadscore.stats;
SELECT max(g), min(g), 'B'::leadscore.grade + 1 AS plus FROM unnest(ARRAY['A', 'C']::leadscore.grade[]) g;
SET ROLE regress_mallory;
SET search_path = regress_evil, public, pg_catalog;
SELECT count(*) AS scores FROM leadscore.lead_scores;
SELECT count(*) AS top FROM leadscore.top_leads('m');
RESET ROLE;

------------------------------------------------------------------------
-- Integrity, lifecycle and configuration functions, as the superuser and
-- as a leadscore_admin member.
------------------------------------------------------------------------
SET search_path = regress_evil, public, pg_catalog;
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore() AS rescored;
SELECT leadscore.tick(pg_catalog.now() + interval '30 days') >= 0 AS ticked;
SELECT leadscore.set_notify('tick');
SELECT leadscore.tick(pg_catalog.now() + interval '31 days') >= 0 AS relayed;
SET ROLE regress_sp_admin;
SET search_path = regress_evil, public, pg_catalog;
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore('m') AS rescored;
SELECT leadscore.tick(pg_catalog.now() + interval '60 days') >= 0 AS ticked;
SELECT leadscore.add_rule('flat', 'webinar', 7) > 0 AS ok;
SELECT leadscore.detach('sp_crm.contacts');
SELECT leadscore.attach_leads('sp_crm.contacts', 'id');
RESET ROLE;

-- Restore-time inserts (pg_restore replays the settings row).
SET search_path = regress_evil, public, pg_catalog;
INSERT INTO leadscore.settings (lead_key_type, notify) VALUES ('text', 'trigger');
SELECT lead_key_type, notify FROM leadscore.settings;

-- A dropped attached table detaches itself (event trigger).
SET ROLE regress_mallory;
SET search_path = regress_evil, public, pg_catalog;
DROP TABLE sp_crm.contacts;
RESET ROLE;
SET search_path = regress_evil, public, pg_catalog;
SELECT tbl FROM leadscore.attachments;
SELECT leadscore.detach('sp_crm.activities');
SELECT leadscore.drop_model('flat');
SELECT leadscore.drop_grade_profile('icp');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.drop_model('m');
SELECT leadscore.drop_grade_profile('icp');
RESET search_path;

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
-- Mallory's traps in public and her grants go with her.
DROP OWNED BY regress_mallory;
DROP ROLE regress_mallory;
DROP ROLE regress_sp_admin;
