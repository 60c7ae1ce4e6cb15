-- bench/ingest.sh: one activity row per transaction (pgbench -f), with the
-- distributions of generate.sql.  @TABLE@ is replaced by the script; :leads
-- comes from pgbench -D.
\set lead random(1, :leads)
\set k random(1, 10)
\set age random(0, 31535999)
\set u random(1, 6)
\set d random(0, 3599)
\set post random(0, 199)
INSERT INTO @TABLE@ (lead_id, kind, occurred_at, url, duration_s)
VALUES (:lead,
	(ARRAY['page_view', 'blog_read', 'email_open', 'email_click', 'webinar', 'whitepaper',
	       'pricing_view', 'demo_request', 'unsubscribe', 'login']::text[])[:k],
	now() - make_interval(secs => :age),
	CASE :k::int
		WHEN 1 THEN (ARRAY['/pricing', '/pricing/enterprise', '/features', '/docs/install',
		                   '/customers', '/']::text[])[:u]
		WHEN 2 THEN '/blog/post-' || :post::int
	END,
	CASE :k::int WHEN 1 THEN :d::int % 600 WHEN 5 THEN :d::int END);
