-- Score history (README "Score history"):
--   * score_at(model, lead, at): the lead's rows up to `at`, decayed to
--     `at`, with caps, frequency windows, silence scorings due by `at` and
--     points expressions; clamped at max_score
--   * score_history(): one row per step from since to until, steps added as
--     generate_series() adds them; band NULL (no bands yet)
--   * score_at(model, lead, now()) is lead_scores.score for every lead
--   * bad input fails with a SQLSTATE
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
CREATE SCHEMA hist;
CREATE TABLE hist.acts (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz, url text, seats int);
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Every kind of rule, without decay and with a one-day half-life.
SELECT leadscore.create_model(m, half_life => h, mql_threshold => 20, sql_threshold => 50, stages => NULL) > 0
FROM (VALUES ('flat', NULL::interval), ('decay', interval '1 day')) v(m, h);
SELECT leadscore.add_rule(m, 'visit', 10, max_count => 2) > 0,
	leadscore.add_rule(m, 'demo', 30, condition => 'url LIKE ''/demo%''') > 0,
	leadscore.add_rule(m, 'trial', NULL, points_expression => 'seats * 2') > 0,
	leadscore.add_rule(m, 'webinar', 25, min_count => 3, within => '7 days', name => 'webinars') > 0,
	leadscore.add_absence_rule(m, 'email', ARRAY['open'], '14 days', -5) > 0
FROM unnest(ARRAY['flat', 'decay']) m;
SELECT leadscore.create_model('clamped', half_life => NULL, mql_threshold => 20, sql_threshold => 50,
	max_score => 60, stages => NULL) > 0;
SELECT leadscore.add_rule('clamped', 'demo', 40) > 0;
SELECT leadscore.attach_activities('hist.acts', 'lead_id', 'kind', 'at');

-- Lead 1: three visits (the cap keeps two), a demo, an email nobody opens
-- (its -5 falls due on Jan 20, between the steps of the 19th and the 22nd),
-- three webinars within a week (25 with the third), a trial of 4 seats.
INSERT INTO hist.acts (lead_id, kind, at, url, seats) VALUES
	(1, 'visit', '2025-01-01', NULL, NULL),
	(1, 'visit', '2025-01-02', NULL, NULL),
	(1, 'visit', '2025-01-03', NULL, NULL),
	(1, 'demo', '2025-01-05', '/demo/a', NULL),
	(1, 'demo', '2025-01-05', '/blog', NULL),
	(1, 'email', '2025-01-06', NULL, NULL),
	(1, 'webinar', '2025-01-08', NULL, NULL),
	(1, 'webinar', '2025-01-10', NULL, NULL),
	(1, 'webinar', '2025-01-12', NULL, NULL),
	(1, 'trial', '2025-01-21', NULL, 4);
SELECT * FROM leadscore.score_history('flat', 1, '2025-01-01', '2025-01-22', '3 days');
SELECT leadscore.score_at('flat', 1::bigint, '2024-12-31') AS before,
	leadscore.score_at('flat', 1::bigint, '2025-01-19 23:59:59') AS just_before_due,
	leadscore.score_at('flat', 1::bigint, '2025-01-20') AS due,
	leadscore.score_at('flat', 1::bigint, '2025-01-21') AS trial;
-- An open in time answers the email: from then on no -5 at any step.
INSERT INTO hist.acts (lead_id, kind, at) VALUES (1, 'open', '2025-01-15');
SELECT at, score FROM leadscore.score_history('flat', 1, '2025-01-19', '2025-01-22', '1 day');

-- Lead 2: one demo, halved every day.
INSERT INTO hist.acts (lead_id, kind, at, url) VALUES (2, 'demo', '2025-02-01', '/demo');
SELECT at, round(score::numeric, 6) AS score, band, status
FROM leadscore.score_history('decay', 2, '2025-01-31 12:00', '2025-02-03', '12 hours');
-- With bands, each step's band is the one its score reaches (the bands of
-- today).
SELECT leadscore.add_band('decay', 'hot', 20), leadscore.add_band('decay', 'warm', 5);
SELECT at, round(score::numeric, 6) AS score, band
FROM leadscore.score_history('decay', 2, '2025-02-01', '2025-02-04', '1 day');
-- Lead 1 decayed: each part from its own time.
SELECT round(leadscore.score_at('decay', 1::bigint, '2025-01-12')::numeric, 6) AS jan_12,
	round((10 * 2 ^ -9 + 10 * 2 ^ -10 + 30 * 2 ^ -7 + 25)::numeric, 6) AS by_hand;

-- max_score clamps as lead_scores does.
INSERT INTO hist.acts (lead_id, kind, at) VALUES (3, 'demo', '2025-03-01'), (3, 'demo', '2025-03-02');
SELECT at, score, status FROM leadscore.score_history('clamped', 3, '2025-03-01', '2025-03-02', '1 day');

-- Steps by the calendar, as generate_series() takes them; since = until is
-- one step; a lead without rows scores 0.
SELECT at FROM leadscore.score_history('flat', 1, '2025-01-31', '2025-05-01', '1 month');
SELECT count(*) FROM leadscore.score_history('flat', 1, '2025-01-31', '2025-01-31', '1 day');
SELECT leadscore.score_at('flat', 999, '2025-01-31') AS no_rows;

-- score_at(model, lead, now()) is lead_scores.score for every lead of every
-- model after random writes (no rows dated after now: score_at counts rows
-- up to `at`, lead_scores every row).
SELECT setseed(0.17);
INSERT INTO hist.acts (lead_id, kind, at, url, seats)
SELECT 100 + (random() * 40)::int,
	(ARRAY['visit', 'demo', 'trial', 'webinar', 'email', 'open', 'other'])[1 + (random() * 6)::int],
	now() - random() * interval '40 days',
	(ARRAY['/demo', '/blog'])[1 + (random() * 1)::int],
	(random() * 9)::int
FROM generate_series(1, 400);
DELETE FROM hist.acts WHERE id % 17 = 0;
UPDATE hist.acts SET at = at - interval '3 days' WHERE id % 13 = 0 AND lead_id >= 100;
SELECT count(*) AS compared,
	count(*) FILTER (WHERE abs(leadscore.score_at(ls.model, ls.lead_id, now()) - ls.score)
		> 1e-9 * greatest(1, abs(ls.score))) AS different
FROM leadscore.lead_scores ls;

-- Bad input.
SELECT pg_temp.err($$SELECT leadscore.score_at('nope', 1, now())$$);
SELECT pg_temp.err($$SELECT leadscore.score_at('flat', '1'::text, now())$$);
SELECT pg_temp.err($$SELECT leadscore.score_at('flat', 1.5, now())$$);
SELECT pg_temp.err($$SELECT leadscore.score_at(NULL, 1, now())$$);
SELECT pg_temp.err($$SELECT leadscore.score_at('flat', NULL::bigint, now())$$);
SELECT pg_temp.err($$SELECT leadscore.score_at('flat', 1, NULL)$$);
SELECT pg_temp.err($$SELECT leadscore.score_at('flat', 1, 'infinity')$$);
SELECT pg_temp.err($$SELECT * FROM leadscore.score_history('flat', 1, '2025-01-01', '2025-01-02', '0')$$);
SELECT pg_temp.err($$SELECT * FROM leadscore.score_history('flat', 1, '2025-01-01', '2025-01-02', '-1 day')$$);
SELECT pg_temp.err($$SELECT * FROM leadscore.score_history('flat', 1, '2025-01-02', '2025-01-01', '1 day')$$);
SELECT pg_temp.err($$SELECT * FROM leadscore.score_history('flat', 1, '-infinity', '2025-01-01', '1 day')$$);
SELECT pg_temp.err($$SELECT * FROM leadscore.score_history('flat', 1, '2025-01-01', '2025-01-02', NULL)$$);
SELECT pg_temp.err($$SELECT * FROM leadscore.score_history('flat', 1, '2000-01-01', '2025-01-01', '1 hour')$$);
-- 100,000 points is the limit, not an error.
SELECT count(*) FROM leadscore.score_history('flat', 1, '2025-01-01', '2025-01-01'::timestamptz + 99999 * interval '1 minute', '1 minute');
-- Readers: PUBLIC may run them.
SELECT p.proname, p.provolatile, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may
FROM pg_proc p WHERE p.pronamespace = 'leadscore'::regnamespace AND p.proname IN ('score_at', 'score_history')
ORDER BY 1;
