-- bench/evaluate.sh, step 1: the CRM tables, the model and the data.
--
-- psql variables: rows, leads, lead_index (0/1).
--
-- bench.activities: `rows` activity rows of `leads` leads (uniformly random
-- lead), ten types uniformly, times uniform over 2025, page views with a
-- url (1/3 under /pricing) and a duration of 0-599 s, blog reads a url,
-- webinars a duration of 0-3599 s: bench/ingest's workload, with fixed
-- dates so that as_of is fixed.  bench.deals: a planted signal, so that the
-- segments differ: a lead with a demo request or a pricing view in the two
-- months before 2025-10-01 wins a deal with probability 12 %, any other 3 %,
-- at a time uniform over 2025-07-01 .. 2025-11-28 (some before as_of: they
-- are customers already and left out), with an amount of 1,000-10,000.
--
-- The model is bench/ingest's (bench/ingest/setup.sql): 30-day half-life,
-- MQL 50, SQL 100, ten rules (two with conditions, three capped, one
-- negative) and a type no rule names.  bench/evaluate/plain.sql spells the
-- same rules out in SQL.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
SELECT NULL AS seeded FROM pg_catalog.setseed(0.4242) \gset

CREATE TABLE bench.activities (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lead_id bigint NOT NULL,
	kind text NOT NULL,
	occurred_at timestamptz NOT NULL,
	url text,
	duration_s integer
);
CREATE TABLE bench.deals (lead_id bigint NOT NULL, won_at timestamptz NOT NULL, amount numeric);

INSERT INTO bench.activities (lead_id, kind, occurred_at, url, duration_s)
SELECT g.lead_id, g.kind, g.occurred_at,
	CASE g.kind
		WHEN 'page_view' THEN (ARRAY['/pricing', '/pricing/enterprise', '/features', '/docs/install',
		                             '/customers', '/'])[1 + floor(random() * 6)::int]
		WHEN 'blog_read' THEN '/blog/post-' || floor(random() * 200)::int
	END,
	CASE g.kind
		WHEN 'page_view' THEN floor(random() * 600)::int
		WHEN 'webinar' THEN floor(random() * 3600)::int
	END
FROM (SELECT (1 + floor(random() * :leads))::bigint AS lead_id,
		(ARRAY['page_view', 'blog_read', 'email_open', 'email_click', 'webinar', 'whitepaper',
		       'pricing_view', 'demo_request', 'unsubscribe', 'login'])[1 + floor(random() * 10)::int] AS kind,
		'2025-01-01 00:00:00+00'::timestamptz + random() * interval '365 days' AS occurred_at
	FROM generate_series(1, :rows)
	OFFSET 0) g;

INSERT INTO bench.deals
SELECT l.lead_id, '2025-07-01 00:00:00+00'::timestamptz + random() * interval '150 days',
	round((1000 + random() * 9000)::numeric, 2)
FROM (SELECT lead_id, bool_or(kind IN ('demo_request', 'pricing_view')
		AND occurred_at > '2025-08-01 00:00:00+00' AND occurred_at <= '2025-10-01 00:00:00+00') AS hot
	FROM bench.activities GROUP BY lead_id) l
WHERE random() < CASE WHEN l.hot THEN 0.12 ELSE 0.03 END;

SELECT :lead_index = 1 AS want_lead_index \gset
\if :want_lead_index
CREATE INDEX ON bench.activities (lead_id, occurred_at);
CREATE INDEX ON bench.deals (lead_id);
\endif

\ir ../ingest/model.sql
-- Attaching scores the history (not timed: evaluate() does not read the
-- state, it recomputes every lead as of as_of).
SELECT leadscore.attach_activities('bench.activities', 'lead_id', 'kind', 'occurred_at') AS scored;
SELECT leadscore.attach_outcomes('bench.deals', 'lead_id', 'won_at', 'amount') AS outcomes;
VACUUM ANALYZE;
SELECT count(*) AS activity_rows, count(DISTINCT lead_id) AS leads FROM bench.activities;
SELECT count(*) AS deals FROM bench.deals;
