-- bench/learn.sh, part 3: the Olist marketing funnel as a CRM, as
-- scripts/demo.sql and test/t/008_insight_olist.pl load it (data/README.md):
-- 8,000 real leads with their first contact and origin, 842 real won deals,
-- and the DERIVED activity stream (33,067 rows, mostly synthetic, with a
-- planted signal: won leads were given richer activity on purpose).
--
-- psql variables: datadir (the repository's data/), offset (how long after
-- its first contact each lead is judged, an interval).
--
-- The model is the demo's marketplace_seller_graded: its ten rules (no
-- decay) and the seller_fit grade profile on the observed origin.  Each
-- lead is judged at first_contact_date + offset (olist.train, olist.test:
-- lead_id, as_of); a hash of the lead id puts 30 % of the leads in the
-- test split, independent of everything else.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
DROP SCHEMA IF EXISTS olist CASCADE;
CREATE SCHEMA olist;
RESET client_min_messages;
SET TimeZone = 'UTC';

CREATE TABLE olist.contacts (id bigint PRIMARY KEY, mql_id text NOT NULL UNIQUE, first_contact_date date NOT NULL,
	landing_page_id text, origin text);
CREATE TABLE olist.deals (contact_id bigint PRIMARY KEY REFERENCES olist.contacts, won_at timestamptz NOT NULL);
CREATE TABLE olist.activities (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, lead_id bigint NOT NULL,
	kind text NOT NULL, occurred_at timestamptz NOT NULL, url text, duration_s integer, channel text, source text NOT NULL);
CREATE INDEX ON olist.activities (lead_id, occurred_at);
CREATE TEMP TABLE olist_mql (mql_id text, first_contact_date date, landing_page_id text, origin text);
CREATE TEMP TABLE olist_deals (mql_id text, seller_id text, sdr_id text, sr_id text, won_date timestamp,
	business_segment text, lead_type text, lead_behaviour_profile text, has_company text, has_gtin text,
	average_stock text, business_type text, declared_product_catalog_size text, declared_monthly_revenue text);
\set mql_file :datadir '/olist/olist_marketing_qualified_leads_dataset.csv'
\set deals_file :datadir '/olist/olist_closed_deals_dataset.csv'
\set activities_file :datadir '/derived/activities.csv'
COPY olist_mql FROM :'mql_file' (FORMAT csv, HEADER);
COPY olist_deals FROM :'deals_file' (FORMAT csv, HEADER);
INSERT INTO olist.contacts
SELECT row_number() OVER (ORDER BY mql_id COLLATE "C"), mql_id, first_contact_date, landing_page_id, origin
FROM olist_mql;
INSERT INTO olist.deals SELECT c.id, d.won_date FROM olist_deals d JOIN olist.contacts c USING (mql_id);
COPY olist.activities (lead_id, kind, occurred_at, url, duration_s, channel, source)
	FROM :'activities_file' (FORMAT csv, HEADER);

-- The demo's graded model (scripts/demo.sql, sections 2 and 12).
SET client_min_messages = warning;
SELECT leadscore.create_grade_profile('seller_fit', base => 'C') > 0 AS profile;
SELECT leadscore.add_criterion('seller_fit', $$origin IN ('organic_search', 'paid_search', 'direct_traffic')$$, 3,
		'search or direct') > 0,
	leadscore.add_criterion('seller_fit', $$origin IN ('email', 'social')$$, -2, 'email or social') > 0,
	leadscore.add_criterion('seller_fit', $$origin IS NULL OR origin = 'unknown'$$, -1, 'channel unknown') > 0;
SELECT leadscore.create_model('seller', half_life => NULL, mql_threshold => 50, sql_threshold => 100,
	stages => '{awareness,consideration,decision}', grade_profile => 'seller_fit', sql_min_grade => 'B') > 0;
SELECT leadscore.add_rule('seller', 'form_fill', 30, 'awareness', name => 'signed_up') > 0,
	leadscore.add_rule('seller', 'page_view', 5, 'awareness', condition => $$url LIKE '/blog/%'$$, name => 'blog_post') > 0,
	leadscore.add_rule('seller', 'email_open', 8, 'awareness', max_count => 5) > 0,
	leadscore.add_rule('seller', 'email_click', 10, 'consideration') > 0,
	leadscore.add_rule('seller', 'content_download', 20, 'consideration') > 0,
	leadscore.add_rule('seller', 'webinar', 25, 'consideration', condition => 'duration_s >= 600',
		name => 'webinar_attended') > 0,
	leadscore.add_rule('seller', 'page_view', 35, 'consideration',
		condition => $$url LIKE '/pricing%' AND duration_s >= 30$$, name => 'pricing_read') > 0,
	leadscore.add_rule('seller', 'demo_request', 50, 'decision') > 0,
	leadscore.add_rule('seller', 'unsubscribe', -40) > 0,
	leadscore.add_rule('seller', 'page_view', -10, condition => $$url LIKE '/careers%'$$, name => 'careers_page') > 0;
SELECT leadscore.attach_activities('olist.activities', 'lead_id', 'kind', 'occurred_at') AS scored;
SELECT leadscore.attach_leads('olist.contacts', 'id') AS graded;
SELECT leadscore.attach_outcomes('olist.deals', 'contact_id', 'won_at') AS outcomes;
RESET client_min_messages;

-- Each lead judged at first contact + offset; test when a hash of its id
-- is below 0.3 (independent of its activity, origin and outcome).
CREATE TABLE olist.leads AS
SELECT id AS lead_id, first_contact_date::timestamptz + :'offset'::interval AS as_of,
	((pg_catalog.hashint8extended(id, 20261207) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 < 0.3 AS test
FROM olist.contacts;
CREATE TABLE olist.train AS SELECT lead_id, as_of FROM olist.leads WHERE NOT test;
CREATE TABLE olist.test AS SELECT lead_id, as_of FROM olist.leads WHERE test;
ANALYZE;
SELECT (SELECT count(*) FROM olist.contacts) AS leads, (SELECT count(*) FROM olist.deals) AS won,
	(SELECT count(*) FROM olist.activities) AS activity_rows,
	(SELECT count(*) FROM olist.train) AS train, (SELECT count(*) FROM olist.test) AS test;
