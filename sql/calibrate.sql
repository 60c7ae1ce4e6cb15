-- calibrate(): per activity type, rule and grade criterion, the conversion
-- rate of the leads that have it against the base rate, with a Wilson
-- interval, a low-confidence flag and suggested points (steps for
-- criteria).  Who is in the population, what counts as converted, and that
-- nothing after a conversion predicts it (label leakage), each on
-- hand-checkable leads; the lift->points and lift->steps mappings on a
-- planted signal, against the same formulas in plain SQL; every error.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA calibrate_test;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE calibrate_test.activities (lead_id bigint, kind text, at timestamptz, url text);
CREATE TABLE calibrate_test.deals (lead_id bigint, won_at timestamptz, amount numeric);

SELECT leadscore.create_model('crm', half_life => '30 days', mql_threshold => 50, sql_threshold => 100) > 0 AS created;
SELECT leadscore.add_rule('crm', 'visit', 5, 'awareness') > 0 AS added;
SELECT leadscore.add_rule('crm', 'page', 35, 'decision', condition => $$url LIKE '/pricing%'$$, name => 'pricing') > 0 AS added;
SELECT leadscore.add_rule('crm', 'demo', 50, 'decision') > 0 AS added;
SELECT leadscore.add_rule('crm', 'unsubscribe', -40) > 0 AS added;
SELECT leadscore.attach_activities('calibrate_test.activities', 'lead_id', 'kind', 'at');

-- Before any outcome table: nothing to calibrate against.
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_outcomes('calibrate_test.deals', 'lead_id', 'won_at', 'amount') AS usable_rows;

-- The window is January 2026, [2026-01-01, 2026-02-01).
INSERT INTO calibrate_test.activities VALUES
	(1, 'visit', '2026-01-05', NULL), (1, 'demo', '2026-01-10', NULL),          -- won 01-20
	(2, 'visit', '2026-01-03', NULL), (2, 'page', '2026-01-04', '/pricing/a'),  -- won 01-15
	(3, 'visit', '2026-01-02', NULL), (3, 'unsubscribe', '2026-01-06', NULL),   -- never won
	(4, 'visit', '2026-01-08', NULL), (4, 'demo', '2026-01-25', NULL),          -- won 01-12: the demo came after
	(5, 'visit', '2026-01-10', NULL),                                           -- won 2025-12-20: a customer already
	(6, 'visit', '2025-12-01', NULL),                                           -- active before the window only
	(7, 'visit', '2026-01-30', NULL),                                           -- won 02-10, after the window
	(8, 'page', '2026-01-09', '/blog/x'),                                       -- a page, but no pricing page
	(9, 'demo', '2026-01-15', NULL),                                            -- won 03-15, far later
	(10, 'visit', '2026-02-01', NULL),                                          -- at `until`: outside
	(11, 'visit', '2026-01-05', NULL), (11, 'webinar', '2026-01-15', NULL);     -- won 01-10 and 01-28
INSERT INTO calibrate_test.deals VALUES
	(1, '2026-01-20', 100), (2, '2026-01-15', 200), (4, '2026-01-12', 300), (5, '2025-12-20', 400),
	(7, '2026-02-10', 500), (9, '2026-03-15', 600), (11, '2026-01-10', 700), (11, '2026-01-28', 800),
	(NULL, '2026-01-10', 1), (12, NULL, 1);

-- Population: 1 2 3 4 7 8 9 11 (5 converted before the window, 6 and 10
-- were not active in it).  Converted by `until`: 1 2 4 11.  Lead 4's demo
-- and lead 11's webinar follow their conversions, so they do not count:
-- demo has leads 1 and 9, webinar no lead at all.
SELECT kind, name, current_points, leads, converted, round(conversion_rate::numeric, 4) AS rate,
       round(base_rate::numeric, 4) AS base, round(lift::numeric, 4) AS lift,
       round(lift_low::numeric, 4) AS lift_low, round(lift_high::numeric, 4) AS lift_high,
       low_confidence, suggested_points
FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01');

-- A horizon lets leads active in the window convert after it: lead 7 (won
-- 02-10) counts with 30 days, lead 9 (won 03-15) does not.
SELECT kind, name, leads, converted, round(base_rate::numeric, 4) AS base
FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', horizon => '30 days')
WHERE kind <> 'rule' ORDER BY kind, name;

-- A narrower window: only rows in it count, and only leads with such rows.
SELECT kind, name, leads, converted FROM leadscore.calibrate('crm', '2026-01-09', '2026-01-16')
WHERE leads > 0 ORDER BY kind, name;

-- The same counts by plain SQL, written from the definition: observed rows
-- lie in [since, until) and before the lead's first outcome.
WITH first_win AS (
	SELECT lead_id, min(won_at) AS won_at FROM calibrate_test.deals
	WHERE lead_id IS NOT NULL AND won_at IS NOT NULL GROUP BY lead_id
), observed AS (
	SELECT a.lead_id, a.kind, w.won_at IS NOT NULL AND w.won_at < '2026-02-01' AS converted
	FROM calibrate_test.activities a LEFT JOIN first_win w USING (lead_id)
	WHERE a.at >= '2026-01-01' AND a.at < '2026-02-01' AND (w.won_at IS NULL OR a.at < w.won_at)
), leads AS (
	SELECT lead_id, bool_or(converted) AS converted FROM observed GROUP BY lead_id
), base AS (
	SELECT count(*) FILTER (WHERE converted)::float8 / count(*) AS rate FROM leads
), by_type AS (
	SELECT kind, count(DISTINCT lead_id) AS leads, count(DISTINCT lead_id) FILTER (WHERE converted) AS converted
	FROM observed GROUP BY kind
)
SELECT count(*) AS types, count(*) FILTER (WHERE c.leads = t.leads AND c.converted = t.converted
	AND abs(c.lift - (t.converted::float8 / t.leads) / (SELECT rate FROM base)) < 1e-12) AS matching
FROM by_type t JOIN leadscore.calibrate('crm', '2026-01-01', '2026-02-01') c
	ON c.kind = 'activity_type' AND c.name = t.kind;

-- Suggested points on a planted signal: 1,000 leads, each visiting once;
-- 200 ask for a demo (60 % convert), 300 attend a webinar (20 %), 100
-- unsubscribe (2 %), the other 400 convert at 5 %.
TRUNCATE calibrate_test.activities, calibrate_test.deals;
SELECT leadscore.add_rule('crm', 'webinar', 25, 'consideration') > 0 AS added;
INSERT INTO calibrate_test.activities
SELECT 1000 + i, 'visit', '2026-01-02'::timestamptz, NULL FROM generate_series(1, 1000) i
UNION ALL SELECT 1000 + i, 'demo', '2026-01-05', NULL FROM generate_series(1, 200) i
UNION ALL SELECT 1000 + i, 'webinar', '2026-01-06', NULL FROM generate_series(201, 500) i
UNION ALL SELECT 1000 + i, 'unsubscribe', '2026-01-07', NULL FROM generate_series(501, 600) i;
INSERT INTO calibrate_test.deals
SELECT 1000 + i, '2026-01-20', 1000 FROM generate_series(1, 1000) i
WHERE i <= 120 OR i BETWEEN 201 AND 260 OR i BETWEEN 501 AND 502 OR i BETWEEN 601 AND 620;
SELECT kind, name, current_points, leads, converted, round(lift::numeric, 3) AS lift,
       round(lift_low::numeric, 3) AS lift_low, round(lift_high::numeric, 3) AS lift_high,
       low_confidence, suggested_points, round(points_per_doubling::numeric, 3) AS points_per_doubling
FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01');

-- The mapping by plain SQL: the 95 % Wilson interval of each rule's rate,
-- the conservative lift (the end nearest 1, or 1), k = sum |points| /
-- sum |log2 lift| over the rules with 30 leads or more (pricing has none),
-- points = round(k * log2 lift).
WITH c AS (
	SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01') WHERE kind = 'rule' AND leads >= 30
), w AS (
	SELECT c.*, 1.959963984540054 AS z, converted::float8 / leads AS p, leads::float8 AS n FROM c
), ci AS (
	SELECT name, current_points, suggested_points, base_rate,
	       ((p + z * z / (2 * n)) - z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n) AS lo,
	       ((p + z * z / (2 * n)) + z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n) AS hi
	FROM w
), cons AS (
	SELECT *, CASE WHEN lo / base_rate > 1 THEN lo / base_rate WHEN hi / base_rate < 1 THEN hi / base_rate
	               ELSE 1 END AS lift FROM ci
), k AS (
	SELECT sum(abs(current_points)) / sum(abs(log(2, lift::numeric)))::float8 AS k FROM cons
)
SELECT name, suggested_points, round(k * log(2, lift::numeric)::float8) AS by_sql,
       suggested_points = round(k * log(2, lift::numeric)::float8) AS same
FROM cons, k ORDER BY name;
-- The budget of the calibrated rules is kept: |suggested| adds up to
-- |current| (to rounding); the lifts move it from visit and webinar (no
-- better than average) to demo and unsubscribe.
SELECT sum(abs(current_points)) AS current_budget, sum(abs(suggested_points)) AS suggested_budget
FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01') WHERE kind = 'rule' AND NOT low_confidence;

-- min_leads: with 250 the 200 demo and 100 unsubscribe leads are too few.
SELECT name, leads, low_confidence, suggested_points FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', min_leads => 250)
WHERE kind = 'rule' ORDER BY name;

-- Grade criteria.  A model with a grade profile gets a row per criterion
-- once a lead table is attached: the population's leads whose lead row
-- matches the criterion (rows as they are now).  The planted signal: big
-- companies are most of the demo leads (60 % convert), students are the
-- unsubscribers (2 %); a rare country has 20 leads; leads 1991-2000 have no
-- lead row, lead 9999 one but no activity.
CREATE TABLE calibrate_test.contacts (id bigint, employees integer, title text, country text);
SELECT leadscore.create_grade_profile('fit', 'C') > 0 AS created;
SELECT leadscore.add_criterion('fit', 'employees >= 200', 2, 'big') > 0 AS added;
SELECT leadscore.add_criterion('fit', $$title ~* '(head|chief)'$$, 1, 'decision_maker') > 0 AS added;
SELECT leadscore.add_criterion('fit', $$title ~* 'student'$$, -4, 'student') > 0 AS added;
SELECT leadscore.add_criterion('fit', $$country = 'XX'$$, 1, 'rare_country') > 0 AS added;
SELECT leadscore.create_model('graded', half_life => '30 days', grade_profile => 'fit') > 0 AS created;
SET client_min_messages = warning;
SELECT count(leadscore.add_rule('graded', r.activity_type, r.points, r.stage, r.condition, r.max_count, r.name)) AS rules
FROM (SELECT r.* FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id WHERE m.name = 'crm' ORDER BY r.id) r;
RESET client_min_messages;
INSERT INTO calibrate_test.contacts
SELECT 1000 + i, CASE WHEN i <= 160 OR i % 10 = 0 THEN 500 ELSE 40 END,
       CASE WHEN i BETWEEN 501 AND 600 OR i % 97 = 0 THEN 'Student' WHEN i % 3 = 0 THEN 'Head of Sales' ELSE 'Analyst' END,
       CASE WHEN i % 50 = 0 THEN 'XX' ELSE 'DE' END
FROM generate_series(1, 990) i;
INSERT INTO calibrate_test.contacts VALUES (9999, 5000, 'Chief Executive', 'XX'), (NULL, 5000, 'CEO', 'DE');
-- No lead table attached yet: no criterion rows, no step scale.
SELECT count(*) FILTER (WHERE kind = 'criterion') AS criterion_rows, count(steps_per_doubling) AS with_step_scale
FROM leadscore.calibrate('graded', '2026-01-01', '2026-02-01');
SELECT leadscore.attach_leads('calibrate_test.contacts', 'id') AS lead_rows;
SELECT kind, name, current_steps, leads, converted, round(lift::numeric, 3) AS lift,
       round(lift_low::numeric, 3) AS lift_low, round(lift_high::numeric, 3) AS lift_high, low_confidence,
       suggested_steps, suggested_points, round(steps_per_doubling::numeric, 3) AS steps_per_doubling
FROM leadscore.calibrate('graded', '2026-01-01', '2026-02-01') WHERE kind IN ('population', 'criterion');
-- A model without a grade profile still has no criterion rows.
SELECT count(*) FILTER (WHERE kind = 'criterion') AS criterion_rows, count(steps_per_doubling) AS with_step_scale
FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01');

-- The same by plain SQL from the definitions: the criteria as SQL
-- predicates over the lead table, the population and labels as above, the
-- Wilson bounds, the conservative lift, s = sum |steps| / sum |log2 lift|
-- over the criteria with 30 leads or more, steps = round(s * log2 lift)
-- clamped to -12..12.
WITH first_win AS (
	SELECT lead_id, min(won_at) AS won_at FROM calibrate_test.deals GROUP BY lead_id
), observed AS (
	SELECT a.lead_id, w.won_at IS NOT NULL AND w.won_at < '2026-02-01' AS converted
	FROM calibrate_test.activities a LEFT JOIN first_win w USING (lead_id)
	WHERE a.at >= '2026-01-01' AND a.at < '2026-02-01' AND (w.won_at IS NULL OR a.at < w.won_at)
), leads AS (
	SELECT lead_id, bool_or(converted) AS converted FROM observed GROUP BY lead_id
), base AS (
	SELECT count(*) FILTER (WHERE converted)::float8 / count(*) AS rate FROM leads
), matches AS (
	SELECT c.id AS lead_id, k.name, k.steps FROM calibrate_test.contacts c CROSS JOIN LATERAL (VALUES
		('big', 2, c.employees >= 200), ('decision_maker', 1, c.title ~* '(head|chief)'),
		('student', -4, c.title ~* 'student'), ('rare_country', 1, c.country = 'XX')) k(name, steps, hit)
	WHERE k.hit
), counts AS (
	SELECT m.name, m.steps, count(DISTINCT l.lead_id) AS leads,
	       count(DISTINCT l.lead_id) FILTER (WHERE l.converted) AS converted
	FROM matches m JOIN leads l USING (lead_id) GROUP BY m.name, m.steps
), w AS (
	SELECT c.*, 1.959963984540054 AS z, converted::float8 / leads AS p, leads::float8 AS n, b.rate FROM counts c, base b
), ci AS (
	SELECT name, steps, leads, converted, p / rate AS lift,
	       ((p + z * z / (2 * n)) - z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n) / rate AS lo,
	       ((p + z * z / (2 * n)) + z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n) / rate AS hi
	FROM w
), cons AS (
	SELECT *, CASE WHEN leads < 30 THEN NULL WHEN lo > 1 THEN lo WHEN hi < 1 THEN hi ELSE 1 END AS cl FROM ci
), scale AS (
	SELECT sum(abs(steps)) / sum(abs(ln(cl) / ln(2))) AS s FROM cons WHERE cl IS NOT NULL
), expected AS (
	-- (least/greatest skip NULLs: no suggestion without a conservative lift)
	SELECT cons.*, CASE WHEN cl IS NOT NULL THEN greatest(-12, least(12, round(s * ln(cl) / ln(2))))::integer END
	       AS suggested, s FROM cons, scale
)
SELECT count(*) AS criteria,
       count(*) FILTER (WHERE c.leads = e.leads AND c.converted = e.converted AND c.current_steps = e.steps
           AND abs(c.lift - e.lift) < 1e-12 AND abs(c.lift_low - e.lo) < 1e-12 AND abs(c.lift_high - e.hi) < 1e-12
           AND c.low_confidence = (e.leads < 30) AND c.suggested_steps IS NOT DISTINCT FROM e.suggested
           AND abs(c.steps_per_doubling - e.s) < 1e-12) AS matching
FROM expected e JOIN leadscore.calibrate('graded', '2026-01-01', '2026-02-01') c ON c.kind = 'criterion' AND c.name = e.name;

-- Criteria changes show at once (calibrate reads the catalog); a criterion
-- no lead matches has a row with 0 leads.
SELECT leadscore.add_criterion('fit', 'employees > 100000', 3, 'huge') > 0 AS added;
SELECT name, leads, low_confidence, suggested_steps FROM leadscore.calibrate('graded', '2026-01-01', '2026-02-01')
WHERE kind = 'criterion' AND name = 'huge';
SELECT leadscore.remove_criterion(id) FROM leadscore.grade_criteria WHERE name = 'huge';
SELECT count(*) AS criterion_rows FROM leadscore.calibrate('graded', '2026-01-01', '2026-02-01') WHERE kind = 'criterion';

-- The caller's rights: an analyst who may read the CRM tables gets the
-- criterion rows (the grade criteria are as public as the rules) and the
-- grades; without SELECT on the lead table, a permission error.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_calibrate_analyst;
RESET client_min_messages;
CREATE ROLE regress_calibrate_analyst NOLOGIN;
GRANT USAGE ON SCHEMA calibrate_test TO regress_calibrate_analyst;
GRANT SELECT ON calibrate_test.activities, calibrate_test.deals TO regress_calibrate_analyst;
SET ROLE regress_calibrate_analyst;
SELECT count(*) FROM leadscore.calibrate('graded', '2026-01-01', '2026-02-01');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT ON calibrate_test.contacts TO regress_calibrate_analyst;
SET ROLE regress_calibrate_analyst;
SELECT name, leads, converted FROM leadscore.calibrate('graded', '2026-01-01', '2026-02-01')
WHERE kind = 'criterion' ORDER BY name;
-- evaluate() reads today's grades from lead_scores, which anyone may read.
SELECT count(*) AS leads, count(grade) AS graded FROM leadscore.evaluate_leads('graded', '2026-01-10', '30 days');
RESET ROLE;
REVOKE ALL ON calibrate_test.activities, calibrate_test.deals, calibrate_test.contacts FROM regress_calibrate_analyst;
REVOKE USAGE ON SCHEMA calibrate_test FROM regress_calibrate_analyst;
DROP ROLE regress_calibrate_analyst;

-- Detached, the lead table no longer feeds criterion rows.
SELECT leadscore.detach('calibrate_test.contacts');
SELECT count(*) FILTER (WHERE kind = 'criterion') AS criterion_rows
FROM leadscore.calibrate('graded', '2026-01-01', '2026-02-01');

-- An outcome table without rows: no conversions, so no base rate, no lift
-- and no suggestions (documented, not an error).
TRUNCATE calibrate_test.deals;
SELECT kind, name, leads, converted, conversion_rate, lift, suggested_points
FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01') WHERE kind <> 'activity_type' ORDER BY kind, name;

-- A window without activity: an empty population.
SELECT kind, count(*), sum(leads) AS leads FROM leadscore.calibrate('crm', '2020-01-01', '2020-02-01') GROUP BY kind ORDER BY kind;

-- Errors.
SELECT * FROM leadscore.calibrate('nope', '2026-01-01', '2026-02-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate(NULL, '2026-01-01', '2026-02-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '2026-02-01', '2026-01-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-01-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', NULL, '2026-01-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '-infinity', '2026-01-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', 'infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', horizon => '-1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', horizon => '0');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', min_leads => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.detach('calibrate_test.deals');
SELECT * FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01');
\echo :LAST_ERROR_SQLSTATE

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA calibrate_test CASCADE;
