-- evaluate() and evaluate_leads(): scores as they stood at as_of (exact:
-- decay, caps, max_score, only rows at or before as_of) against conversions
-- in (as_of, as_of + horizon]; the population; segments above and below the
-- MQL and SQL thresholds; lift, precision, recall, ROC AUC, deal value and
-- days to convert; lead sources; sales' handoff verdicts; checked against
-- hand values and plain SQL; every error.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA evaluate_test;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE evaluate_test.activities (lead_id bigint, kind text, at timestamptz, url text, channel text);
CREATE TABLE evaluate_test.deals (lead_id bigint, won_at timestamptz, amount numeric);

-- A 10-day half-life: activity 10 days before as_of counts half.
SELECT leadscore.create_model('crm', half_life => '10 days', mql_threshold => 30, sql_threshold => 60,
	max_score => 80) > 0 AS created;
SELECT leadscore.add_rule('crm', 'visit', 10, 'awareness', max_count => 2) > 0 AS added;
SELECT leadscore.add_rule('crm', 'demo', 40, 'decision') > 0 AS added;
SELECT leadscore.add_rule('crm', 'page', 20, 'consideration', condition => $$url LIKE '/pricing%'$$) > 0 AS added;
SELECT leadscore.add_rule('crm', 'unsubscribe', -30) > 0 AS added;
SELECT leadscore.attach_activities('evaluate_test.activities', 'lead_id', 'kind', 'at');

-- as_of is 2026-02-01, the horizon 30 days: conversions in (02-01, 03-03].
INSERT INTO evaluate_test.activities VALUES
	(1, 'visit', '2026-01-02', NULL, NULL), (1, 'visit', '2026-01-12', NULL, 'web'),
	(1, 'visit', '2026-01-22', NULL, 'fair'), (1, 'demo', '2026-01-22', NULL, NULL),  -- 5 + 2.5 (cap 2) + 20 = 27.5
	(2, 'page', '2026-01-22', '/pricing', NULL), (2, 'demo', '2026-02-01', NULL, 'fair'), -- 10 + 40 (at as_of: counts) = 50
	(3, 'demo', '2026-01-12', NULL, 'web'), (3, 'demo', '2026-01-22', NULL, NULL),
	(3, 'demo', '2026-02-01', NULL, NULL),                                             -- 10 + 20 + 40 = 70
	(4, 'demo', '2026-02-01', NULL, 'fair'), (4, 'demo', '2026-02-01', NULL, NULL),
	(4, 'demo', '2026-02-01', NULL, NULL),                                             -- 120, clamped at 80
	(5, 'visit', '2026-02-01', NULL, NULL),                                            -- 10
	(6, 'demo', '2026-01-15', NULL, 'web'),                                            -- won before as_of: left out
	(7, 'visit', '2026-02-10', NULL, 'web'),                                           -- first active after as_of: left out
	(8, 'visit', '2026-01-22', NULL, NULL), (8, 'demo', '2026-02-05', NULL, 'web'),    -- 5: the demo came after as_of
	(9, 'unsubscribe', '2026-01-22', NULL, NULL),                                      -- -15
	(10, 'page', '2026-01-30', '/blog', 'fair'),                                       -- 0: no rule matches
	(11, 'page', '2026-01-22', '/pricing', NULL), (11, 'demo', '2026-02-01', NULL, NULL); -- 50, as lead 2
INSERT INTO evaluate_test.deals VALUES
	(1, '2026-02-05', 1000), (2, '2026-02-20', 500), (4, '2026-03-03', NULL), (5, '2026-03-05', 90),
	(6, '2026-01-20', 700), (7, '2026-02-15', 10), (8, '2026-02-06', 250), (8, '2026-02-07', 50);
SELECT leadscore.attach_outcomes('evaluate_test.deals', 'lead_id', 'won_at', 'amount') AS usable_rows;

-- Per lead: lead 5 converted on day 32, outside the horizon; lead 8 has two
-- deals in it (deal_value is their sum).
SELECT lead_id, source, round(score::numeric, 6) AS score, status, converted, converted_at, days_to_convert, deal_value
FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days') ORDER BY lead_id::bigint;

-- The scores by plain SQL from the definition: per rule the (capped: 2 most
-- recent) matching rows at or before as_of, each worth points * 2^-(age /
-- 10 days), the sum clamped at 80.
WITH rules AS (
	SELECT * FROM (VALUES ('visit', 10, 2), ('demo', 40, NULL), ('page', 20, NULL), ('unsubscribe', -30, NULL))
	AS r(kind, points, cap)
), hits AS (
	SELECT a.lead_id, r.points, r.cap, a.at,
	       row_number() OVER (PARTITION BY a.lead_id, r.kind ORDER BY a.at DESC) AS recency
	FROM evaluate_test.activities a JOIN rules r ON r.kind = a.kind
	WHERE a.at <= '2026-02-01' AND (a.kind <> 'page' OR a.url LIKE '/pricing%')
), scores AS (
	SELECT lead_id, least(80, sum(points * power(2, -extract(epoch FROM '2026-02-01'::timestamptz - at) / 864000))) AS score
	FROM hits WHERE cap IS NULL OR recency <= cap GROUP BY lead_id
)
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(e.score - coalesce(s.score, 0)) < 1e-9) AS same_score
FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days') e LEFT JOIN scores s ON s.lead_id = e.lead_id::bigint;

-- The report: 9 leads, 4 converted.  Scores of the converted: 27.5, 50, 80,
-- 5; of the rest: 70, 10, -15, 0, 50: 13 of 20 pairs ordered right and one
-- tie (50, 50) counting half, AUC 13.5 / 20 = 0.675.
SELECT scope, source, segment, threshold, leads, converted, round(conversion_rate::numeric, 4) AS rate,
       round(lift::numeric, 4) AS lift, round(precision::numeric, 4) AS precision, round(recall::numeric, 4) AS recall,
       round(roc_auc::numeric, 4) AS roc_auc, round(avg_deal_value::numeric, 2) AS avg_deal_value,
       median_days_to_convert
FROM leadscore.evaluate('crm', '2026-02-01', '30 days');

-- ROC AUC by plain SQL as the Mann-Whitney pair count (ties one half).
WITH l AS (SELECT score, converted FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days'))
SELECT (SELECT roc_auc FROM leadscore.evaluate('crm', '2026-02-01', '30 days') WHERE segment = 'all') =
       (SELECT sum(CASE WHEN p.score > n.score THEN 1 WHEN p.score = n.score THEN 0.5 ELSE 0 END)::float8 / count(*)
        FROM l p, l n WHERE p.converted AND NOT n.converted) AS auc_matches;

-- By lead source: the first non-NULL channel at or before as_of (lead 1's
-- is 'web': its 01-02 row has none; lead 8's 'web' demo came after as_of).
-- Lift is against the rate of all leads; precision, recall and AUC within
-- the source.
SELECT scope, source, segment, leads, converted, round(conversion_rate::numeric, 4) AS rate,
       round(lift::numeric, 4) AS lift, round(recall::numeric, 4) AS recall, round(roc_auc::numeric, 4) AS roc_auc
FROM leadscore.evaluate('crm', '2026-02-01', '30 days', source_column => 'channel')
WHERE scope = 'source' AND segment IN ('all', 'above_mql');
SELECT lead_id, source FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days', 'channel') ORDER BY lead_id::bigint;
-- The same table named explicitly.
SELECT count(*) AS same_rows FROM (
	SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', 'channel')
	INTERSECT
	SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', 'channel', 'evaluate_test.activities')) x;

-- Sales' verdicts (scope 'handoff'): each lead's latest handoff of the
-- model created up to as_of, as it stands now.  Accepted: leads 1, 2, 4
-- (converted) and 3; rejected: 8 (converted) and 11 'wrong contact', 5 and
-- 9 'no budget' (5's earlier accepted handoff is not its latest); expired:
-- 10 (its handoff of 02-10 came after as_of).  Lead 7 is not evaluated, the
-- other model's handoff is not this model's; nobody is open.  4 of 9 leads
-- converted: accepted 3 of 4 (lift 0.75 / (4/9) = 1.6875), rejected 1 of 4.
INSERT INTO leadscore.handoffs (model, lead_id, owner, created_at, status, reason, closed_at) VALUES
	('crm', 1, 'ann', '2026-01-22', 'accepted', NULL, '2026-01-23'),
	('crm', 2, 'ann', '2026-02-01', 'accepted', NULL, '2026-02-02'),
	('crm', 3, 'bob', '2026-01-22', 'accepted', NULL, '2026-02-03'),
	('crm', 4, 'bob', '2026-02-01', 'accepted', NULL, '2026-02-01'),
	('crm', 5, 'ann', '2026-01-10', 'accepted', NULL, '2026-01-11'),
	('crm', 5, 'ann', '2026-01-25', 'rejected', 'no budget', '2026-01-26'),
	('crm', 9, 'bob', '2026-01-22', 'rejected', 'no budget', '2026-01-23'),
	('crm', 8, 'bob', '2026-01-22', 'rejected', 'wrong contact', '2026-01-24'),
	('crm', 11, NULL, '2026-02-01', 'rejected', 'wrong contact', '2026-02-04'),
	('crm', 10, 'ann', '2026-01-28', 'expired', NULL, '2026-01-31'),
	('crm', 10, 'ann', '2026-02-10', 'accepted', NULL, '2026-02-11'),
	('crm', 7, 'ann', '2026-01-20', 'rejected', 'spam', '2026-01-21'),
	('other', 9, 'ann', '2026-01-20', 'accepted', NULL, '2026-01-21');
SELECT scope, source, segment, threshold, leads, converted, round(conversion_rate::numeric, 4) AS rate,
       round(lift::numeric, 4) AS lift, precision, recall, roc_auc, round(avg_deal_value::numeric, 2) AS avg_deal_value,
       median_days_to_convert
FROM leadscore.evaluate('crm', '2026-02-01', '30 days') WHERE scope = 'handoff';
-- Each lead's handoff in evaluate_leads(), to list the rejected leads that
-- converted (lead 8).
SELECT lead_id, handoff, converted FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days')
ORDER BY lead_id::bigint;
-- Before any handoff was created there are no handoff rows.
SELECT count(*) AS handoff_rows FROM leadscore.evaluate('crm', '2026-01-05', '30 days') WHERE scope = 'handoff';
DELETE FROM leadscore.handoffs;

-- A source from an attached lead table: the lead's row.
CREATE TABLE evaluate_test.contacts (id bigint, origin text, employees integer, title text);
INSERT INTO evaluate_test.contacts VALUES (1, 'trade_fair', 500, 'Head of IT'), (2, 'paid_search', 20, 'Student'),
	(3, 'paid_search', 800, 'Analyst'), (4, NULL, 900, 'CEO'), (99, 'x', 10, NULL);
SELECT leadscore.attach_leads('evaluate_test.contacts', 'id') AS lead_rows;
SELECT source, segment, leads, converted FROM leadscore.evaluate('crm', '2026-02-01', '30 days', 'origin', 'evaluate_test.contacts')
WHERE scope = 'source' AND segment = 'all';

-- The SQL segment with grades.  A model with a grade profile and
-- sql_min_grade B counts a lead above SQL only when its score at as_of
-- reaches the SQL threshold and its grade is at least B.  Grades are not
-- historised: it is the lead's grade now (lead_scores.grade).  The same
-- rules as 'crm'; base C, big companies +2 (B-), decision makers +1,
-- students -6.
SELECT leadscore.create_grade_profile('fit') > 0 AS created;
SELECT leadscore.add_criterion('fit', 'employees >= 200', 2, 'big') > 0 AS added;
SELECT leadscore.add_criterion('fit', $$title ~* '(head|ceo|chief)'$$, 1, 'decision_maker') > 0 AS added;
SELECT leadscore.add_criterion('fit', $$title ~* 'student'$$, -6, 'student') > 0 AS added;
SELECT leadscore.create_model('graded', half_life => '10 days', mql_threshold => 30, sql_threshold => 60,
	max_score => 80, grade_profile => 'fit', sql_min_grade => 'B') > 0 AS created;
SET client_min_messages = warning;
SELECT count(leadscore.add_rule('graded', r.activity_type, r.points, r.stage, r.condition, r.max_count, r.name)) AS rules
FROM (SELECT r.* FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id WHERE m.name = 'crm' ORDER BY r.id) r;
SELECT leadscore.rescore('graded') AS rescored;
RESET client_min_messages;
-- Per lead: score and grade; leads 3 (B-) and 4 (B) score 70 and 80, so
-- only lead 4 is sql; leads without a lead row have no grade.
SELECT lead_id, round(score::numeric, 6) AS score, grade, status, converted
FROM leadscore.evaluate_leads('graded', '2026-02-01', '30 days') ORDER BY lead_id::bigint;
-- The segments: 'crm' has two leads above SQL (3 and 4), 'graded' one.
SELECT e.model, e.segment, e.threshold, e.leads, e.converted, round(e.conversion_rate::numeric, 4) AS rate,
       round(e.recall::numeric, 4) AS recall
FROM (SELECT 'crm' AS model, * FROM leadscore.evaluate('crm', '2026-02-01', '30 days')
      UNION ALL SELECT 'graded', * FROM leadscore.evaluate('graded', '2026-02-01', '30 days')) e
WHERE e.segment IN ('above_sql', 'below_sql') ORDER BY e.model, e.segment;
-- The same by plain SQL: the ungraded model's scores at as_of (the same
-- rules), today's grade from lead_scores, SQL = score >= 60 AND grade >= 'B'.
WITH l AS (
	SELECT e.lead_id, e.score, e.converted, s.grade
	FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days') e
	LEFT JOIN leadscore.lead_scores s ON s.model = 'graded' AND s.lead_id = e.lead_id::bigint
), x AS (
	SELECT 'above_sql' AS segment, count(*) AS leads, count(*) FILTER (WHERE converted) AS converted FROM l
	WHERE score >= 60 AND grade >= 'B'
	UNION ALL
	SELECT 'below_sql', count(*), count(*) FILTER (WHERE converted) FROM l
	WHERE NOT (score >= 60 AND coalesce(grade >= 'B', false))
)
SELECT x.segment, x.leads, x.converted, v.leads = x.leads AND v.converted = x.converted AS same
FROM x JOIN leadscore.evaluate('graded', '2026-02-01', '30 days') v USING (segment) WHERE v.scope = 'all'
ORDER BY x.segment;
-- Today's grade, whatever the grade was at as_of: a lead row changed now
-- changes the past evaluation (lead 3 becomes a decision maker: B).
UPDATE evaluate_test.contacts SET title = 'Head of Data' WHERE id = 3;
SELECT lead_id, grade, status FROM leadscore.evaluate_leads('graded', '2026-02-01', '30 days') WHERE lead_id IN ('3', '4')
ORDER BY lead_id;
-- A model with a grade profile but no sql_min_grade: grades play no part.
SELECT leadscore.create_model('graded_any', half_life => '10 days', mql_threshold => 30, sql_threshold => 60,
	max_score => 80, grade_profile => 'fit') > 0 AS created;
SET client_min_messages = warning;
SELECT count(leadscore.add_rule('graded_any', r.activity_type, r.points, r.stage, r.condition, r.max_count, r.name)) AS rules
FROM (SELECT r.* FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id WHERE m.name = 'crm' ORDER BY r.id) r;
SELECT leadscore.rescore('graded_any') AS rescored;
RESET client_min_messages;
SELECT segment, leads FROM leadscore.evaluate('graded_any', '2026-02-01', '30 days') WHERE segment = 'above_sql';
SELECT leadscore.drop_model('graded_any');
SELECT leadscore.drop_model('graded');
SELECT leadscore.detach('evaluate_test.contacts');

-- Scores as they stood: today's differ (lead 8's later demo counts now,
-- and everything has decayed since).
SELECT e.lead_id, round(e.score::numeric, 4) AS score_at_as_of, s.activity_count AS rows_now
FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days') e
JOIN leadscore.lead_scores s ON s.lead_id = e.lead_id::bigint AND s.model = 'crm'
WHERE e.lead_id = '8';

-- Two activity tables feed one model: a lead's rows from both count, its
-- first touch is the earliest of both.  Against plain SQL over their union.
-- Its time column is a timestamp, read as UTC.
CREATE TABLE evaluate_test.events (who bigint, what text, at_time timestamp, url text, channel text);
INSERT INTO evaluate_test.events VALUES (1, 'demo', '2026-01-31', NULL, 'event'), (12, 'demo', '2026-01-22', NULL, 'event'),
	(3, 'visit', '2026-01-01', NULL, 'event'), (12, 'demo', '2026-02-02', NULL, NULL),
	(12, 'page', '2026-01-31', '/pricing/b', NULL);
SELECT leadscore.attach_activities('evaluate_test.events', 'who', 'what', 'at_time') AS scored;
WITH rows AS (
	SELECT lead_id, kind, at, url FROM evaluate_test.activities
	UNION ALL SELECT who, what, at_time AT TIME ZONE 'UTC', url FROM evaluate_test.events
), rules AS (
	SELECT * FROM (VALUES ('visit', 10, 2), ('demo', 40, NULL), ('page', 20, NULL), ('unsubscribe', -30, NULL))
	AS r(kind, points, cap)
), hits AS (
	SELECT r.lead_id, u.points, u.cap, row_number() OVER (PARTITION BY r.lead_id, u.kind ORDER BY r.at DESC) AS recency,
	       power(2, -extract(epoch FROM '2026-02-01'::timestamptz - r.at) / 864000) AS weight
	FROM rows r JOIN rules u ON u.kind = r.kind
	WHERE r.at <= '2026-02-01' AND (r.kind <> 'page' OR r.url LIKE '/pricing%')
), scores AS (
	SELECT lead_id, least(80, sum(points * weight)) AS score FROM hits WHERE cap IS NULL OR recency <= cap GROUP BY lead_id
)
SELECT e.lead_id, e.source, round(e.score::numeric, 6) AS score, abs(e.score - coalesce(s.score, 0)) < 1e-9 AS same_as_sql
FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days', 'channel') e LEFT JOIN scores s ON s.lead_id = e.lead_id::bigint
WHERE e.lead_id IN ('1', '3', '12') ORDER BY e.lead_id::bigint;
SELECT kind, name, leads, converted FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01', min_leads => 1)
WHERE kind = 'rule' AND name IN ('demo', 'visit') ORDER BY name;
SELECT leadscore.detach('evaluate_test.events');

-- The caller's rights: an analyst who may read the CRM tables gets the
-- figures; without SELECT on the outcome table, a permission error.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_insight_analyst;
RESET client_min_messages;
CREATE ROLE regress_insight_analyst NOLOGIN;
GRANT USAGE ON SCHEMA evaluate_test TO regress_insight_analyst;
GRANT SELECT ON evaluate_test.activities TO regress_insight_analyst;
SET ROLE regress_insight_analyst;
SELECT count(*) FROM leadscore.evaluate('crm', '2026-02-01', '30 days');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT ON evaluate_test.deals TO regress_insight_analyst;
SET ROLE regress_insight_analyst;
SELECT segment, leads, converted FROM leadscore.evaluate('crm', '2026-02-01', '30 days') WHERE segment = 'all';
SELECT kind, leads, converted FROM leadscore.calibrate('crm', '2026-01-01', '2026-02-01') WHERE kind = 'population';
RESET ROLE;
REVOKE ALL ON evaluate_test.activities, evaluate_test.deals FROM regress_insight_analyst;
REVOKE USAGE ON SCHEMA evaluate_test FROM regress_insight_analyst;
DROP ROLE regress_insight_analyst;

-- No outcome rows: nobody converted; rates 0, no lift, no AUC.
TRUNCATE evaluate_test.deals;
SELECT segment, leads, converted, conversion_rate, lift, recall, roc_auc
FROM leadscore.evaluate('crm', '2026-02-01', '30 days');
-- At now() the scores are the engine's own, to 1e-9, for every lead (no
-- outcomes now, so none is left out; a model without decay, so the 2026
-- activity has not decayed to nothing by today).
SELECT leadscore.create_model('flat', half_life => NULL, max_score => 100) > 0 AS created;
SELECT leadscore.add_rule('flat', 'demo', 40) > 0 AS added;
SELECT leadscore.add_rule('flat', 'visit', 10, max_count => 2) > 0 AS added;
SELECT leadscore.rescore('flat') AS rescored;
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(e.score - s.score) <= 1e-9 * greatest(1, abs(s.score))) AS same
FROM leadscore.evaluate_leads('flat', now(), '1 day') e
JOIN leadscore.lead_scores s ON s.model = 'flat' AND s.lead_id = e.lead_id::bigint;

-- An as_of before any activity: an empty population.
SELECT segment, leads, conversion_rate, roc_auc FROM leadscore.evaluate('crm', '2020-01-01', '30 days') WHERE segment = 'all';

-- Errors.
SELECT * FROM leadscore.evaluate('nope', '2026-02-01', '30 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate(NULL, '2026-02-01', '30 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', NULL, '30 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', 'infinity', '30 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '-30 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '0');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate_leads('crm', '2026-02-01', '1 month -40 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', 'no_such_column');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', 'channel', 'evaluate_test.contacts');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', 'amount', 'evaluate_test.deals');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', source_table => 'evaluate_test.activities');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days', 'nope', 'evaluate_test.activities');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.detach('evaluate_test.deals');
SELECT * FROM leadscore.evaluate('crm', '2026-02-01', '30 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.evaluate_leads('crm', '2026-02-01', '30 days');
\echo :LAST_ERROR_SQLSTATE

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;

-- The same through the queue itself, with text lead keys: leads a-d reach
-- SQL and open handoffs, sales accept a and b and reject c and d; a, b and
-- c convert.  5 leads, 3 converted (0.6): accepted 2 of 2, rejected 1 of 2.
CREATE TABLE evaluate_test.touches (lead text, kind text, at timestamptz);
CREATE TABLE evaluate_test.wins (lead text, at timestamptz);
SELECT leadscore.create_model('queue', half_life => '30 days', mql_threshold => 20, sql_threshold => 50) > 0 AS created;
SELECT leadscore.add_rule('queue', 'demo', 60) > 0 AS added;
SELECT leadscore.add_rule('queue', 'visit', 10) > 0 AS added;
SELECT leadscore.attach_activities('evaluate_test.touches', 'lead', 'kind', 'at');
INSERT INTO evaluate_test.touches SELECT l, 'demo', now() - interval '1 hour' FROM unnest(ARRAY['a', 'b', 'c', 'd']) l;
INSERT INTO evaluate_test.touches VALUES ('e', 'visit', now() - interval '1 hour');
SELECT count(*) AS accepted FROM (SELECT leadscore.accept_handoff(id) FROM leadscore.handoffs
	WHERE lead_id IN ('a', 'b')) x;
SELECT count(*) AS rejected FROM (SELECT leadscore.reject_handoff(id, 'too small') FROM leadscore.handoffs
	WHERE lead_id IN ('c', 'd')) x;
SELECT lead_id, status, reason FROM leadscore.handoffs ORDER BY lead_id;
INSERT INTO evaluate_test.wins VALUES ('a', now() + interval '1 day'), ('b', now() + interval '2 days'),
	('c', now() + interval '3 days');
SELECT leadscore.attach_outcomes('evaluate_test.wins', 'lead', 'at') AS usable_rows;
SELECT segment, leads, converted, round(conversion_rate::numeric, 4) AS rate, round(lift::numeric, 4) AS lift
FROM leadscore.evaluate('queue', now(), '30 days') WHERE scope = 'handoff';

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA evaluate_test CASCADE;
