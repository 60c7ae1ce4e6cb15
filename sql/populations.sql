-- Populations (leads => regclass) for evaluate(), evaluate_leads() and
-- calibrate(): only the listed leads, each at the function's as_of or at
-- its own; listed leads without activity judged with score 0; calibrate()'s
-- confidence; checked against the whole population and plain SQL; every
-- error of a bad population relation.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA pop_test;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE pop_test.activities (lead_id bigint, kind text, at timestamptz);
CREATE TABLE pop_test.deals (lead_id bigint, won_at timestamptz);
SELECT leadscore.create_model('crm', half_life => '10 days', mql_threshold => 30, sql_threshold => 60) > 0 AS created;
SELECT leadscore.add_rule('crm', 'visit', 10) > 0 AS added;
SELECT leadscore.add_rule('crm', 'demo', 40) > 0 AS added;
SELECT leadscore.attach_activities('pop_test.activities', 'lead_id', 'kind', 'at');

-- Lead 1 visits on 01-01, demos on 02-01 and wins on 02-10; lead 2 demos
-- on 01-11 and wins on 01-25; lead 3 visits on 01-21; lead 4 visits on
-- 03-01; lead 5 never acts and wins on 02-05.
INSERT INTO pop_test.activities VALUES
	(1, 'visit', '2026-01-01'), (1, 'demo', '2026-02-01'), (2, 'demo', '2026-01-11'),
	(3, 'visit', '2026-01-21'), (4, 'visit', '2026-03-01');
INSERT INTO pop_test.deals VALUES (1, '2026-02-10'), (2, '2026-01-25'), (5, '2026-02-05');
SELECT leadscore.attach_outcomes('pop_test.deals', 'lead_id', 'won_at') AS usable_rows;

-- Everyone at 02-01: leads 1 and 3 (2 was a customer already, 4 and 5 had
-- not acted).
SELECT lead_id, round(score::numeric, 6) AS score, status, converted, converted_at
FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days') ORDER BY lead_id::bigint;

-- A split of 1, 3, 4 and 5: the listed leads only, 4 and 5 with score 0
-- (4 acts after as_of, 5 never), 5 converted all the same.
CREATE TABLE pop_test.split (lead_id bigint PRIMARY KEY);
INSERT INTO pop_test.split VALUES (1), (3), (4), (5);
SELECT lead_id, round(score::numeric, 6) AS score, status, converted, converted_at
FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days', leads => 'pop_test.split') ORDER BY lead_id::bigint;
-- The active ones score as they do among everyone.
SELECT count(*) AS same FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days', leads => 'pop_test.split') p
JOIN leadscore.evaluate_leads('crm', '2026-02-01', '30 days') e USING (lead_id)
WHERE p.score = e.score AND p.converted = e.converted;
-- evaluate() over the split: 4 leads, 2 converted (scores 41.2 and 0
-- against 4.7 and 0): AUC (1 + 1 + 0 + 0.5) / 4 = 0.625.
SELECT segment, leads, converted, round(conversion_rate::numeric, 4) AS rate, round(roc_auc::numeric, 4) AS roc_auc
FROM leadscore.evaluate('crm', '2026-02-01', '30 days', leads => 'pop_test.split') WHERE scope = 'all';

-- A cohort, each lead at its own as_of: 1 and 2 at 01-15, 3 at the
-- as_of argument (its as_of is NULL), 5 at 02-01.  Lead 2 was not yet a
-- customer on 01-15.
CREATE TABLE pop_test.cohort (lead_id bigint, as_of timestamptz, note text);
INSERT INTO pop_test.cohort VALUES (1, '2026-01-15', 'a'), (2, '2026-01-15', 'b'), (3, NULL, 'c'),
	(5, '2026-02-01', 'd');
SELECT lead_id, round(score::numeric, 6) AS score, status, converted, converted_at, days_to_convert
FROM leadscore.evaluate_leads('crm', '2026-01-25', '30 days', leads => 'pop_test.cohort') ORDER BY lead_id::bigint;
-- Each active lead's row is what evaluate_leads() says of everyone at that
-- lead's as_of (1, 2 and 3; 5 is idle) ...
SELECT count(*) AS same
FROM leadscore.evaluate_leads('crm', '2026-01-25', '30 days', leads => 'pop_test.cohort') p
JOIN pop_test.cohort c ON c.lead_id = p.lead_id::bigint
CROSS JOIN LATERAL leadscore.evaluate_leads('crm', coalesce(c.as_of, '2026-01-25'), '30 days') x
WHERE x.lead_id = p.lead_id AND x.score = p.score AND x.converted = p.converted
	AND x.days_to_convert IS NOT DISTINCT FROM p.days_to_convert;
-- ... and the scores follow from the definition in plain SQL: each row at
-- or before the lead's as_of worth points * 2^-(age / 10 days).
WITH judged AS (SELECT lead_id, coalesce(as_of, '2026-01-25') AS as_of FROM pop_test.cohort),
plain AS (
	SELECT j.lead_id, coalesce(sum(CASE a.kind WHEN 'visit' THEN 10 ELSE 40 END *
		power(2, -extract(epoch FROM j.as_of - a.at) / 864000)), 0) AS score
	FROM judged j LEFT JOIN pop_test.activities a ON a.lead_id = j.lead_id AND a.at <= j.as_of
	GROUP BY j.lead_id
)
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(p.score - e.score) < 1e-9) AS same_score
FROM plain p JOIN leadscore.evaluate_leads('crm', '2026-01-25', '30 days', leads => 'pop_test.cohort') e
	ON e.lead_id::bigint = p.lead_id;
-- Without the as_of argument, a row without its own as_of has nothing to
-- be judged at.
SELECT * FROM leadscore.evaluate('crm', NULL, '30 days', leads => 'pop_test.cohort');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM pop_test.cohort WHERE as_of IS NULL;
SELECT count(*) AS leads FROM leadscore.evaluate_leads('crm', NULL, '30 days', leads => 'pop_test.cohort');
-- A view works as well as a table, and narrows as any query.
CREATE VIEW pop_test.late AS SELECT lead_id, as_of FROM pop_test.cohort WHERE as_of > '2026-01-20';
SELECT lead_id, converted FROM leadscore.evaluate_leads('crm', NULL, '30 days', leads => 'pop_test.late');

-- calibrate() over the split: the population counts idle lead 5 too.
SELECT kind, name, leads, converted FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', '30 days',
	leads => 'pop_test.split') ORDER BY kind, name;
-- since and until may stay open: every activity before the conversion.
SELECT kind, name, leads, converted FROM leadscore.calibrate('crm', NULL, NULL, '30 days',
	leads => 'pop_test.split') WHERE kind <> 'activity_type' ORDER BY kind, name;
-- Over the cohort, each lead's activity up to its as_of and its outcome in
-- (as_of, as_of + horizon]; since and until may stay open.
SELECT kind, name, leads, converted FROM leadscore.calibrate('crm', NULL, NULL, '30 days',
	leads => 'pop_test.cohort') ORDER BY kind, name;
-- confidence sets the Wilson interval's level: narrower at 0.5 (demo's
-- leads all converted: its interval ends at a rate of 1 either way).
SELECT a.name, a.lift_low < b.lift_low AND a.lift_high >= b.lift_high AS wider_at_95,
	a.lift_high > b.lift_high AS higher_at_95
FROM leadscore.calibrate('crm', '2026-01-01', '2026-03-01', '30 days', min_leads => 1) a
JOIN leadscore.calibrate('crm', '2026-01-01', '2026-03-01', '30 days', min_leads => 1, confidence => 0.5) b
	USING (kind, name) WHERE kind = 'rule' ORDER BY name;

-- Bad populations.
\set VERBOSITY terse
CREATE TABLE pop_test.no_lead (id bigint);
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', leads => 'pop_test.no_lead');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE pop_test.text_lead (lead_id text);
SELECT * FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days', leads => 'pop_test.text_lead');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE pop_test.date_as_of (lead_id bigint, as_of date);
SELECT * FROM leadscore.calibrate('crm', NULL, NULL, '30 days', leads => 'pop_test.date_as_of');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE pop_test.twice (lead_id bigint);
INSERT INTO pop_test.twice VALUES (1), (3), (1);
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', leads => 'pop_test.twice');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE pop_test.nulls (lead_id bigint);
INSERT INTO pop_test.nulls VALUES (1), (NULL);
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', leads => 'pop_test.nulls');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', NULL, '-30 days', leads => 'pop_test.cohort');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', NULL, NULL, leads => 'pop_test.cohort');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', NULL, NULL, leads => 'pop_test.cohort');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', NULL, NULL, '30 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', confidence => 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', confidence => 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', leads => 'pop_test.missing');
\echo :LAST_ERROR_SQLSTATE
-- A population is read with the caller's rights.
CREATE ROLE pop_analyst;
GRANT SELECT ON pop_test.activities, pop_test.deals TO pop_analyst;
GRANT USAGE ON SCHEMA pop_test TO pop_analyst;
SET ROLE pop_analyst;
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', leads => 'pop_test.split');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
\set VERBOSITY default

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA pop_test CASCADE;
DROP ROLE pop_analyst;
