-- leadscore.check_condition: the condition language's parser, reached from
-- SQL.  Valid conditions come back normalised; invalid ones raise 42601 (or
-- another precise SQLSTATE) saying where, and the session keeps working.
SET client_min_messages = warning;
CREATE SCHEMA check_condition_test;
SET search_path = check_condition_test;
RESET client_min_messages;

-- The examples of docs/design.md §1, "The condition language".
SELECT leadscore.check_condition($$url LIKE '/pricing%' AND duration_s >= 30$$);
SELECT leadscore.check_condition($$job_title ~* '(chief|head|vp|director)' AND NOT (country IN ('XX', 'YY'))$$);
SELECT leadscore.check_condition($$employees >= 200 OR annual_revenue > 50e6$$);
SELECT leadscore.check_condition($$email ILIKE '%@competitor.com' OR title IS NULL$$);

-- Normalisation: keywords upper case, identifiers folded, minimal
-- parentheses, != spelled <>, one canonical spelling per literal.
SELECT c AS input, leadscore.check_condition(c) AS normalised
FROM (VALUES
	($$url like '/pricing%'   and Duration_S>=30$$),
	($$(a = 1)$$),
	($$((a = 1 OR b = 2)) AND c = 3$$),
	($$a = 1 OR (b = 2 AND c = 3)$$),
	($$NOT (a = 1 OR b = 2)$$),
	($$not not flag$$),
	($$x != 'it''s'$$),
	($$x <> -5 and y < 1.50 and z >= .5$$),
	($$country not in ('DE','AT' , 'CH')$$),
	($$title is not null and "Job Title" is null$$),
	($$email not ilike '%@gmail.com'$$),
	($$path LIKE '100!%%' ESCAPE '!'$$),
	($$title !~* 'intern|student'$$),
	($$is_customer AND NOT opted_out$$),
	($$score = TRUE or flag = false or x IS NULL$$),
	($$occurred_at >= '2024-01-01'$$)
) AS t(c)
ORDER BY c;

-- Normalising a normalised condition changes nothing.
SELECT bool_and(leadscore.check_condition(leadscore.check_condition(c)) = leadscore.check_condition(c)) AS idempotent
FROM (VALUES ($$a=1 or b=2 and not c>3$$), ($$x in (1,2,3) AND y like 'a\%'$$), ($$NOT (a IS NULL)$$)) AS t(c);

-- NULL in, NULL out.
SELECT leadscore.check_condition(NULL) IS NULL AS strict;

SELECT pg_backend_pid() AS pid_before \gset

-- Syntax errors say where (1-based character position) and what was expected.
SELECT leadscore.check_condition($$url LIKE '/pricing%' AND (duration_s >= 30$$);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('   ');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a =');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a = 1 b = 2');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition($$title = 'unterminated$$);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('country IN ()');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('country IN (''DE'', )');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a = 1 AND');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a == 1');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a = 1)');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a LIKE b');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a IS 5');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('lower(a) = ''x''');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a = (SELECT 1)');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a = 1; DROP TABLE leads');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('"unterminated = 1');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('größe > 5 AND ü = #');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition($$path LIKE 'ab\'$$);
\echo :LAST_ERROR_SQLSTATE

-- Bad regular expressions are caught when the condition is checked.
SELECT leadscore.check_condition($$title ~ '(unclosed'$$);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition($$title ~* '(a)\1'$$);
\echo :LAST_ERROR_SQLSTATE

-- Limits: deep nesting and huge conditions are refused cleanly, no crash.
SELECT leadscore.check_condition(repeat('(', 100000) || 'a = 1' || repeat(')', 100000));
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition(repeat('(', 1000) || 'a = 1' || repeat(')', 1000));
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition(repeat('NOT ', 10000) || 'a = 1');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition(repeat('a = 1 AND (', 3000) || 'b = 2' || repeat(')', 3000));
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition('a IN (' || repeat('1,', 15000) || '1)');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.check_condition((SELECT string_agg('a = 1', ' OR ') FROM generate_series(1, 200000)));
\echo :LAST_ERROR_SQLSTATE
-- ...while a large but reasonable condition is fine.
SELECT length(leadscore.check_condition('country IN (' || (SELECT string_agg(quote_literal('c' || i), ', ') FROM generate_series(1, 500) i) || ')')) AS long_in_list;
-- A regex that backtracking engines take exponential time on is no threat.
SELECT leadscore.check_condition($$t ~ '(a*)*b' AND u ~ '(x+x+)+y'$$);

-- The session survives every one of those errors: same backend, and a
-- transaction can go on past one with a savepoint.
SELECT leadscore.check_condition('a = 1') AS still_working,
       pg_backend_pid() = :pid_before AS same_backend;
BEGIN;
SAVEPOINT before_bad_rule;
SELECT leadscore.check_condition('a = = 1');
ROLLBACK TO SAVEPOINT before_bad_rule;
SELECT leadscore.check_condition('a = 1') AS after_savepoint;
COMMIT;

SET client_min_messages = warning;
DROP SCHEMA check_condition_test CASCADE;
