-- The benchmarks' model (bench/ingest/setup.sql describes it), read by
-- bench/ingest/setup.sql, which bench/accounts.sh runs too, and by
-- bench/evaluate/setup.sql.
SELECT leadscore.create_model('bench', half_life => '30 days');
SELECT leadscore.add_rule('bench', 'page_view', 2, stage => 'awareness', max_count => 20);
SELECT leadscore.add_rule('bench', 'page_view', 15, stage => 'consideration',
	condition => 'url LIKE ''/pricing%'' AND duration_s >= 30', name => 'pricing_page');
SELECT leadscore.add_rule('bench', 'blog_read', 5, stage => 'awareness', max_count => 5);
SELECT leadscore.add_rule('bench', 'email_open', 1, max_count => 10);
SELECT leadscore.add_rule('bench', 'email_click', 8, stage => 'awareness');
SELECT leadscore.add_rule('bench', 'webinar', 25, stage => 'consideration', condition => 'duration_s >= 600');
SELECT leadscore.add_rule('bench', 'whitepaper', 20, stage => 'consideration');
SELECT leadscore.add_rule('bench', 'pricing_view', 35, stage => 'decision');
SELECT leadscore.add_rule('bench', 'demo_request', 50, stage => 'decision');
SELECT leadscore.add_rule('bench', 'unsubscribe', -40);
