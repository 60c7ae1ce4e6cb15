-- bench/learn.sh, part 2: learn() at scale.  `leads` leads (default
-- 100,000), 24 activity types with a rule each and 6 grade criteria: 30
-- features.
--
-- psql variables: leads.
--
-- Per lead: its first activity t0 uniform over 300 days of 2025, judged at
-- as_of = t0 + 30 days (scale.leads: lead_id, as_of), an engagement e
-- uniform in [0, 1); per type j = 1..24, three trials, each a row with
-- probability (0.05 + 0.075 (j mod 5)) (0.4 + 1.2 e), at a time uniform in
-- [t0, as_of): about 15 rows a lead.  Six 0/1 attributes c1..c6 (30 % 1).
-- Converting: logistic in -3 + sum_j w_j D_j + (0.5, -0.5, 0.3, 0, 0.8,
-- -0.3) . c, with D_j the type's rows decayed with a 30-day half-life to
-- as_of and w_j = 0.15 ((j mod 6) - 2), at as_of + 1..60 days.  The model:
-- 30-day half-life, a 10-point rule per type (types 1-4 capped at 2), a
-- profile with one criterion per attribute (+1 or -1 steps).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
DROP SCHEMA IF EXISTS scale CASCADE;
CREATE SCHEMA scale;
RESET client_min_messages;

CREATE FUNCTION scale.u(a bigint, b bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT ((pg_catalog.hashint8extended(a * 1000003 + b, 20261208) >> 11) & 9007199254740991)::float8
		/ 9007199254740992.0
$$;

CREATE TABLE scale.leads AS
SELECT i::bigint AS lead_id,
	'2025-01-01 00:00:00+00'::timestamptz + scale.u(i, 1) * interval '300 days' + interval '30 days' AS as_of,
	scale.u(i, 2) AS e
FROM generate_series(1, :leads) i;
CREATE TABLE scale.contacts AS
SELECT lead_id, (scale.u(lead_id, 11) < 0.3)::int AS c1, (scale.u(lead_id, 12) < 0.3)::int AS c2,
	(scale.u(lead_id, 13) < 0.3)::int AS c3, (scale.u(lead_id, 14) < 0.3)::int AS c4,
	(scale.u(lead_id, 15) < 0.3)::int AS c5, (scale.u(lead_id, 16) < 0.3)::int AS c6
FROM scale.leads;
ALTER TABLE scale.contacts ADD PRIMARY KEY (lead_id);
CREATE TABLE scale.activities (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, lead_id bigint NOT NULL,
	kind text NOT NULL, occurred_at timestamptz NOT NULL);
INSERT INTO scale.activities (lead_id, kind, occurred_at)
SELECT l.lead_id, 'type_' || lpad(j::text, 2, '0'),
	l.as_of - interval '30 days' * scale.u(l.lead_id * 128 + j * 4 + k, 101)
FROM scale.leads l CROSS JOIN generate_series(1, 24) j CROSS JOIN generate_series(1, 3) k
WHERE scale.u(l.lead_id * 128 + j * 4 + k, 100) < (0.05 + 0.075 * (j % 5)) * (0.4 + 1.2 * l.e);
CREATE INDEX ON scale.activities (lead_id, occurred_at);
ANALYZE scale.leads, scale.contacts, scale.activities;
CREATE TABLE scale.deals AS
SELECT l.lead_id, l.as_of + (1 + 59 * scale.u(l.lead_id, 8)) * interval '1 day' AS won_at
FROM scale.leads l JOIN scale.contacts c USING (lead_id)
LEFT JOIN (SELECT a.lead_id, sum(0.15 * ((substr(a.kind, 6)::int % 6) - 2)
		* power(2, -extract(epoch FROM l.as_of - a.occurred_at) / (30 * 86400))) AS x
	FROM scale.activities a JOIN scale.leads l USING (lead_id) GROUP BY a.lead_id) s USING (lead_id)
WHERE scale.u(l.lead_id, 7) < 1 / (1 + exp(-(-3 + coalesce(s.x, 0)
	+ 0.5 * c.c1 - 0.5 * c.c2 + 0.3 * c.c3 + 0.8 * c.c5 - 0.3 * c.c6)));

SET client_min_messages = warning;
SELECT leadscore.create_grade_profile('scale_fit', base => 'C') > 0 AS profile;
SELECT count(leadscore.add_criterion('scale_fit', format('c%s = 1', i), CASE WHEN i % 2 = 1 THEN 1 ELSE -1 END,
	format('c%s', i))) AS criteria
FROM generate_series(1, 6) i;
SELECT leadscore.create_model('scale', half_life => '30 days', grade_profile => 'scale_fit') > 0 AS created;
SELECT count(leadscore.add_rule('scale', 'type_' || lpad(j::text, 2, '0'), 10,
	max_count => CASE WHEN j <= 4 THEN 2 END)) AS rules
FROM generate_series(1, 24) j;
SELECT leadscore.attach_activities('scale.activities', 'lead_id', 'kind', 'occurred_at') AS scored;
SELECT leadscore.attach_leads('scale.contacts', 'lead_id') AS graded;
SELECT leadscore.attach_outcomes('scale.deals', 'lead_id', 'won_at') AS outcomes;
RESET client_min_messages;
CREATE TABLE scale.population AS SELECT lead_id, as_of FROM scale.leads;
VACUUM ANALYZE;
SELECT (SELECT count(*) FROM scale.leads) AS leads, (SELECT count(*) FROM scale.activities) AS activity_rows,
	(SELECT count(*) FROM scale.deals) AS converted,
	(SELECT count(*) FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id WHERE m.name = 'scale')
	+ (SELECT count(*) FROM leadscore.grade_criteria c JOIN leadscore.grade_profiles g ON g.id = c.profile_id
	   WHERE g.name = 'scale_fit') AS features;
