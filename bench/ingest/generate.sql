-- bench/ingest.sh, step 2: the activity rows every bulk load inserts,
-- generated once so that generation is not timed: bench.staging (for
-- INSERT ... SELECT) and the same rows as a COPY text file (for COPY FROM).
--
-- psql variables: rows, leads, copy_file (written by the server, as postgres).
-- Rows: a uniformly random lead of 1..leads, one of ten types uniformly,
-- a time uniformly over the year up to now, in random order (so most rows
-- are late relative to their lead's newest); page views carry a url (1/3 of
-- them under /pricing) and a duration of 0-599 s, blog reads a url,
-- webinars a duration of 0-3599 s.  The same distributions as
-- pgbench_insert.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT NULL AS seeded FROM pg_catalog.setseed(0.4242) \gset
DROP TABLE IF EXISTS bench.staging;
CREATE TABLE bench.staging AS
SELECT g.lead_id, g.kind, g.occurred_at,
	CASE g.kind
		WHEN 'page_view' THEN (ARRAY['/pricing', '/pricing/enterprise', '/features', '/docs/install',
		                             '/customers', '/'])[1 + floor(random() * 6)::int]
		WHEN 'blog_read' THEN '/blog/post-' || floor(random() * 200)::int
	END AS url,
	CASE g.kind
		WHEN 'page_view' THEN floor(random() * 600)::int
		WHEN 'webinar' THEN floor(random() * 3600)::int
	END AS duration_s
FROM (SELECT (1 + floor(random() * :leads))::bigint AS lead_id,
		(ARRAY['page_view', 'blog_read', 'email_open', 'email_click', 'webinar', 'whitepaper',
		       'pricing_view', 'demo_request', 'unsubscribe', 'login'])[1 + floor(random() * 10)::int] AS kind,
		now() - random() * interval '365 days' AS occurred_at
	FROM generate_series(1, :rows)
	OFFSET 0) g;
VACUUM ANALYZE bench.staging;
COPY bench.staging (lead_id, kind, occurred_at, url, duration_s) TO :'copy_file';
SELECT count(*) AS staged_rows, count(DISTINCT lead_id) AS leads, count(DISTINCT kind) AS types,
	min(occurred_at)::date AS first_day, max(occurred_at)::date AS last_day
FROM bench.staging;
