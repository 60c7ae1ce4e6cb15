-- Hostile and absurd input: clear errors (with SQLSTATEs) or correct
-- answers, in bounded time, and never a crash.
--   * conditions of 1 MB, nested 100,000 deep, 100,000 operators long
--   * regular expressions that take exponential time in a backtracking
--     engine, on 100,000-character values (RE2 is linear)
--   * SQL injection in conditions, names, activity types, table and column
--     names
--   * NaN and infinities in points, thresholds and activity values;
--     infinite and far-off times; tick() with a far-future now
--   * huge text keys and names; invalid UTF-8 (in a SQL_ASCII database,
--     where text may hold any bytes)
--   * 10,000 rules in one model
--   * NULL in every argument of every function
--   * a table altered, renamed or dropped under its attachment
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA hi;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

------------------------------------------------------------------------
-- The condition language's limits (README: 65,536 bytes, 200 levels,
-- 10,000 operators, operands and list items): 54001.
------------------------------------------------------------------------
SELECT leadscore.check_condition('url = ''' || repeat('x', 1000000) || '''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition(repeat('(', 100000) || 'a = 1' || repeat(')', 100000));
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition(repeat('(', 30000) || 'a = 1' || repeat(')', 30000));
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition(repeat('NOT ', 16000) || 'a');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition(repeat('a = 1 AND ', 6000) || 'a = 1');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a IN (' || (SELECT string_agg(i::text, ',') FROM generate_series(1, 12000) i) || ')');
\echo :LAST_ERROR_SQLSTATE
-- Right at the limits, they parse.
SELECT length(leadscore.check_condition(repeat('(', 200) || 'a = 1' || repeat(')', 200))) AS nested_200;
SELECT length(leadscore.check_condition('a IN (' || (SELECT string_agg(i::text, ',') FROM generate_series(1, 9000) i) || ')'))
	AS in_9000;

------------------------------------------------------------------------
-- A CRM table to score, with hostile rules.
------------------------------------------------------------------------
CREATE TABLE hi.activities (id bigserial PRIMARY KEY, lead_id text, kind text, at timestamptz,
	duration_s float8, url text);
SELECT leadscore.create_model('m', half_life => '1 day', mql_threshold => 20, sql_threshold => 40) > 0 AS model;
SELECT leadscore.create_model('flat', half_life => NULL, mql_threshold => 20, sql_threshold => 40) > 0 AS model;
SET client_min_messages = warning;
SELECT leadscore.attach_activities('hi.activities', 'lead_id', 'kind', 'at');

-- The same limits when a rule or criterion is added.
SELECT leadscore.add_rule('m', 'visit', 1, condition => 'url = ''' || repeat('x', 1000000) || '''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'visit', 1, condition => repeat('(', 100000) || 'a = 1' || repeat(')', 100000));
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_grade_profile('p') > 0 AS profile;
SELECT leadscore.add_criterion('p', repeat('NOT ', 16000) || 'a', 1);
\echo :LAST_ERROR_SQLSTATE

-- Patterns that backtrack exponentially in other engines.  RE2 answers in
-- linear time; bad patterns fail when the rule is added (2201B).
SELECT leadscore.add_rule('m', 'page_view', 10, name => 'nested_star', condition => 'url ~ ''(a*)*b''') > 0 AS rule;
SELECT leadscore.add_rule('m', 'page_view', 10, name => 'alternation', condition => 'url ~ ''^(a|aa)+$''') > 0 AS rule;
SELECT leadscore.add_rule('m', 'page_view', 10, name => 'classic',
	condition => 'url ~* ''^(([a-z])+.)+[A-Z]([a-z])+$''') > 0 AS rule;
SELECT leadscore.add_rule('m', 'page_view', 10, name => 'repeat_group', condition => 'url ~ ''(.*a){20}''') > 0 AS rule;
SELECT leadscore.add_rule('m', 'page_view', 10, name => 'like_stars',
	condition => 'url ILIKE ''%a%a%a%a%a%a%a%a%a%a%b''') > 0 AS rule;
SELECT leadscore.add_rule('m', 'x', 1, condition => 'url ~ ''(a)\1''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'x', 1, condition => 'url ~ ''a{1001}''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'x', 1, condition => 'url ~ ''((((a{100}){100}){100}){100})''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'x', 1, condition => 'url ~ ''(?=a)''');
\echo :LAST_ERROR_SQLSTATE
-- 100,000 a's: no pattern above matches but "^(a|aa)+$" and "(.*a){20}".
INSERT INTO hi.activities (lead_id, kind, at, url)
SELECT 'regex', 'page_view', now(), repeat('a', 100000) FROM generate_series(1, 5);
INSERT INTO hi.activities (lead_id, kind, at, url) VALUES ('regex_b', 'page_view', now(), repeat('a', 100000) || 'b');
SELECT r.rule, r.activities FROM leadscore.explain('m', 'regex'::text) r ORDER BY r.rule;
SELECT r.rule, r.activities FROM leadscore.explain('m', 'regex_b'::text) r ORDER BY r.rule;

------------------------------------------------------------------------
-- SQL injection: conditions cannot reach SQL (no function calls, no
-- subqueries, no statement separators), and names and values are data.
------------------------------------------------------------------------
CREATE TABLE hi.sentinel (still_here boolean);
INSERT INTO hi.sentinel VALUES (true);
SELECT leadscore.check_condition('url = ''x''; DROP TABLE hi.sentinel; --''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('url = (SELECT 1)');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('lower(url) = ''x''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('pg_sleep(10) IS NULL');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('url = $$x$$');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('url::text = ''x''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('url = ''a'' UNION SELECT 1');
\echo :LAST_ERROR_SQLSTATE
-- A backslash does not escape a quote: this is the literal \ and a test.
SELECT leadscore.check_condition('url = ''\'' OR 1 = 1');
-- Names, activity types and values with quotes, semicolons and comments.
SELECT leadscore.create_model('x''); DROP TABLE hi.sentinel; --', half_life => NULL) > 0 AS model;
SELECT leadscore.add_rule('x''); DROP TABLE hi.sentinel; --', '''; DROP TABLE hi.sentinel; --', 7,
	name => '"; DROP TABLE hi.sentinel; --', condition => 'url = ''''''); DROP TABLE hi.sentinel; --''') > 0 AS rule;
SELECT leadscore.create_grade_profile('%s%s%n''"') > 0 AS profile;
SELECT leadscore.add_criterion('%s%s%n''"', 'job = ''%s''', 1, '%n%n') > 0 AS criterion;
INSERT INTO hi.activities (lead_id, kind, at, url) VALUES
	('''; DROP TABLE hi.sentinel; --', '''; DROP TABLE hi.sentinel; --', now(), '''); DROP TABLE hi.sentinel; --');
SELECT model, lead_id, score FROM leadscore.lead_scores WHERE model LIKE 'x%' ORDER BY lead_id;
-- A table and columns whose names are injection attempts.
-- (url and duration_s: every model's rules must fit every attached table)
CREATE TABLE hi."act""; DROP TABLE hi.sentinel; --" ("lead ""id""; --" text, "kind)" text, "at'" timestamptz,
	url text, duration_s float8);
SELECT leadscore.attach_activities('hi."act""; DROP TABLE hi.sentinel; --"', 'lead "id"; --', 'kind)', 'at''');
INSERT INTO hi."act""; DROP TABLE hi.sentinel; --" VALUES ('evil', '''; DROP TABLE hi.sentinel; --', now(),
	'''); DROP TABLE hi.sentinel; --');
SELECT model, lead_id, score FROM leadscore.lead_scores WHERE lead_id = 'evil';
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore() > 0 AS rescored;
SELECT leadscore.detach('hi."act""; DROP TABLE hi.sentinel; --"');
SELECT still_here FROM hi.sentinel;

------------------------------------------------------------------------
-- NaN and infinities.
------------------------------------------------------------------------
SELECT leadscore.add_rule('m', 'x', 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'x', 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'x', '-Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'x', 1e308);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('m', 'x', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', mql_threshold => 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', sql_threshold => 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', mql_threshold => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', max_score => 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', max_score => 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', stage_min_points => 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', stage_min_points => '-Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', half_life => '-1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', half_life => '1 microsecond');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS bad_models FROM leadscore.models WHERE name = 'bad';
-- Activity values: NaN sorts above every number, as in PostgreSQL; rows
-- with an infinite time are skipped and counted.
SELECT leadscore.add_rule('flat', 'visit', 10, condition => 'duration_s >= 30') > 0 AS rule;
INSERT INTO hi.activities (lead_id, kind, at, duration_s) VALUES
	('nan', 'visit', '2026-01-01', 'NaN'), ('inf', 'visit', '2026-01-01', 'Infinity'),
	('ninf', 'visit', '2026-01-01', '-Infinity'), ('t_inf', 'visit', 'infinity', 40),
	('t_ninf', 'visit', '-infinity', 40), ('t_far', 'visit', '20000-01-01', 40), ('t_old', 'visit', '4000-01-01 BC', 40);
SELECT lead_id, score, activity_count FROM leadscore.lead_scores WHERE model = 'flat' ORDER BY lead_id;
SELECT rows_skipped FROM leadscore.stats WHERE source = 'hi.activities'::regclass;
-- tick() with a far-future now is refused (0.2 took it, and every later
-- tick did nothing: edge_times.sql has reset_tick()); the scores stay
-- readable at the real time (the epoch never moves more than 320
-- half-lives past the clock).
SELECT leadscore.tick(now() + interval '1000 years') >= 0 AS ticked;
SELECT count(*) AS readable, bool_and(score >= 0) AS finite FROM leadscore.lead_scores;
SELECT extract(epoch FROM m.epoch - now()) / extract(epoch FROM m.half_life) <= 512 AS epoch_near_the_clock
FROM leadscore.models m WHERE m.name = 'm';
SELECT leadscore.tick(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.tick('infinity');
\echo :LAST_ERROR_SQLSTATE

------------------------------------------------------------------------
-- Huge keys and names.  Keys up to 1 kB score; longer ones are bad data,
-- skipped and counted like NULL keys (an index entry holds about 2.7 kB),
-- and never fail the CRM's insert.
------------------------------------------------------------------------
SELECT rows_skipped AS skipped_before FROM leadscore.stats WHERE source = 'hi.activities'::regclass \gset
INSERT INTO hi.activities (lead_id, kind, at, duration_s) VALUES (repeat('k', 1000), 'visit', '2026-01-01', 40);
INSERT INTO hi.activities (lead_id, kind, at, duration_s) VALUES (repeat('k', 2000), 'visit', '2026-01-01', 40);
INSERT INTO hi.activities (lead_id, kind, at, duration_s) VALUES (repeat('k', 1000000), 'visit', '2026-01-01', 40);
INSERT INTO hi.activities (lead_id, kind, at, duration_s)
VALUES ((SELECT string_agg(md5(i::text), '') FROM generate_series(1, 100) i), 'visit', '2026-01-01', 40);
SELECT max(length(lead_id)) AS longest_key FROM leadscore.lead_state;
SELECT rows_skipped - :skipped_before AS long_keys_skipped FROM leadscore.stats WHERE source = 'hi.activities'::regclass;
SELECT leadscore.create_model(repeat('n', 1000000));
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_rule('flat', repeat('t', 1000000), 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.verify();

------------------------------------------------------------------------
-- 10,000 rules in one model.  add_rule() re-checks every rule against
-- every attached table, so adding them one by one costs O(n^2) (minutes;
-- docs/trust.md); they are loaded in one statement here, then checked,
-- scored, rescored, verified and explained, and one more is added.
------------------------------------------------------------------------
SELECT leadscore.create_model('big', half_life => NULL) > 0 AS model;
INSERT INTO leadscore.rules (model_id, name, activity_type, points, condition)
SELECT (SELECT id FROM leadscore.models WHERE name = 'big'), 'r' || i, 't' || (i % 100), 1,
	leadscore.check_condition('duration_s >= ' || (i % 50))
FROM generate_series(1, 10000) i;
SELECT leadscore._check_tables();
SELECT leadscore._invalidate();
INSERT INTO hi.activities (lead_id, kind, at, duration_s)
SELECT 'big' || (i % 100), 't' || (i % 100), '2026-01-01', i % 60 FROM generate_series(1, 10000) i;
SELECT count(*) AS leads, sum(score) AS points FROM leadscore.lead_scores WHERE model = 'big';
SELECT sum(least(floor(a.duration_s)::int, 49) + 1) AS expected_points
FROM hi.activities a WHERE a.kind LIKE 't%';
SELECT count(*) AS rules_explained FROM leadscore.explain('big', 'big7'::text);
SELECT leadscore.add_rule('big', 'one_more', 1) > 0 AS added;
SELECT leadscore.rescore('big') AS rescored;
SELECT * FROM leadscore.verify('big');

------------------------------------------------------------------------
-- NULL in every argument position of every function of the extension
-- (the others plausible), each call rolled back: errors only, no crash,
-- no internal error.
------------------------------------------------------------------------
CREATE TEMP TABLE null_calls (fn text, null_arg int, outcome text);
DO $$
DECLARE
	f record;
	k integer;
	i integer;
	args text[];
	plausible text;
BEGIN
	FOR f IN
		SELECT p.oid::regproc::text AS name, p.oid::regprocedure::text AS sig, p.proargtypes::regtype[] AS types,
			p.pronargs
		FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
		WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
			AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore')
			AND p.prokind = 'f'
			AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
			AND NOT p.proargtypes::regtype[] && ARRAY['internal', 'cstring']::regtype[]
		ORDER BY 2
	LOOP
		-- k = 0: every argument NULL; k > 0: only argument k.
		FOR k IN 0 .. f.pronargs LOOP
			args := '{}';
			FOR i IN 1 .. f.pronargs LOOP
				plausible := CASE f.types[i - 1]
					WHEN 'text'::regtype THEN '''m'''
					WHEN 'integer'::regtype THEN '1'
					WHEN 'bigint'::regtype THEN '1'
					WHEN 'double precision'::regtype THEN '1'
					WHEN 'boolean'::regtype THEN 'false'
					WHEN 'interval'::regtype THEN '''1 day'''
					WHEN 'timestamp with time zone'::regtype THEN 'now()'
					WHEN 'regclass'::regtype THEN '''hi.activities'''
					WHEN 'regtype'::regtype THEN '''text'''
					WHEN 'name'::regtype THEN '''lead_id'''
					WHEN 'text[]'::regtype THEN '''{awareness}'''
					WHEN 'double precision[]'::regtype THEN '''{1,2,3}'''
					WHEN 'jsonb'::regtype THEN '''{"a": 1}'''
					WHEN 'leadscore.grade'::regtype THEN '''B'''
					WHEN 'anyelement'::regtype THEN '''regex''::text'
					WHEN 'leadscore.events'::regtype THEN '(SELECT e FROM leadscore.events e LIMIT 1)'
					ELSE 'NULL' END;
				args := args || CASE WHEN k = 0 OR k = i THEN format('NULL::%s',
					CASE WHEN f.types[i - 1] = 'anyelement'::regtype THEN 'text' ELSE f.types[i - 1]::text END)
					ELSE format('%s::%s', plausible,
						CASE WHEN f.types[i - 1] = 'anyelement'::regtype THEN 'text' ELSE f.types[i - 1]::text END) END;
			END LOOP;
			BEGIN
				EXECUTE format('SELECT %s(%s)', f.name, array_to_string(args, ', '));
				-- Whatever it did is rolled back.
				RAISE EXCEPTION 'done' USING ERRCODE = 'LS000';
			EXCEPTION WHEN OTHERS THEN
				INSERT INTO null_calls VALUES (f.sig, k, CASE WHEN SQLSTATE = 'LS000' THEN 'returned' ELSE SQLSTATE END);
			END;
		END LOOP;
	END LOOP;
END $$;
SELECT count(*) > 150 AS calls, count(DISTINCT fn) > 40 AS functions FROM null_calls;
SELECT * FROM null_calls WHERE outcome LIKE 'XX%' OR outcome LIKE '58%';

------------------------------------------------------------------------
-- The table's owner changes it under its attachment.
------------------------------------------------------------------------
CREATE TABLE hi.altered (lead_id text, kind text, at timestamptz, url text, duration_s float8);
SELECT leadscore.add_rule('flat', 'alt', 5, condition => 'url LIKE ''/p%''') > 0 AS rule;
SELECT leadscore.attach_activities('hi.altered', 'lead_id', 'kind', 'at');
INSERT INTO hi.altered VALUES ('alt', 'alt', '2026-01-01', '/p', 1);
-- A retyped lead column (read as the old type, this crashed the backend).
ALTER TABLE hi.altered ALTER COLUMN lead_id TYPE bigint USING 1;
INSERT INTO hi.altered VALUES (2, 'alt', '2026-01-01', '/p', 1);
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE hi.altered ALTER COLUMN lead_id TYPE varchar;
INSERT INTO hi.altered VALUES ('alt', 'alt', '2026-01-01', '/p', 1);
-- A retyped time column, a column a condition reads, a renamed column.
ALTER TABLE hi.altered ALTER COLUMN at TYPE text;
INSERT INTO hi.altered VALUES ('alt', 'alt', '2026-01-01', '/p', 1);
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE hi.altered ALTER COLUMN at TYPE timestamptz USING at::timestamptz;
ALTER TABLE hi.altered ALTER COLUMN url TYPE integer USING 1;
INSERT INTO hi.altered VALUES ('alt', 'alt', '2026-01-01', 1, 1);
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE hi.altered ALTER COLUMN url TYPE text;
-- Renaming an attached column is refused (0.2 took it, and then every
-- write of the table failed with 42703 until it was renamed back).
ALTER TABLE hi.altered RENAME COLUMN lead_id TO lead;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO hi.altered VALUES ('alt', 'alt', '2026-01-01', '/p', 1);
SELECT lead_id, score FROM leadscore.lead_scores WHERE model = 'flat' AND lead_id = 'alt';
-- Dropped, it detaches itself, and its rows no longer count.
DROP TABLE hi.altered;
SELECT count(*) AS attachments_of_dropped FROM leadscore.attachments WHERE tbl::text LIKE '%altered%';
SELECT count(*) AS alt_scores FROM leadscore.lead_scores WHERE lead_id = 'alt';
SELECT * FROM leadscore.verify();

RESET client_min_messages;

------------------------------------------------------------------------
-- Invalid UTF-8.  A UTF-8 database refuses it before leadscore sees it;
-- in a SQL_ASCII database text holds any bytes: conditions with them are
-- syntax errors, and values with them are matched byte by byte.
------------------------------------------------------------------------
SELECT leadscore.check_condition(convert_from('\x75726c203d2027ff27'::bytea, 'UTF8'));
\echo :LAST_ERROR_SQLSTATE
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_leadscore_ascii;
CREATE DATABASE regress_leadscore_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c regress_leadscore_ascii
SET client_min_messages = warning;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SELECT leadscore.check_condition(convert_from('\x75726c203d2027ff27'::bytea, 'SQL_ASCII'));
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition(convert_from('\x75726c203d2027c327'::bytea, 'SQL_ASCII'));
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE acts (lead_id text, kind text, at timestamptz, url text);
SELECT leadscore.create_model('m', half_life => NULL) > 0 AS model;
SET client_min_messages = warning;
SELECT leadscore.add_rule('m', 'v', 1, name => 'one_char', condition => 'url LIKE ''a_b''') > 0 AS rule;
SELECT leadscore.add_rule('m', 'v', 10, name => 'ilike', condition => 'url ILIKE ''%Ü%''') > 0 AS rule;
SELECT leadscore.add_rule('m', 'v', 100, name => 'regex', condition => 'url ~* ''^a.b$''') > 0 AS rule;
-- (an activity type is data: any bytes)
SELECT leadscore.add_rule('m', convert_from('\x76ff'::bytea, 'SQL_ASCII'), 1000) > 0 AS rule;
SELECT leadscore.attach_activities('acts', 'lead_id', 'kind', 'at');
INSERT INTO acts VALUES
	(convert_from('\x6bff'::bytea, 'SQL_ASCII'), 'v', '2026-01-01', convert_from('\x61ff62'::bytea, 'SQL_ASCII')),
	('k2', 'v', '2026-01-01', convert_from('\x61c3bc62'::bytea, 'SQL_ASCII')),
	('k3', 'v', '2026-01-01', convert_from('\xc3'::bytea, 'SQL_ASCII')),
	('k4', convert_from('\x76ff'::bytea, 'SQL_ASCII'), '2026-01-01', NULL);
SELECT encode(convert_to(lead_id, 'SQL_ASCII'), 'hex') AS key, score FROM leadscore.lead_scores ORDER BY 1;
SELECT * FROM leadscore.verify();
\c contrib_regression
SET client_min_messages = warning;
DROP DATABASE regress_leadscore_ascii;

DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA hi CASCADE;
