-- The aggregates score_agg and stage_agg: a lead's score and stage at as_of
-- from the rows of any query (no attachment needed), with the engine's
-- decay, caps, max_score and stages; conditions read a jsonb row; parallel
-- plans give the serial answer; every error.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA agg_test;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- A staging table, not attached to anything.
CREATE TABLE agg_test.staging (lead bigint, kind text, at timestamptz, url text, duration_s integer);
INSERT INTO agg_test.staging VALUES
	(1, 'visit', '2026-01-02', '/blog', 10), (1, 'visit', '2026-01-12', '/pricing', 45),
	(1, 'visit', '2026-01-22', '/pricing', 5), (1, 'demo', '2026-01-22', NULL, NULL),   -- 5 + 2.5 (cap 2) + 20
	(2, 'demo', '2026-02-01', NULL, NULL), (2, 'webinar', '2026-01-22', NULL, 3600),     -- 40 + 12.5
	(2, 'demo', '2026-02-05', NULL, NULL),                                               -- after as_of: left out
	(3, 'demo', '2026-02-01', NULL, NULL), (3, 'demo', '2026-02-01', NULL, NULL),
	(3, 'demo', '2026-02-01', NULL, NULL),                                               -- 120, clamped at 100
	(4, 'unsubscribe', '2026-01-22', NULL, NULL), (4, 'trade_fair', '2026-01-30', NULL, NULL), -- -15; no rule
	(5, NULL, '2026-01-30', NULL, NULL), (5, 'demo', NULL, NULL, NULL),                  -- skipped: no type, no time
	(6, 'visit', '2026-01-31', '/blog', 1);                                              -- 10 * 2^-0.1

SELECT leadscore.create_model('m', half_life => '10 days', max_score => 100) > 0 AS created;
SELECT leadscore.add_rule('m', 'visit', 10, 'awareness', max_count => 2) > 0 AS added;
SELECT leadscore.add_rule('m', 'demo', 40, 'decision') > 0 AS added;
SELECT leadscore.add_rule('m', 'webinar', 25, 'consideration') > 0 AS added;
SELECT leadscore.add_rule('m', 'unsubscribe', -30) > 0 AS added;

-- Scores and stages as of 2026-02-01.
SELECT lead, round(leadscore.score_agg('m', kind, at, '2026-02-01')::numeric, 6) AS score,
       leadscore.stage_agg('m', kind, at, '2026-02-01') AS stage
FROM agg_test.staging GROUP BY lead ORDER BY lead;
-- The same by plain SQL from the definition.
WITH rules AS (
	SELECT * FROM (VALUES ('visit', 10, 2), ('demo', 40, NULL), ('webinar', 25, NULL), ('unsubscribe', -30, NULL))
	AS r(kind, points, cap)
), hits AS (
	SELECT s.lead, r.points, r.cap, row_number() OVER (PARTITION BY s.lead, r.kind ORDER BY s.at DESC) AS recency,
	       power(2, -extract(epoch FROM '2026-02-01'::timestamptz - s.at) / 864000) AS weight
	FROM agg_test.staging s JOIN rules r ON r.kind = s.kind WHERE s.at <= '2026-02-01'
), by_sql AS (
	SELECT lead, least(100, sum(points * weight)) AS score FROM hits WHERE cap IS NULL OR recency <= cap GROUP BY lead
)
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(a.score - coalesce(b.score, 0)) < 1e-9) AS same
FROM (SELECT lead, leadscore.score_agg('m', kind, at, '2026-02-01') AS score FROM agg_test.staging GROUP BY lead) a
LEFT JOIN by_sql b USING (lead);

-- Backtests: each lead as of its own date (as_of is constant per group).
CREATE TABLE agg_test.cutoffs (lead bigint, as_of timestamptz);
INSERT INTO agg_test.cutoffs VALUES (1, '2026-01-12'), (2, '2026-02-10'), (3, '2026-01-01');
SELECT s.lead, round(leadscore.score_agg('m', s.kind, s.at, c.as_of)::numeric, 6) AS score,
       leadscore.stage_agg('m', s.kind, s.at, c.as_of) AS stage
FROM agg_test.staging s JOIN agg_test.cutoffs c USING (lead) GROUP BY s.lead, c.as_of ORDER BY s.lead;

-- Without as_of: now().  Against the engine: attach the table and compare.
SELECT leadscore.attach_activities('agg_test.staging', 'lead', 'kind', 'at') AS scored;
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(a.score - l.score) <= 1e-9 * greatest(1e-30, abs(l.score))
	AND a.stage IS NOT DISTINCT FROM l.stage) AS same
FROM (SELECT lead, leadscore.score_agg('m', kind, at) AS score, leadscore.stage_agg('m', kind, at) AS stage
      FROM agg_test.staging GROUP BY lead) a
JOIN leadscore.lead_scores l ON l.model = 'm' AND l.lead_id = a.lead;
SELECT leadscore.detach('agg_test.staging');

-- Rules with conditions need the row: pass it as jsonb.
SELECT leadscore.add_rule('m', 'visit', 15, 'consideration', condition => $$url LIKE '/pricing%' AND duration_s >= 30$$,
	name => 'pricing_read') > 0 AS added;
SELECT lead, round(leadscore.score_agg('m', kind, at, '2026-02-01', to_jsonb(s))::numeric, 6) AS score,
       round(leadscore.score_agg('m', kind, at, '2026-02-01', '{}')::numeric, 6) AS no_attributes,
       round(leadscore.score_agg('m', kind, at, '2026-02-01', NULL::jsonb)::numeric, 6) AS null_row,
       leadscore.stage_agg('m', kind, at, '2026-02-01', to_jsonb(s)) AS stage
FROM agg_test.staging s GROUP BY lead ORDER BY lead;
-- jsonb values are typed per row: a numeric string compares as a number.
SELECT round(leadscore.score_agg('m', 'visit', '2026-02-01', '2026-02-01',
	jsonb_build_object('url', '/pricing/x', 'duration_s', '60'))::numeric, 6) AS score;

-- No rows: NULL, like sum().
SELECT leadscore.score_agg('m', kind, at, '2026-02-01') AS score, leadscore.stage_agg('m', kind, at, '2026-02-01') AS stage
FROM agg_test.staging WHERE false;

-- The step as a plain function does not change its argument.
WITH s AS (SELECT leadscore._score_agg_step(NULL, 'm', 'demo', '2026-02-01', '2026-02-01', '{}') AS state)
SELECT leadscore._score_agg_final(leadscore._score_agg_step(state, 'm', 'demo', '2026-02-01', '2026-02-01', '{}')) AS twice,
       leadscore._score_agg_final(state) AS once
FROM s;

-- Parallel plans: partial aggregates in the workers, combined in the
-- leader, the same answer as the serial plan.
CREATE TABLE agg_test.big AS
SELECT i % 300 AS lead, (ARRAY['visit', 'demo', 'webinar', 'unsubscribe', 'other'])[1 + i % 5] AS kind,
       '2026-01-01'::timestamptz + (i % 997) * interval '1 hour' AS at,
       CASE WHEN i % 3 = 0 THEN '/pricing/p' ELSE '/blog' END AS url, i % 90 AS duration_s
FROM generate_series(1, 30000) i;
ANALYZE agg_test.big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT lead, leadscore.score_agg('m', kind, at, '2026-03-01', to_jsonb(b)), leadscore.stage_agg('m', kind, at, '2026-03-01', to_jsonb(b))
FROM agg_test.big b GROUP BY lead;
CREATE TEMP TABLE parallel_run AS
SELECT lead, leadscore.score_agg('m', kind, at, '2026-03-01', to_jsonb(b)) AS score,
       leadscore.stage_agg('m', kind, at, '2026-03-01', to_jsonb(b)) AS stage
FROM agg_test.big b GROUP BY lead;
-- Without GROUP BY: one partial state per worker.  A model without decay
-- or maximum: 6,000 rows each of demo (40), webinar (25), unsubscribe (-30)
-- and the last 2 of 6,000 visits (10 each), exactly 210,020.
SELECT leadscore.create_model('flat', half_life => NULL) > 0 AS created;
SELECT count(leadscore.add_rule('flat', r.activity_type, r.points, max_count => r.max_count))
FROM leadscore.rules r WHERE r.model_id = (SELECT id FROM leadscore.models WHERE name = 'm') AND r.condition IS NULL;
-- It runs: two workers launched, each returning its partial state.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT leadscore.score_agg('flat', kind, at, '2026-03-01') FROM agg_test.big;
SELECT leadscore.score_agg('flat', kind, at, '2026-03-01') AS all_rows_one_lead FROM agg_test.big;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_run AS
SELECT lead, leadscore.score_agg('m', kind, at, '2026-03-01', to_jsonb(b)) AS score,
       leadscore.stage_agg('m', kind, at, '2026-03-01', to_jsonb(b)) AS stage
FROM agg_test.big b GROUP BY lead;
SELECT leadscore.score_agg('flat', kind, at, '2026-03-01') AS all_rows_one_lead FROM agg_test.big;
SELECT count(*) AS leads,
       count(*) FILTER (WHERE abs(p.score - s.score) <= 1e-9 * greatest(1, abs(s.score)) AND p.stage IS NOT DISTINCT FROM s.stage) AS same,
       count(DISTINCT s.stage) AS stages
FROM parallel_run p JOIN serial_run s USING (lead);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Errors.
-- Conditions without the row.
SELECT leadscore.score_agg('m', kind, at, '2026-02-01') FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.stage_agg('m', kind, at) FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.score_agg('nope', kind, at, '2026-02-01', '{}') FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.score_agg(NULL, kind, at, '2026-02-01', '{}') FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.score_agg('m', kind, at, NULL, '{}') FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.score_agg('m', kind, at, 'infinity', '{}') FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.score_agg('m', kind, at, '2026-02-01', '[1, 2]') FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
-- One group, two as_of times or two models.
SELECT leadscore.score_agg('m', kind, at, at, '{}') FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('other') > 0 AS created;
SELECT leadscore.score_agg(CASE WHEN lead = 1 THEN 'm' ELSE 'other' END, kind, at, '2026-02-01', '{}') FROM agg_test.staging;
\echo :LAST_ERROR_SQLSTATE
-- Bytes that are not a state.
SELECT leadscore._score_agg_final('\x0102'::bytea);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore._stage_agg_final(leadscore._score_agg_step(NULL, 'm', 'demo', '2026-02-01', '2026-02-01', '{}') || '\x00'::bytea);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore._score_agg_combine(leadscore._score_agg_step(NULL, 'm', 'demo', '2026-02-01', '2026-02-01', '{}'),
	leadscore._score_agg_step(NULL, 'other', 'demo', '2026-02-01', '2026-02-01', '{}'));
\echo :LAST_ERROR_SQLSTATE

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA agg_test CASCADE;
