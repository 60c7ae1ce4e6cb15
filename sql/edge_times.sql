-- Times and numbers at the edge of their range.
--   * CRM times up to the end of the year 99999 score (a far-future one in
--     a decaying model with the clamped weight 2^600); later ones, which
--     PostgreSQL's date and timestamp accept but an int64 of microseconds
--     since 1970 may not hold, are bad data: skipped and counted like
--     infinite times, by the triggers, rescore(), verify() and score_agg()
--     alike, and no out-of-range timestamptz ever reaches leadscore's tables
--   * verify() reports a stored value that is not finite or out of range,
--     and rescore() repairs it
--   * tick() refuses a `now` more than a year ahead, relays handoffs
--     whatever its `now`, and reset_tick() undoes a tick ahead of the clock
--   * scores stay finite with the largest points on far-future rows; a
--     lead whose points net to zero is not sales-qualified
--   * thresholds and stage lists that cannot work are refused
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA IF EXISTS edge CASCADE;
CREATE SCHEMA edge;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE edge.tz (id serial PRIMARY KEY, lead_id bigint, kind text, at timestamptz);
CREATE TABLE edge.d (id serial PRIMARY KEY, lead_id bigint, kind text, at date);
CREATE TABLE edge.ts (id serial PRIMARY KEY, lead_id bigint, kind text, at timestamp);
SELECT leadscore.create_model('flat', half_life => NULL) AS model_id;
SELECT leadscore.create_model('decaying', half_life => '7 days') AS model_id;
SELECT leadscore.add_rule('flat', 'visit', 10, stage => 'awareness') > 0 AS rule;
SELECT leadscore.add_rule('decaying', 'visit', 10, stage => 'awareness') > 0 AS rule;
SELECT leadscore.attach_activities('edge.tz', 'lead_id', 'kind', 'at') AS states;
SELECT leadscore.attach_activities('edge.d', 'lead_id', 'kind', 'at') AS states;
SELECT leadscore.attach_activities('edge.ts', 'lead_id', 'kind', 'at') AS states;

------------------------------------------------------------------------
-- Far-future times through INSERT, UPDATE, DELETE and rescore().
------------------------------------------------------------------------
INSERT INTO edge.tz (lead_id, kind, at) VALUES
	(1, 'visit', '2026-01-01'),
	(2, 'visit', '20000-01-01'),                       -- a typo'd year: clamped weight
	(3, 'visit', '99999-12-31 23:59:59.999999+00'),    -- the last time that scores
	(4, 'visit', '100000-01-01'),                      -- beyond: skipped
	(5, 'visit', '294276-12-31 23:59:59+00'),          -- PostgreSQL's last day: skipped
	(6, 'visit', 'infinity');                          -- skipped, as before
INSERT INTO edge.d (lead_id, kind, at) VALUES
	(11, 'visit', '2026-01-01'), (12, 'visit', '99999-12-31'), (13, 'visit', '100000-01-01'),
	(14, 'visit', '294000-01-01'), (15, 'visit', '5874897-12-31'), (16, 'visit', '300000-01-01');
INSERT INTO edge.ts (lead_id, kind, at) VALUES
	(21, 'visit', '2026-01-01'), (22, 'visit', '294276-12-31'), (23, 'visit', '4714-11-24 00:00:00 BC');
SELECT lead_id, score, activity_count, last_activity_at FROM leadscore.lead_scores WHERE model = 'flat' ORDER BY lead_id;
SELECT source, rows_skipped FROM leadscore.stats WHERE source IS NOT NULL ORDER BY source::text;
-- The typo'd year weighs 2^600 in the decaying model: hot, and finite.
SELECT lead_id, score_key = 10 * 2::float8 ^ 600 AS clamped, score > 1e170 AND score < 'Infinity' AS finite, status
FROM leadscore.lead_scores WHERE model = 'decaying' AND lead_id IN (2, 3) ORDER BY lead_id;
SELECT * FROM leadscore.verify();

UPDATE edge.tz SET at = '2026-02-01' WHERE lead_id = 4;           -- into the range: scores
UPDATE edge.tz SET at = '200000-01-01' WHERE lead_id = 1;         -- out of it: no longer scores
UPDATE edge.d SET at = '2026-03-01' WHERE lead_id = 13;
DELETE FROM edge.d WHERE lead_id IN (12, 14);
DELETE FROM edge.tz WHERE lead_id = 2;
SELECT lead_id, score, activity_count, last_activity_at FROM leadscore.lead_scores WHERE model = 'flat' ORDER BY lead_id;
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore() AS rescored;
SELECT lead_id, score, activity_count FROM leadscore.lead_scores WHERE model = 'flat' ORDER BY lead_id;
SELECT * FROM leadscore.verify();

-- Every reader agrees: top_leads, explain, score_agg (rows past as_of
-- or past the range left out), simulate.
SELECT lead_id, score, activity_count FROM leadscore.top_leads('flat', 10) ORDER BY lead_id;
SELECT lead_id, status FROM leadscore.top_leads('decaying', 1);
SELECT rule, activities, counted, raw_points, points_now < 'Infinity' AS finite
FROM leadscore.explain('decaying', 3::bigint);
SELECT lead_id, leadscore.score_agg('flat', kind, at, '99999-12-31 23:59:59.999999+00') AS score
FROM edge.tz GROUP BY lead_id ORDER BY lead_id;
SELECT s->>'score' AS score, s->>'status' AS status
FROM leadscore.simulate('flat', '{"as_of": "99999-12-31", "activities": [{"type": "visit", "at": "99999-12-31"}]}') s;
SELECT leadscore.simulate('flat', '{"as_of": "100000-01-01"}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('flat', '{"activities": [{"type": "visit", "at": "200000-01-01"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.score_agg('flat', kind, at, '100000-01-01') FROM edge.tz;
\echo :LAST_ERROR_SQLSTATE

-- What pg_dump reads: every row of every table and view of leadscore has
-- a text form (an out-of-range timestamptz has none).
DO $$
DECLARE
	r record;
	n bigint;
BEGIN
	FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
		WHERE c.relnamespace = 'leadscore'::regnamespace AND c.relkind IN ('r', 'v') LOOP
		EXECUTE format('SELECT count(*) FROM (SELECT t::text FROM %s t) x', r.rel) INTO n;
	END LOOP;
END $$;
SELECT 'every row prints' AS dump;

------------------------------------------------------------------------
-- verify() sees values out of range in a state (older versions wrote
-- them), and rescore() repairs them.
------------------------------------------------------------------------
UPDATE leadscore.lead_state SET mql_at = 'infinity' WHERE lead_id = 11 AND model_id = 1;
UPDATE leadscore.lead_state SET stored = 'NaN' WHERE lead_id = 21 AND model_id = 1;
UPDATE leadscore.lead_state SET checked_at = '200000-01-01' WHERE lead_id = 3 AND model_id = 2;
UPDATE leadscore.lead_state SET stage_stored[1] = 'Infinity' WHERE lead_id = 4 AND model_id = 2;
SELECT * FROM leadscore.verify() ORDER BY model, lead_id, difference;
SELECT leadscore.rescore() AS rescored;
SELECT * FROM leadscore.verify();
SELECT count(*) AS out_of_range FROM leadscore.lead_state
WHERE NOT (stored < 'Infinity' AND stored > '-Infinity') OR mql_at > now() OR checked_at > now();

------------------------------------------------------------------------
-- tick(): at most a year ahead; a tick ahead of the clock (as older
-- versions allowed) still relays handoffs, and reset_tick() takes it back.
------------------------------------------------------------------------
SELECT leadscore.tick(now() + interval '2 years');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.tick(now() + interval '300 days') >= 0 AS ticked;
SELECT leadscore.reset_tick() >= 0 AS reset;
-- The state an older version's tick(now() + '1000 years') left behind.
UPDATE leadscore.tick_state SET last_tick_at = now() + interval '1000 years';
UPDATE leadscore.lead_state SET checked_at = now() + interval '1000 years' WHERE lead_id = 11 AND model_id = 2;
SELECT leadscore.set_notify('tick');
-- Lead 11 is written as of the year 3026 in the decaying model: decayed to
-- nothing then, so no handoff there; the flat model reports one.
INSERT INTO edge.d (lead_id, kind, at) SELECT 11, 'visit', current_date FROM generate_series(1, 12);
SELECT e.model, e.to_value, e.cause, e.notified_at IS NULL AS pending FROM leadscore.events e
WHERE e.lead_id = 11 AND e.kind = 'status' ORDER BY e.id;
-- A tick at the real time, behind the last one: nothing to report, but the
-- handoff goes out.
SELECT leadscore.tick() AS transitions;
SELECT count(*) AS pending_handoffs FROM leadscore.events WHERE notified_at IS NULL AND to_value = 'sql';
SELECT leadscore.reset_tick() AS records_moved_back;
SELECT last_tick_at <= now() AS clock_back FROM leadscore.tick_state;
SELECT e.model, e.to_value, e.cause FROM leadscore.events e
WHERE e.lead_id = 11 AND e.kind = 'status' ORDER BY e.id;
SELECT leadscore.tick() >= 0 AS ticked;
SELECT last_tick_at BETWEEN now() - interval '1 minute' AND now() AS ticks_again FROM leadscore.tick_state;
SELECT * FROM leadscore.verify();
SELECT leadscore.set_notify('trigger');

------------------------------------------------------------------------
-- Extremes: the largest points on far-future rows stay finite, and a lead
-- whose points net to zero scores 0, not 'sql'.
------------------------------------------------------------------------
SELECT leadscore.create_model('extreme', half_life => '1 minute', stages => '{decision}') AS model_id;
SELECT leadscore.add_rule('extreme', 'big', 1e12, stage => 'decision') > 0 AS rule;
SELECT leadscore.add_rule('extreme', 'neg', -1e12) > 0 AS rule;
SELECT leadscore.add_rule('extreme', 'big', 1e13);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO edge.tz (lead_id, kind, at) SELECT 31, k, '99999-12-31' FROM generate_series(1, 500), unnest('{big,neg}'::text[]) k;
INSERT INTO edge.tz (lead_id, kind, at) SELECT 32, 'big', '99999-12-31' FROM generate_series(1, 1000);
DELETE FROM edge.tz WHERE id IN (SELECT id FROM edge.tz WHERE lead_id = 32 LIMIT 400);
SELECT lead_id, score_key, score, status, stage
FROM leadscore.lead_scores WHERE model = 'extreme' AND lead_id = 31;
SELECT lead_id, score < 'Infinity' AND score > 1e190 AS finite, status, stage
FROM leadscore.lead_scores WHERE model = 'extreme' AND lead_id = 32;
SELECT count(*) AS not_finite FROM leadscore.lead_state s
WHERE NOT (s.stored < 'Infinity' AND s.stored > '-Infinity')
	OR EXISTS (SELECT FROM unnest(s.stage_stored) x WHERE NOT (x < 'Infinity' AND x > '-Infinity'));
SELECT rule, counted, points_now < 'Infinity' AS finite FROM leadscore.explain('extreme', 32::bigint);
SELECT leadscore.rescore('extreme') AS rescored;
SELECT * FROM leadscore.verify('extreme');

------------------------------------------------------------------------
-- Settings that cannot work: thresholds whose stored form would overflow,
-- and stage lists SQL and C++ would index differently.
------------------------------------------------------------------------
SELECT leadscore.create_model('bad', sql_threshold => 1e16);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', stage_min_points => 1e16);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', account_threshold => 1e16);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', stages => '{{a,b},{c,d}}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', stages => '[0:2]={a,b,c}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('bad', stages => '{a,NULL,c}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS bad_models FROM leadscore.models WHERE name = 'bad';
-- At the limits, they work.
SELECT leadscore.create_model('edge', sql_threshold => 1e15, stage_min_points => 1e15, account_threshold => 1e15,
	stages => '{}') > 0 AS created;
