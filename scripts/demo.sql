-- The leadscore demo.  scripts/demo.sh runs it on a throw-away cluster:
--   psql -v ON_ERROR_STOP=1 -v datadir=<dir>/data -f demo.sql
-- Data: data/README.md.  The leads and won deals are real (Olist marketing
-- funnel, CC BY-NC-SA 4.0, demo/test use only); the activity stream is
-- DERIVED from them by data/derive_activities.py (synthetic rows, a planted
-- signal), so nothing below is evidence that any model predicts anything.
--
-- What it prints is meant to be read: a sentence says what to look at, the
-- table below it has the few columns that matter, rounded.  The setup
-- statements run silently (\o /dev/null); read them here.  demo.sh then
-- writes a report page with charts of the same data (scripts/report/).
\set QUIET on
\pset footer off
\pset null ''
SET TimeZone = 'UTC';
\echo 'leadscore demo.  Leads and won deals: REAL (Olist marketing funnel, CC BY-NC-SA 4.0,'
\echo 'demo/test use only).  Activity stream: DERIVED from them by data/derive_activities.py,'
\echo 'mostly synthetic, with a planted signal (data/README.md).  Times are shown in UTC.'
\echo 'Every statement is in scripts/demo.sql; the setup runs silently, results are shown.'

\echo
\echo '=== 1. A CRM: 8,000 real B2B leads (Olist sellers), 842 won deals, and an activity table'

CREATE EXTENSION leadscore;
CREATE SCHEMA crm;

-- One row per lead (an Olist MQL: a business that signed up on a landing page).
-- id is the CRM's bigint key: 1 + the position of mql_id in byte order, the
-- numbering data/derive_activities.py uses for the activity rows.
CREATE TABLE crm.contacts (
	id bigint PRIMARY KEY,
	mql_id text NOT NULL UNIQUE,
	first_contact_date date NOT NULL,
	landing_page_id text,
	origin text
);

-- Won deals (observed outcomes, 842 rows).
CREATE TABLE crm.deals (
	contact_id bigint PRIMARY KEY REFERENCES crm.contacts,
	won_at timestamptz NOT NULL,
	business_segment text,
	lead_type text,
	business_type text
);

-- What the leads do: web visits, form fills, emails, webinars ...
-- source says where a row comes from: 'olist' (observed first contact),
-- 'synthetic' (derived), 'demo' (typed in below).
CREATE TABLE crm.activities (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lead_id bigint NOT NULL REFERENCES crm.contacts,
	kind text NOT NULL,
	occurred_at timestamptz NOT NULL,
	url text,
	duration_s integer,
	channel text,
	source text NOT NULL
);
CREATE INDEX ON crm.activities (lead_id, occurred_at);

-- The real Olist files, unchanged, read by the server (COPY needs a literal
-- file name, so psql glues :datadir and the file name together first).
CREATE TEMP TABLE olist_mql (mql_id text, first_contact_date date, landing_page_id text, origin text);
CREATE TEMP TABLE olist_deals (mql_id text, seller_id text, sdr_id text, sr_id text, won_date timestamp,
	business_segment text, lead_type text, lead_behaviour_profile text, has_company text, has_gtin text,
	average_stock text, business_type text, declared_product_catalog_size text, declared_monthly_revenue text);
\set mql_file :datadir '/olist/olist_marketing_qualified_leads_dataset.csv'
\set deals_file :datadir '/olist/olist_closed_deals_dataset.csv'
\set activities_file :datadir '/derived/activities.csv'
COPY olist_mql FROM :'mql_file' (FORMAT csv, HEADER);
COPY olist_deals FROM :'deals_file' (FORMAT csv, HEADER);

INSERT INTO crm.contacts
SELECT row_number() OVER (ORDER BY mql_id COLLATE "C"), mql_id, first_contact_date, landing_page_id, origin
FROM olist_mql;
INSERT INTO crm.deals
SELECT c.id, d.won_date, d.business_segment, d.lead_type, d.business_type
FROM olist_deals d JOIN crm.contacts c USING (mql_id);

\echo '--- The CRM as loaded: leads from June 2017, the last win in November 2018.'
SELECT (SELECT count(*) FROM crm.contacts) AS leads, (SELECT count(*) FROM crm.deals) AS won,
	(SELECT min(first_contact_date) FROM crm.contacts) AS first_lead,
	(SELECT max(won_at)::date FROM crm.deals) AS last_win;

\echo
\echo '=== 2. Two scoring models over the same rules'
\echo '--- The data is from 2017-2018 and scores decay relative to now(), so the main model,'
\echo '--- marketplace_seller, has no decay (half_life => NULL): it scores the whole history.'
\echo '--- A copy with a 30-day half-life, marketplace_seller_30d, shows what decay does.'
\o /dev/null
SELECT leadscore.create_model('marketplace_seller', half_life => NULL,
	mql_threshold => 50, sql_threshold => 100,
	stages => '{awareness,consideration,decision}');
SELECT leadscore.add_rule('marketplace_seller', 'form_fill', 30, 'awareness', name => 'signed_up');
SELECT leadscore.add_rule('marketplace_seller', 'page_view', 5, 'awareness',
	condition => $$url LIKE '/blog/%'$$, name => 'blog_post');
SELECT leadscore.add_rule('marketplace_seller', 'email_open', 8, 'awareness', max_count => 5);
SELECT leadscore.add_rule('marketplace_seller', 'email_click', 10, 'consideration');
SELECT leadscore.add_rule('marketplace_seller', 'content_download', 20, 'consideration');
SELECT leadscore.add_rule('marketplace_seller', 'webinar', 25, 'consideration',
	condition => 'duration_s >= 600', name => 'webinar_attended');
SELECT leadscore.add_rule('marketplace_seller', 'page_view', 35, 'consideration',
	condition => $$url LIKE '/pricing%' AND duration_s >= 30$$, name => 'pricing_read');
SELECT leadscore.add_rule('marketplace_seller', 'demo_request', 50, 'decision');
SELECT leadscore.add_rule('marketplace_seller', 'unsubscribe', -40);
SELECT leadscore.add_rule('marketplace_seller', 'page_view', -10,
	condition => $$url LIKE '/careers%'$$, name => 'careers_page');

SELECT leadscore.create_model('marketplace_seller_30d', half_life => '30 days',
	mql_threshold => 50, sql_threshold => 100);
SELECT leadscore.add_rule('marketplace_seller_30d', r.activity_type, r.points, r.stage, r.condition, r.max_count, r.name)
FROM (SELECT r.* FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id
	WHERE m.name = 'marketplace_seller' ORDER BY r.id) r;
\o

\echo '--- The rules: points per buying stage, conditions on the activity row''s columns, a cap'
\echo '--- (only the 5 most recent email opens count) and two negative rules.  on_type: the activity'
\echo '--- type a rule scores, where it is not the rule''s name.'
SELECT r.name AS rule, nullif(r.activity_type, r.name) AS on_type, r.points, r.stage, r.condition, r.max_count AS cap
FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id
WHERE m.name = 'marketplace_seller' ORDER BY r.id;

\echo
\echo '=== 3. Attach the activity table, then load 33,067 rows: the triggers score them as they arrive'
\o /dev/null
SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'occurred_at');
\o
\echo '--- The load, timed: one COPY, scored in the same transaction.'
\timing on
COPY crm.activities (lead_id, kind, occurred_at, url, duration_s, channel, source)
	FROM :'activities_file' (FORMAT csv, HEADER);
\timing off
\echo '--- The rows are dated 2017-2018: the load queued its leads, and tick() (pg_cron runs it'
\echo '--- every minute, section 15) takes their mql_at and sql_at from that history.'
SELECT leadscore.tick() >= 0 AS history_walked;
\echo '--- What was loaded: the sign-ups are observed, the rest derived.  email_sent has no rule.'
SELECT source, kind, count(*) AS rows FROM crm.activities GROUP BY 1, 2 ORDER BY 1, 3 DESC;

\echo
\echo '=== 4. The hottest leads (no decay), from the (model, stored score) index'
\echo '--- last_activity is when the lead last did something (2017-2018).  mql_at is when its'
\echo '--- score crossed the MQL threshold in that history, which tick() walked in time order'
\echo '--- (README, "Back-filled history"); for rows written as they happen, the time of the write.'
SELECT lead_id, round(score::numeric, 1) AS score, stage, status, activity_count AS activities,
	last_activity_at::date AS last_activity, date_trunc('second', mql_at) AS mql_at
FROM leadscore.top_leads('marketplace_seller', 5);

\echo '--- Status: nurture < 50 <= mql < 100 <= sql.  Stage: the furthest stage with >= 10 points.'
\echo '--- Look at the counts: most leads only signed up (30 points, awareness).'
SELECT status, stage, count(*) AS leads, round(avg(score)) AS avg_score
FROM leadscore.lead_scores WHERE model = 'marketplace_seller'
GROUP BY status, stage ORDER BY min(score) DESC;

\echo '--- lead_scores.lead_id is bigint like crm.contacts.id: a plain join brings the CRM''s'
\echo '--- columns.  Some hot leads were won, some not.'
SELECT c.id AS lead_id, c.origin, c.first_contact_date AS first_contact, round(ls.score::numeric) AS score,
	ls.status, d.won_at::date AS won, d.business_segment AS segment
FROM leadscore.lead_scores ls
JOIN crm.contacts c ON c.id = ls.lead_id
LEFT JOIN crm.deals d ON d.contact_id = c.id
WHERE ls.model = 'marketplace_seller'
ORDER BY ls.score DESC, c.id LIMIT 6;

\echo
\echo '=== 5. A first look: do won leads score higher than the rest?'
\echo '--- CAUTION: the activity stream was derived WITH the label (won leads were given richer'
\echo '--- activity on purpose, data/README.md): this shows the machinery, not a prediction.'
\echo '--- Look at avg_score and pct_sql: won leads score about three times as high.'
SELECT CASE WHEN d.contact_id IS NOT NULL THEN 'won' ELSE 'not won' END AS leads_that, count(*) AS leads,
	round(avg(ls.score)) AS avg_score,
	round(percentile_disc(0.5) WITHIN GROUP (ORDER BY ls.score)::numeric) AS median_score,
	round(100.0 * count(*) FILTER (WHERE ls.status <> 'nurture') / count(*), 1) AS pct_mql_or_sql,
	round(100.0 * count(*) FILTER (WHERE ls.status = 'sql') / count(*), 1) AS pct_sql
FROM leadscore.lead_scores ls
LEFT JOIN crm.deals d ON d.contact_id = ls.lead_id
WHERE ls.model = 'marketplace_seller'
GROUP BY 1 ORDER BY 1 DESC;

\echo '--- Read the other way: how often each status ended in a won deal (base rate 10.5 %).'
SELECT ls.status, count(*) AS leads, count(d.contact_id) AS won,
	round(100.0 * count(d.contact_id) / count(*), 1) AS win_rate_pct,
	round((count(d.contact_id)::numeric / count(*)) / (842 / 8000.0), 2) AS lift
FROM leadscore.lead_scores ls
LEFT JOIN crm.deals d ON d.contact_id = ls.lead_id
WHERE ls.model = 'marketplace_seller'
GROUP BY 1 ORDER BY 4 DESC;

\echo '--- For contrast, an OBSERVED signal (real Olist data, no derived rows): win rate by origin.'
SELECT coalesce(c.origin, '(empty)') AS origin, count(*) AS leads, count(d.contact_id) AS won,
	round(100.0 * count(d.contact_id) / count(*), 1) AS win_rate_pct
FROM crm.contacts c LEFT JOIN crm.deals d ON d.contact_id = c.id
GROUP BY 1 ORDER BY 4 DESC;

\echo
\echo '=== 6. Decay: the 30-day model sees the same rows, years later'
\echo '--- Every score has halved every 30 days since 2018: the best is about 2e-28, shown as'
\echo '--- 0.0, and every lead is back in nurture.'
SELECT status, count(*) AS leads, round(max(score)::numeric, 1) AS best_score,
	to_char(max(score), '9.9EEEE') AS best_exactly
FROM leadscore.lead_scores WHERE model = 'marketplace_seller_30d' GROUP BY 1;

\echo '--- A lead from 2017 comes back today: pricing page for 2 minutes, then a demo request.'
\echo '--- Without decay its 2017 sign-up still counts (30 + 85); with decay only today''s 85 do.'
SELECT c.id AS comeback FROM crm.contacts c
WHERE NOT EXISTS (SELECT FROM crm.deals d WHERE d.contact_id = c.id)
ORDER BY c.first_contact_date, c.id LIMIT 1 \gset
INSERT INTO crm.activities (lead_id, kind, occurred_at, url, duration_s, channel, source) VALUES
	(:comeback, 'page_view', now() - interval '10 minutes', '/pricing/plans', 120, 'web', 'demo'),
	(:comeback, 'demo_request', now() - interval '5 minutes', '/demo', NULL, 'web', 'demo');
SELECT model, lead_id, round(score::numeric, 1) AS score, stage, status
FROM leadscore.lead_scores WHERE lead_id = :comeback ORDER BY model;
\echo '--- It now tops the 30-day model.'
SELECT lead_id, round(score::numeric, 1) AS score, stage, status
FROM leadscore.top_leads('marketplace_seller_30d', 3);

\echo
\echo '=== 7. Caps: only the 5 most recent email opens count'
SELECT lead_id AS reader FROM crm.activities WHERE kind = 'email_open'
GROUP BY lead_id ORDER BY count(*) DESC, lead_id LIMIT 1 \gset
\echo '--- The lead that opened the most emails, and its scores before one more open:'
SELECT count(*) AS email_opens, max(occurred_at)::date AS last_open
FROM crm.activities WHERE lead_id = :reader AND kind = 'email_open';
SELECT model, round(score::numeric, 1) AS score, activity_count AS activities FROM leadscore.lead_scores
WHERE lead_id = :reader ORDER BY model;
\echo '--- One more open, today.  Without decay the score stays: the newest open replaces the'
\echo '--- oldest of the five.  With decay it jumps: a fresh open replaced one from years ago.'
INSERT INTO crm.activities (lead_id, kind, occurred_at, channel, source)
VALUES (:reader, 'email_open', now(), 'email', 'demo');
SELECT model, round(score::numeric, 1) AS score, activity_count AS activities FROM leadscore.lead_scores
WHERE lead_id = :reader ORDER BY model;

\echo
\echo '=== 8. DELETE and UPDATE move the scores in the same transaction'
-- The hottest lead that has a demo request and a pricing read.
SELECT t.lead_id AS hot FROM leadscore.top_leads('marketplace_seller', 50) t
WHERE EXISTS (SELECT FROM crm.activities a WHERE a.lead_id = t.lead_id AND a.kind = 'demo_request')
  AND EXISTS (SELECT FROM crm.activities a WHERE a.lead_id = t.lead_id AND a.url LIKE '/pricing%' AND a.duration_s >= 30)
ORDER BY t.score_key DESC LIMIT 1 \gset
BEGIN;
\echo '--- A hot lead''s activity and its score:'
SELECT kind, occurred_at::date AS day, url, duration_s FROM crm.activities WHERE lead_id = :hot ORDER BY occurred_at;
SELECT round(score::numeric, 1) AS score, stage, status FROM leadscore.lead_scores
WHERE model = 'marketplace_seller' AND lead_id = :hot;
\echo '--- The demo request was logged by mistake: delete it (-50, no longer in decision).'
DELETE FROM crm.activities WHERE lead_id = :hot AND kind = 'demo_request';
SELECT round(score::numeric, 1) AS score, stage, status FROM leadscore.lead_scores
WHERE model = 'marketplace_seller' AND lead_id = :hot;
\echo '--- The pricing visits were 3-second bot hits: they now fail duration_s >= 30 (-35 each).'
UPDATE crm.activities SET duration_s = 3 WHERE lead_id = :hot AND kind = 'page_view' AND url LIKE '/pricing%';
SELECT round(score::numeric, 1) AS score, stage, status FROM leadscore.lead_scores
WHERE model = 'marketplace_seller' AND lead_id = :hot;
ROLLBACK;
\echo '--- Rolled back together with the rows: the score is what it was.'
SELECT round(score::numeric, 1) AS score, stage, status FROM leadscore.lead_scores
WHERE model = 'marketplace_seller' AND lead_id = :hot;

\echo
\echo '=== 9. Integrity and counters'
\echo '--- verify() recomputes every lead from the activity history: no rows = consistent.'
SELECT count(*) AS differences FROM leadscore.verify();
\echo '--- Rows scored per model; email_sent has no rule, so those rows count as unknown types.'
SELECT coalesce(source::text, model) AS source_or_model, rows_scored, rows_skipped, unknown_types
FROM leadscore.stats ORDER BY source NULLS LAST, model;

\echo
\echo '=== 10. Lead grades and the condition language'
\echo '--- Grades (fit to the ideal customer profile) order as grades do and move in thirds.'
SELECT 'B+'::leadscore.grade > 'B' AS "B+ beats B", 'C'::leadscore.grade + 2 AS "C two up",
	'A'::leadscore.grade + 5 AS "A five up (saturates)", 'D'::leadscore.grade - 9 AS "D nine down";
\echo '--- Conditions are checked and normalised:'
SELECT leadscore.check_condition($$url like '/pricing%' and Duration_S>=30$$) AS normalised;
\echo '--- Errors say where: a broken condition, a bad grade, a rule naming a column the table lacks.'
\set ON_ERROR_STOP 0
\set SHOW_CONTEXT never
SELECT leadscore.check_condition($$url LIKE '/pricing%' AND (duration_s >= 30$$);
SELECT 'A++'::leadscore.grade;
SELECT leadscore.add_rule('marketplace_seller', 'page_view', 5, condition => 'time_on_page > 10');
\set SHOW_CONTEXT errors
\set ON_ERROR_STOP 1

\echo
\echo '=== 11. Insight: do the points fit the data?  Do scored leads convert better?'
\echo '--- The won deals are the conversions (observed).  Outcomes are read when asked: no trigger.'
\o /dev/null
SELECT leadscore.attach_outcomes('crm.deals', 'contact_id', 'won_at');
\o
\echo '--- calibrate: per rule, the leads active from June 2017 to February 2018, how many converted'
\echo '--- within 120 days after the window (base rate 7.5 %), their lift over the base rate with a'
\echo '--- 95 % interval, and suggested points.  Look at low..high: signed_up says nothing (1.00),'
\echo '--- a demo request converts about 5.8x as often.  DERIVED activity: a planted signal.'
SELECT name AS rule, current_points AS points, leads, converted,
	round(lift::numeric, 2) AS lift, round(lift_low::numeric, 2) AS low, round(lift_high::numeric, 2) AS high,
	suggested_points AS suggested
FROM leadscore.calibrate('marketplace_seller', '2017-06-01', '2018-03-01', horizon => '120 days')
WHERE kind = 'rule';

\echo '--- An OBSERVED signal through the same machinery: a 0-point rule per acquisition channel.'
\echo '--- few: under 30 leads, the interval is wide.'
\o /dev/null
SET client_min_messages = warning;  -- one "rules changed" notice per rule otherwise
SELECT leadscore.create_model('origins', half_life => NULL);
SELECT leadscore.add_rule('origins', 'form_fill', 0,
	condition => CASE WHEN origin IS NULL THEN 'channel IS NULL' ELSE format('channel = %L', origin) END,
	name => coalesce(origin, '(none)'))
FROM (SELECT DISTINCT origin FROM crm.contacts) o;
RESET client_min_messages;
\o
SELECT name AS origin, leads, converted, round(lift::numeric, 2) AS lift, round(lift_low::numeric, 2) AS low,
	round(lift_high::numeric, 2) AS high, CASE WHEN low_confidence THEN 'few' ELSE '' END AS few
FROM leadscore.calibrate('origins', '2017-06-01', '2018-03-01', horizon => '120 days')
WHERE kind = 'rule' ORDER BY lift DESC;

\echo '--- evaluate: the 30-day model as it stood on 2018-03-01 (exact, from the history up to then)'
\echo '--- against wins in the next 90 days; leads won before 2018-03-01 are left out.  Look at'
\echo '--- lift: leads above MQL converted about 9x as often; roc_auc: a random converted lead'
\echo '--- outscored a random other one 90 % of the time.'
SELECT segment, threshold, leads, converted AS conv, round(100 * conversion_rate::numeric, 1) AS rate_pct,
	round(lift::numeric, 2) AS lift, round(precision::numeric, 2) AS precision, round(recall::numeric, 2) AS recall,
	round(roc_auc::numeric, 3) AS roc_auc, round(median_days_to_convert::numeric) AS days
FROM leadscore.evaluate('marketplace_seller_30d', '2018-03-01', '90 days') ORDER BY segment <> 'all', threshold, segment;
\echo '--- ... by lead source (the channel of the first touch): does each channel convert, and does'
\echo '--- the score rank leads within it (roc_auc)?'
SELECT coalesce(source, '(none)') AS source, leads, converted, round(100 * conversion_rate::numeric, 1) AS rate_pct,
	round(lift::numeric, 2) AS lift, round(roc_auc::numeric, 3) AS roc_auc
FROM leadscore.evaluate('marketplace_seller_30d', '2018-03-01', '90 days', source_column => 'channel')
WHERE scope = 'source' AND segment = 'all' ORDER BY leads DESC;

\echo '--- score_agg / stage_agg: scores of rows that are not attached (here: the same activities as'
\echo '--- of 2018-03-01, conditions read from the row as jsonb), for ad-hoc SQL and backtests.'
SELECT lead_id, round(leadscore.score_agg('marketplace_seller_30d', kind, occurred_at, '2018-03-01', to_jsonb(a))::numeric, 1) AS score,
	leadscore.stage_agg('marketplace_seller_30d', kind, occurred_at, '2018-03-01', to_jsonb(a)) AS stage
FROM crm.activities a WHERE occurred_at <= '2018-03-01'
GROUP BY lead_id ORDER BY 2 DESC, 1 LIMIT 5;

\echo
\echo '=== 12. Grades: how well a lead fits, from the lead table'
\echo '--- Olist leads carry little about the seller, so the demo grades on the acquisition channel'
\echo '--- (observed: search converts about three times as often as email, section 11): base C,'
\echo '--- search or direct +3 steps, email or social -2, unknown -1.  A third model over the'
\echo '--- same rules needs grade B or better for SQL, flags leads of grade B or better below MQL'
\echo '--- for a call (fit_priority), and calls accounts of 500 points or more hot.'
\echo '--- Accounts: Olist sellers are single businesses, so the demo groups them by the landing page'
\echo '--- they signed up on (a DERIVED stand-in for a company: real column, invented meaning).'
\o /dev/null
SELECT leadscore.create_grade_profile('seller_fit', base => 'C');
SELECT leadscore.add_criterion('seller_fit', $$origin IN ('organic_search', 'paid_search', 'direct_traffic')$$, 3, 'search or direct');
SELECT leadscore.add_criterion('seller_fit', $$origin IN ('email', 'social')$$, -2, 'email or social');
SELECT leadscore.add_criterion('seller_fit', $$origin IS NULL OR origin = 'unknown'$$, -1, 'channel unknown');
SELECT leadscore.create_model('marketplace_seller_graded', half_life => NULL,
	grade_profile => 'seller_fit', sql_min_grade => 'B', fit_min_grade => 'B', account_threshold => 500);
SET client_min_messages = warning;
SELECT leadscore.add_rule('marketplace_seller_graded', r.activity_type, r.points, r.stage, r.condition, r.max_count, r.name)
FROM (SELECT r.* FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id
	WHERE m.name = 'marketplace_seller' ORDER BY r.id) r;
RESET client_min_messages;
SELECT leadscore.attach_leads('crm.contacts', 'id', account_column => 'landing_page_id');
\o
\echo '--- Per grade: only grade B reaches SQL; many B leads are below MQL and flagged for a call.'
SELECT grade, count(*) AS leads, count(*) FILTER (WHERE status = 'sql') AS sql,
	count(*) FILTER (WHERE status = 'mql') AS mql, count(*) FILTER (WHERE fit_priority) AS fit_priority
FROM leadscore.lead_scores WHERE model = 'marketplace_seller_graded' GROUP BY grade ORDER BY grade DESC;
\echo '--- The same score, two grades: the sales-qualified lead and the one that stays an MQL.'
SELECT DISTINCT ON (grade) lead_id, round(score::numeric) AS score, grade, status FROM leadscore.lead_scores
WHERE model = 'marketplace_seller_graded' AND score BETWEEN 100 AND 110 AND grade IN ('B', 'D+')
ORDER BY grade DESC, score DESC, lead_id;

\echo
\echo '=== 13. Handoff: a lead''s grade changes, sales hear it in the same transaction'
SELECT lead_id AS upgraded FROM leadscore.lead_scores
WHERE model = 'marketplace_seller_graded' AND status = 'mql' AND score >= 100
ORDER BY score DESC, lead_id LIMIT 1 \gset
LISTEN leadscore;
\echo '--- The CRM learns that lead' :upgraded 'really came through paid search: regraded to B,'
\echo '--- and handed to sales.  psql prints the NOTIFY payload, one long line of JSON (a CRM app'
\echo '--- would LISTEN the same way).'
UPDATE crm.contacts SET origin = 'paid_search' WHERE id = :upgraded;
\echo '--- Its events: the history the attach recorded (cause rescore), then the regrade (cause lead).'
SELECT kind, from_value AS from, to_value AS to, round(score::numeric) AS score, grade, cause,
	notified_at IS NOT NULL AS notified
FROM leadscore.events WHERE model = 'marketplace_seller_graded' AND lead_id = :upgraded ORDER BY id;
UNLISTEN leadscore;
\echo '--- Every status, stage and grade change is an event; by kind and cause:'
SELECT kind, to_value AS to, cause, count(*) AS events FROM leadscore.events WHERE model = 'marketplace_seller_graded'
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

\echo
\echo '=== 14. Accounts: is a buying group forming?'
\echo '--- account score = sum over its leads of sqrt(50 * lead score): five leads at 40 beat one'
\echo '--- at 200.  Only marketplace_seller_graded has an account_threshold (500), so only its'
\echo '--- accounts have a status.  Account ids are landing pages, shortened.'
SELECT left(account_id, 8) AS account, round(score::numeric) AS score, engaged_leads, stage, status
FROM leadscore.top_accounts('marketplace_seller_graded', 5);
SELECT status, count(*) AS accounts, round(avg(engaged_leads), 1) AS avg_engaged_leads
FROM leadscore.account_scores WHERE model = 'marketplace_seller_graded' GROUP BY 1 ORDER BY 1;

\echo
\echo '=== 15. The decay lifecycle: tick() under pg_cron'
\echo '--- Scores and statuses in lead_scores are exact at read time; tick() reports what decay did'
\echo '--- (cause decay) for the leads that are due, from an index: its cost follows the crossings.'
SELECT leadscore.tick() AS transitions_now;
\echo '--- What tick() would report if nothing happened in the next 30 days (a dry run, rolled back):'
BEGIN;
SELECT leadscore.tick(now() + interval '30 days') AS transitions_in_30_days;
SELECT e.model, e.kind, e.from_value AS from, e.to_value AS to, count(*) AS events
FROM leadscore.events e WHERE e.cause = 'decay' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
ROLLBACK;
\echo '--- Scheduled every minute with pg_cron (and unscheduled again):'
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT cron.schedule('leadscore-tick', '* * * * *', 'SELECT leadscore.tick()') > 0 AS scheduled;
SELECT jobname, schedule, command FROM cron.job;
SELECT cron.unschedule('leadscore-tick') AS unscheduled;
\echo '--- Reactivation candidates: reached MQL once, cooled down, idle for 60 days.'
SELECT count(*) AS stale_leads FROM leadscore.stale_leads('marketplace_seller_30d', '60 days');

\echo
\echo '=== 16. Scenario testing and lead DNA'
\echo '--- Would a search-acquired seller who downloads a guide, reads pricing twice and asks for a'
\echo '--- demo reach SQL?  And the same seller from an email campaign (grade D+)?'
SELECT p.channel, round((s->>'score')::numeric, 1) AS score, s->>'grade' AS grade, s->>'stage' AS stage,
	s->>'status' AS status
FROM (VALUES ('organic_search'), ('email')) p(channel),
LATERAL leadscore.simulate('marketplace_seller_graded', jsonb_build_object(
	'attrs', jsonb_build_object('origin', p.channel),
	'activities', jsonb_build_array(
		jsonb_build_object('type', 'form_fill', 'days_ago', 20),
		jsonb_build_object('type', 'content_download', 'days_ago', 10),
		jsonb_build_object('type', 'page_view', 'days_ago', 3, 'url', '/pricing', 'duration_s', 90, 'count', 2),
		jsonb_build_object('type', 'demo_request', 'days_ago', 1)))) s;
\echo '--- Lead' :upgraded 'across every model, from dna(): score, grade, stage, status and the two'
\echo '--- top reasons with their share of the score.  dna_svg() draws the same as a card: the report'
\echo '--- page demo.sh writes shows three.'
SELECT m->>'model' AS model, round((m->>'score')::numeric, 1) AS score, m->>'grade' AS grade, m->>'stage' AS stage,
	m->>'status' AS status,
	(SELECT string_agg(format('%s %s%%', r->>'rule', round(100 * (r->>'share')::numeric)), ', ')
		FROM jsonb_array_elements(m->'top_reasons') WITH ORDINALITY AS t(r, n) WHERE n <= 2) AS top_reasons
FROM jsonb_array_elements(leadscore.dna(:upgraded::bigint)->'models') m;

\echo
\echo '=== 17. Still consistent after all of that'
SELECT count(*) AS differences FROM leadscore.verify();
