-- bench/learn.sh, part 1: synthetic leads whose conversion law is known.
--
-- psql variables: leads (the number of leads), hand_half_life (the
-- hand-made model's half-life, an interval).
--
-- Every draw is a hash of (lead, stream), not random(): the same data on
-- every run and under any plan.  Per lead i:
--   * t0, its first activity (a form fill), uniform over 2025-01-01 + 240
--     days; it is judged at as_of = t0 + 60 days (syn.train and syn.test:
--     lead_id, as_of); its activity lies in [t0, as_of);
--   * an engagement level (low 55 %, mid 30 %, high 15 %; software leads a
--     little more engaged) that sets how many rows of each type it has, and
--     a phase: 70 % of its rows lie in a 20-day stretch starting somewhere
--     in its first 40 days, the rest anywhere in its 60 days, so some leads
--     are hot at as_of and some have cooled;
--   * page views (up to 12), newsletter opens (up to 10), webinars and demo
--     requests (up to 2), an unsubscribe (at most 1), and case studies:
--     70 % of demo requests come with a case study read 0-3 days before it,
--     plus a few on their own.  A case study is merely correlated with
--     converting (through the demo request); the newsletter and the region
--     only through engagement and chance;
--   * lead attributes: employees (500: 25 %, 5: 15 %, else 50), industry
--     (software 30 %), region (emea 40 %).
-- The law, with D(type) the count of the type's rows decayed with a 30-day
-- half-life to as_of (sum of 2^(-age / 30 days)) and burst = 1 when 3 page
-- views fall within some 7 days before as_of:
--   logit p = -3.6 + 0.22 D(page_view) + 1.0 burst + 0.9 D(webinar)
--             + 1.6 D(demo_request) - 1.5 D(unsubscribe)
--             + 0.9 [employees >= 200] - 1.1 [employees < 10] + 0.6 [software]
-- A lead converts when its draw is below p, at as_of + 1..60 days (the
-- horizon is 90 days); syn.truth keeps p (computed here in plain SQL).
-- The split: test when another hash of the lead is below 0.3.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
DROP SCHEMA IF EXISTS syn CASCADE;
CREATE SCHEMA syn;
RESET client_min_messages;

-- A uniform draw in [0, 1) from (a, b).
CREATE FUNCTION syn.u(a bigint, b bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT ((pg_catalog.hashint8extended(a * 1000003 + b, 20261207) >> 11) & 9007199254740991)::float8
		/ 9007199254740992.0
$$;

CREATE TABLE syn.contacts (lead_id bigint PRIMARY KEY, employees integer, industry text, region text);
CREATE TABLE syn.activities (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, lead_id bigint NOT NULL,
	kind text NOT NULL, occurred_at timestamptz NOT NULL);
CREATE TABLE syn.deals (lead_id bigint NOT NULL, won_at timestamptz NOT NULL);

CREATE TABLE syn.leads AS
SELECT i::bigint AS lead_id,
	'2025-01-01 00:00:00+00'::timestamptz + syn.u(i, 1) * interval '240 days' AS t0,
	CASE WHEN syn.u(i, 4) < 0.25 THEN 500 WHEN syn.u(i, 4) < 0.40 THEN 5 ELSE 50 END AS employees,
	CASE WHEN syn.u(i, 5) < 0.3 THEN 'software'
		ELSE (ARRAY['retail', 'finance', 'education'])[1 + floor(syn.u(i, 15) * 3)::int] END AS industry,
	CASE WHEN syn.u(i, 6) < 0.4 THEN 'emea' WHEN syn.u(i, 6) < 0.8 THEN 'amer' ELSE 'apac' END AS region,
	syn.u(i, 3) AS phase
FROM generate_series(1, :leads) i;
ALTER TABLE syn.leads ADD COLUMN as_of timestamptz, ADD COLUMN level int;
UPDATE syn.leads SET as_of = t0 + interval '60 days',
	level = CASE WHEN syn.u(lead_id, 2) - CASE WHEN industry = 'software' THEN 0.1 ELSE 0 END < 0.55 THEN 0
		WHEN syn.u(lead_id, 2) - CASE WHEN industry = 'software' THEN 0.1 ELSE 0 END < 0.85 THEN 1 ELSE 2 END;
INSERT INTO syn.contacts SELECT lead_id, employees, industry, region FROM syn.leads;

-- Rows: per lead, type and trial k a row when the trial's draw is below the
-- level's probability; its time from the lead's phase.
INSERT INTO syn.activities (lead_id, kind, occurred_at)
SELECT l.lead_id, 'form_fill', l.t0 FROM syn.leads l;
INSERT INTO syn.activities (lead_id, kind, occurred_at)
SELECT l.lead_id, t.kind,
	l.t0 + interval '60 days' * CASE WHEN syn.u(l.lead_id * 128 + t.stream * 16 + k, 101) < 0.7
		THEN l.phase * 0.66 + syn.u(l.lead_id * 128 + t.stream * 16 + k, 102) * 0.33
		ELSE syn.u(l.lead_id * 128 + t.stream * 16 + k, 103) END
FROM syn.leads l
CROSS JOIN (VALUES (0, 'page_view', 12, ARRAY[0.15, 0.35, 0.6]),
                   (1, 'newsletter_open', 10, ARRAY[0.2, 0.4, 0.6]),
                   (2, 'webinar', 2, ARRAY[0.05, 0.2, 0.4]),
                   (3, 'demo_request', 2, ARRAY[0.02, 0.1, 0.3]),
                   (4, 'unsubscribe', 1, ARRAY[0.08, 0.05, 0.03])) t(stream, kind, trials, q)
CROSS JOIN LATERAL generate_series(1, t.trials) k
WHERE syn.u(l.lead_id * 128 + t.stream * 16 + k, 100)
	< t.q[l.level + 1];
-- Case studies: before 70 % of the demo requests, and a few on their own.
INSERT INTO syn.activities (lead_id, kind, occurred_at)
SELECT a.lead_id, 'case_study', greatest(l.t0, a.occurred_at - syn.u(a.id, 201) * interval '3 days')
FROM syn.activities a JOIN syn.leads l USING (lead_id)
WHERE a.kind = 'demo_request' AND syn.u(a.id, 200) < 0.7;
INSERT INTO syn.activities (lead_id, kind, occurred_at)
SELECT l.lead_id, 'case_study', l.t0 + interval '60 days' * syn.u(l.lead_id * 4 + k, 203)
FROM syn.leads l CROSS JOIN generate_series(1, 2) k
WHERE syn.u(l.lead_id * 4 + k, 202) < (ARRAY[0.03, 0.06, 0.1])[l.level + 1];

-- The law, in plain SQL.
ANALYZE syn.leads, syn.activities;
CREATE TABLE syn.truth AS
WITH decayed AS (
	SELECT a.lead_id,
		sum(power(2, -extract(epoch FROM l.as_of - a.occurred_at) / (30 * 86400))) FILTER (WHERE a.kind = 'page_view') AS d_view,
		sum(power(2, -extract(epoch FROM l.as_of - a.occurred_at) / (30 * 86400))) FILTER (WHERE a.kind = 'webinar') AS d_webinar,
		sum(power(2, -extract(epoch FROM l.as_of - a.occurred_at) / (30 * 86400))) FILTER (WHERE a.kind = 'demo_request') AS d_demo,
		sum(power(2, -extract(epoch FROM l.as_of - a.occurred_at) / (30 * 86400))) FILTER (WHERE a.kind = 'unsubscribe') AS d_unsub
	FROM syn.activities a JOIN syn.leads l USING (lead_id)
	WHERE a.occurred_at <= l.as_of
	GROUP BY a.lead_id),
bursts AS (
	SELECT lead_id, bool_or(n >= 3) AS burst
	FROM (SELECT a.lead_id, count(*) OVER (PARTITION BY a.lead_id ORDER BY a.occurred_at
			RANGE BETWEEN interval '7 days' PRECEDING AND CURRENT ROW) AS n
		FROM syn.activities a JOIN syn.leads l USING (lead_id)
		WHERE a.kind = 'page_view' AND a.occurred_at <= l.as_of) w
	GROUP BY lead_id)
SELECT l.lead_id, l.as_of,
	1 / (1 + exp(-(-3.6 + 0.22 * coalesce(d.d_view, 0) + CASE WHEN b.burst THEN 1.0 ELSE 0 END
		+ 0.9 * coalesce(d.d_webinar, 0) + 1.6 * coalesce(d.d_demo, 0) - 1.5 * coalesce(d.d_unsub, 0)
		+ CASE WHEN l.employees >= 200 THEN 0.9 WHEN l.employees < 10 THEN -1.1 ELSE 0 END
		+ CASE WHEN l.industry = 'software' THEN 0.6 ELSE 0 END))) AS p,
	coalesce(b.burst, false) AS burst
FROM syn.leads l LEFT JOIN decayed d USING (lead_id) LEFT JOIN bursts b USING (lead_id);
INSERT INTO syn.deals
SELECT lead_id, as_of + (1 + 59 * syn.u(lead_id, 8)) * interval '1 day' FROM syn.truth WHERE syn.u(lead_id, 7) < p;

CREATE TABLE syn.train AS SELECT lead_id, as_of FROM syn.leads WHERE syn.u(lead_id, 9) >= 0.3;
CREATE TABLE syn.test AS SELECT lead_id, as_of FROM syn.leads WHERE syn.u(lead_id, 9) < 0.3;
CREATE INDEX ON syn.activities (lead_id, occurred_at);

-- (a) The hand-made model: every rule 10 points (the unsubscribe -10),
-- every criterion 2 steps, its sign a guess; a 90-day half-life (a guess
-- too: the law's is 30 days).  A frequency rule for the bursts.
SET client_min_messages = warning;
SELECT leadscore.create_grade_profile('syn_fit', base => 'C') > 0 AS profile;
SELECT leadscore.add_criterion('syn_fit', 'employees >= 200', 2, 'large') > 0,
	leadscore.add_criterion('syn_fit', 'employees < 10', -2, 'tiny') > 0,
	leadscore.add_criterion('syn_fit', $$industry = 'software'$$, 2, 'software') > 0,
	leadscore.add_criterion('syn_fit', $$region = 'emea'$$, 2, 'emea') > 0;
SELECT leadscore.create_model('syn_hand', half_life => :'hand_half_life', mql_threshold => 40, sql_threshold => 80,
	grade_profile => 'syn_fit') > 0 AS created;
SELECT leadscore.add_rule('syn_hand', 'form_fill', 10, name => 'signup') > 0,
	leadscore.add_rule('syn_hand', 'page_view', 10) > 0,
	leadscore.add_rule('syn_hand', 'page_view', 10, min_count => 3, within => '7 days', name => 'visit_burst') > 0,
	leadscore.add_rule('syn_hand', 'newsletter_open', 10) > 0,
	leadscore.add_rule('syn_hand', 'webinar', 10) > 0,
	leadscore.add_rule('syn_hand', 'case_study', 10) > 0,
	leadscore.add_rule('syn_hand', 'demo_request', 10) > 0,
	leadscore.add_rule('syn_hand', 'unsubscribe', -10) > 0;
SELECT leadscore.attach_activities('syn.activities', 'lead_id', 'kind', 'occurred_at') AS scored;
SELECT leadscore.attach_leads('syn.contacts', 'lead_id') AS graded;
SELECT leadscore.attach_outcomes('syn.deals', 'lead_id', 'won_at') AS outcomes;
RESET client_min_messages;
ANALYZE;

SELECT (SELECT count(*) FROM syn.leads) AS leads, (SELECT count(*) FROM syn.activities) AS activity_rows,
	(SELECT count(*) FROM syn.deals) AS converted,
	(SELECT round(avg(p)::numeric, 4) FROM syn.truth) AS mean_p,
	(SELECT count(*) FROM syn.train) AS train, (SELECT count(*) FROM syn.test) AS test;
SELECT kind, count(*) AS rows, count(DISTINCT lead_id) AS leads FROM syn.activities GROUP BY kind ORDER BY 1;
