-- bench/citus_ingest.sh: one activity row per transaction (pgbench -f), as
-- bench/ingest/pgbench_insert.sql but with url and duration chosen by
-- pgbench: Citus 13 sends that script's CASE over a parameter to the shard
-- as a comparison of an integer with a boolean, which fails.  @TABLE@ is
-- replaced by the script; :leads comes from pgbench -D.
\set lead random(1, :leads)
\set k random(1, 10)
\set age random(0, 31535999)
\set u random(1, 6)
\set d random(0, 3599)
INSERT INTO @TABLE@ (lead_id, kind, occurred_at, url, duration_s)
VALUES (:lead,
	(ARRAY['page_view', 'blog_read', 'email_open', 'email_click', 'webinar', 'whitepaper',
	       'pricing_view', 'demo_request', 'unsubscribe', 'login']::text[])[:k],
	now() - make_interval(secs => :age),
	(ARRAY['/pricing', '/pricing/enterprise', '/features', '/docs/install', '/customers', '/']::text[])[:u],
	:d);
