-- The state's layout (src/sql/state_tables.sql): a lead's next activity
-- updates its state row in place (a HOT update: no new index entry) unless
-- what an index reads changes, its score_rank (a half-doubling of the
-- stored sum; momentum_rank the same of momentum, in a model that ranks
-- it) or tick()'s due_hint
-- (lowered only, never raised by an
-- activity); tick() visits a lead whose due_at an activity moved later once,
-- reports nothing and raises the hint to due_at; top_leads() reads the
-- top ranks and sorts them.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA layout;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE layout.activities (lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('flat', half_life => NULL, mql_threshold => 50, sql_threshold => 100) AS model_id;
SELECT leadscore.add_rule('flat', 'visit', 1);
SELECT leadscore.add_rule('flat', 'demo', 20);
SELECT leadscore.attach_activities('layout.activities', 'lead_id', 'kind', 'at');
SELECT c.reloptions FROM pg_class c WHERE c.oid = 'leadscore.lead_state'::regclass;

-- score_rank orders as stored does: negative sums below zero below
-- positive ones, a step per factor sqrt(2); a sum that is not finite
-- (verify() reports it) does not fail the write.
CREATE TEMP TABLE sums AS
SELECT v FROM unnest(ARRAY['-Infinity', -1e300, -1000, -2, -1.5, -1, -1e-300, 0, 1e-300, 0.5, 1, 1.4, 1.5, 2, 1000, 1e300,
	'Infinity', 'NaN']::float8[]) v;
SELECT v AS stored, leadscore.score_rank(v) FROM sums ORDER BY v;
SELECT bool_and(leadscore.score_rank(a.v) <= leadscore.score_rank(b.v)) AS monotone
FROM sums a JOIN sums b ON a.v < b.v;

-- 10 visits: 10 points, rank 2206.  An eleventh keeps the rank: the
-- update is HOT.  A demo (31 points) moves it: not HOT.
INSERT INTO layout.activities SELECT 1, 'visit', '2026-01-01'::timestamptz + i * interval '1 hour' FROM generate_series(1, 10) i;
SELECT lead_id, stored, score_rank FROM leadscore.lead_state;
-- (Counts not yet sent to the statistics may include earlier
-- transactions': what a statement adds is the difference.)
CREATE TEMP TABLE updates (at serial, updated bigint, hot bigint);
CREATE FUNCTION pg_temp.count_updates() RETURNS void LANGUAGE sql AS $$
	INSERT INTO updates (updated, hot) VALUES (pg_stat_get_xact_tuples_updated('leadscore.lead_state'::regclass),
		pg_stat_get_xact_tuples_hot_updated('leadscore.lead_state'::regclass)) $$;
CREATE VIEW pg_temp.last_updates AS
SELECT n.updated - p.updated AS updated, n.hot - p.hot AS hot
FROM updates n JOIN updates p ON p.at = n.at - 1 ORDER BY n.at DESC LIMIT 1;
BEGIN;
SELECT pg_temp.count_updates() \gset
INSERT INTO layout.activities VALUES (1, 'visit', '2026-01-02');
SELECT pg_temp.count_updates() \gset
SELECT * FROM last_updates;
INSERT INTO layout.activities VALUES (1, 'demo', '2026-01-02');
SELECT pg_temp.count_updates() \gset
SELECT * FROM last_updates;
COMMIT;
SELECT lead_id, stored, score_rank FROM leadscore.lead_state;

-- A sync batch over leads that all have a row (21 + l points, one more
-- after it: rank 2209 from 22.6 to 32): one HOT update each.
INSERT INTO layout.activities SELECT l, 'visit', '2026-01-01'::timestamptz + i * interval '1 minute'
FROM generate_series(2, 9) l, generate_series(1, 21 + l) i;
BEGIN;
SELECT pg_temp.count_updates() \gset
INSERT INTO layout.activities SELECT l, 'visit', '2026-01-02' FROM generate_series(2, 9) l;
SELECT pg_temp.count_updates() \gset
SELECT * FROM last_updates;
COMMIT;

-- top_leads() is the top of a sort of every lead by score.
SELECT array_agg(t.lead_id) = (SELECT array_agg(lead_id ORDER BY score DESC, lead_id) FROM
		(SELECT lead_id, score FROM leadscore.lead_scores WHERE model = 'flat' ORDER BY score DESC, lead_id LIMIT 3) x)
	AS same_top
FROM leadscore.top_leads('flat', 3) t;

-- A lookup of one lead, what the writers' walk does lead after lead, has
-- only the primary key to use, even when the statistics have never seen
-- the model (here: they know model 1 only).
ANALYZE leadscore.lead_state;
INSERT INTO leadscore.lead_state (model_id, lead_id, stored, stage_stored, activity_count)
SELECT 99, l, 1, '{}', 1 FROM generate_series(1, 1000) l;
EXPLAIN (COSTS OFF) SELECT stored FROM leadscore.lead_state WHERE model_id = 99 AND lead_id = 5;
DELETE FROM leadscore.lead_state WHERE model_id = 99;

-- Decay: a 60-point lead (MQL at 50) of a 1-day half-life is due when it
-- decays below 50, 6.3 hours later.  A visit an hour later moves that to
-- 7.2 hours from now; the hint stays.
CREATE TABLE layout.decaying (lead_id bigint, kind text, at timestamptz);
SELECT leadscore.detach('layout.activities');
SELECT leadscore.create_model('decay', half_life => '1 day', mql_threshold => 50, sql_threshold => 100) AS model_id;
SELECT leadscore.add_rule('decay', 'demo', 60);
SELECT leadscore.add_rule('decay', 'visit', 5, max_count => 10); -- capped: the state is read and written whole
SELECT leadscore.attach_activities('layout.decaying', 'lead_id', 'kind', 'at');
INSERT INTO layout.decaying VALUES (7, 'demo', now() - interval '2 hours');
SELECT lead_id, due_hint = due_at AS hint_is_due, round(extract(epoch FROM due_at - now()) / 3600, 1) AS due_in_hours
FROM leadscore.lead_state WHERE model_id = 2;
INSERT INTO layout.decaying VALUES (7, 'visit', now() - interval '1 hour');
SELECT lead_id, round(extract(epoch FROM due_hint - now()) / 3600, 1) AS hint_in_hours,
	round(extract(epoch FROM due_at - now()) / 3600, 1) AS due_in_hours
FROM leadscore.lead_state WHERE model_id = 2;
SELECT * FROM leadscore.verify();
-- tick() past the hint: nothing to report yet; the hint moves to due_at.
SELECT leadscore.tick(now() + interval '5 hours') AS reported;
SELECT lead_id, due_hint = due_at AS hint_is_due, status FROM leadscore.lead_state WHERE model_id = 2;
-- tick() past due_at: the lead decayed below MQL.
SELECT leadscore.tick(now() + interval '8 hours') AS reported;
SELECT lead_id, status, due_hint IS NOT DISTINCT FROM due_at AS hint_is_due FROM leadscore.lead_state WHERE model_id = 2;
SELECT * FROM leadscore.verify();

-- Momentum moves with every activity, its rank often.  A lead with a long
-- history (20 calls, 30 days ago) calls today: its score keeps its rank
-- (20 to 21), its momentum (1-day half-life) goes from nearly 0 to 1.  In
-- a model that does not rank momentum (the default) the update stays HOT;
-- in one that ranks it (for top_momentum's index), the next call (1 to 2)
-- costs an index entry.
-- (Calls: the other models score none.)
CREATE TABLE layout.quick (lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('quick', half_life => NULL, momentum_half_life => '1 day') AS model_id;
SELECT leadscore.add_rule('quick', 'call', 1);
SELECT leadscore.attach_activities('layout.quick', 'lead_id', 'kind', 'at');
INSERT INTO layout.quick SELECT l, 'call', now() - interval '30 days' - i * interval '1 minute'
FROM generate_series(1, 5) l, generate_series(1, 20) i;
BEGIN;
SELECT pg_temp.count_updates() \gset
INSERT INTO layout.quick SELECT l, 'call', now() FROM generate_series(1, 5) l;
SELECT pg_temp.count_updates() \gset
SELECT * FROM last_updates;
COMMIT;
SELECT leadscore.set_momentum_ranking('quick');
BEGIN;
SELECT pg_temp.count_updates() \gset
INSERT INTO layout.quick SELECT l, 'call', now() FROM generate_series(1, 5) l;
SELECT pg_temp.count_updates() \gset
SELECT * FROM last_updates;
COMMIT;
SELECT count(DISTINCT score_rank) AS score_ranks, count(*) FILTER (WHERE momentum_rank > 1) AS momentum_ranked
FROM leadscore.lead_state WHERE model_id = 3;
SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP SCHEMA layout CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
