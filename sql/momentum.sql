-- Momentum (README, "Momentum"):
--   * lead_scores.momentum: the lead's points decayed with the model's
--     momentum_half_life (default 7 days), exact at read time, for every
--     kind of rule (plain, capped, absence), also in a model without decay
--   * top_momentum(): the leads heating up fastest, sorted, or from an
--     index in a model that ranks its momentum (set_momentum_ranking)
--   * momentum_half_life's errors, set_momentum_half_life(), verify(),
--     rescore(), and tick()'s re-base of the epoch
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
CREATE SCHEMA mo;
CREATE TABLE mo.acts (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('m', half_life => '30 days') AS model;
SELECT momentum_half_life FROM leadscore.models WHERE name = 'm';
SELECT leadscore.add_rule('m', 'demo', 80);
SELECT leadscore.add_rule('m', 'visit', 10, max_count => 2);
SELECT leadscore.add_absence_rule('m', 'mail', '{open}', '3 days', -5);
SELECT leadscore.create_model('flat', half_life => NULL, momentum_half_life => '14 days', momentum_ranking => true);
SELECT leadscore.add_rule('flat', 'demo', 80);
SELECT leadscore.attach_activities('mo.acts', 'lead_id', 'kind', 'at');
INSERT INTO mo.acts (lead_id, kind, at) VALUES
	(1, 'demo', now() - interval '28 days'),   -- 4 momentum half-lives: 80 / 16 = 5
	(2, 'demo', now()),                        -- 80 and 80
	(3, 'visit', now()),                       -- capped at the 2 newest: 10 + 10 / 2 = 15
	(3, 'visit', now() - interval '7 days'),
	(3, 'visit', now() - interval '14 days'),
	(4, 'visit', now() - interval '7 days'),   -- 10 / 2 + 80 / 4 = 25
	(4, 'demo', now() - interval '14 days'),
	(5, 'mail', now() - interval '10 days');   -- unanswered: -5 seven days ago, -2.5

-- Score (30-day half-life) and momentum (7 days) of the same activities:
-- lead 1's old demo still counts for the score, hardly for momentum.
SELECT model, lead_id, round(score::numeric, 2) AS score, round(momentum::numeric, 2) AS momentum
FROM leadscore.lead_scores ORDER BY model, lead_id;

-- The leads heating up fastest, and the hottest: not the same order.
SELECT lead_id, round(momentum::numeric, 2) AS momentum FROM leadscore.top_momentum('m', 3);
SELECT lead_id, round(score::numeric, 2) AS score FROM leadscore.top_leads('m', 3);
SELECT lead_id FROM leadscore.top_momentum('flat');

-- Deleting lead 3's newest visit brings its oldest back into the cap:
-- 10 / 2 + 10 / 4 = 7.5.
DELETE FROM mo.acts WHERE lead_id = 3 AND at > now() - interval '1 day';
SELECT round(momentum::numeric, 2) AS momentum FROM leadscore.lead_scores WHERE model = 'm' AND lead_id = 3;
-- No activity left: exactly 0.
DELETE FROM mo.acts WHERE lead_id = 3;
SELECT momentum, score FROM leadscore.lead_scores WHERE model = 'm' AND lead_id = 3;
SELECT * FROM leadscore.verify();

-- Another half-life rescores the model: lead 1's demo is now 2 half-lives
-- old (80 / 4), the score stays.
SELECT leadscore.set_momentum_half_life('m', '14 days');
SELECT lead_id, round(score::numeric, 2) AS score, round(momentum::numeric, 2) AS momentum
FROM leadscore.lead_scores WHERE model = 'm' ORDER BY lead_id;
SELECT * FROM leadscore.verify();
SELECT leadscore.rescore() AS rescored;
SELECT * FROM leadscore.verify();

-- Bad half-lives.
\set VERBOSITY sqlstate
SELECT leadscore.create_model('x', momentum_half_life => NULL);
SELECT leadscore.create_model('x', momentum_half_life => '0');
SELECT leadscore.create_model('x', momentum_half_life => '-1 day');
SELECT leadscore.create_model('x', momentum_half_life => '30 seconds');
SELECT leadscore.set_momentum_half_life('m', NULL);
SELECT leadscore.set_momentum_half_life('m', '0');
SELECT leadscore.set_momentum_half_life('nope', '1 day');
SELECT leadscore.top_momentum('m', NULL);
SELECT leadscore.top_momentum('nope');
SELECT leadscore.create_model('x', momentum_ranking => NULL);
SELECT leadscore.set_momentum_ranking('m', NULL);
SELECT leadscore.set_momentum_ranking('nope');
\set VERBOSITY default

-- Ranks: 'm' does not rank its momentum (the default), every rank is 0;
-- 'flat' does, every lead has its momentum's.
SELECT m.name, m.momentum_ranking, count(*) FILTER (WHERE s.momentum_rank <> 0) AS ranked, count(*) AS leads,
	bool_and(s.momentum_rank = leadscore.momentum_rank(s.momentum, m.momentum_ranking)) AS right_rank
FROM leadscore.lead_state s JOIN leadscore.models m ON m.id = s.model_id GROUP BY m.name, m.momentum_ranking
ORDER BY m.name;

-- top_momentum() of 'm' sorts its leads by momentum.  Ranked, it reads
-- the (momentum_rank, model_id) index and gives the same top.  (Many
-- leads share a momentum: compared by momentum.)
INSERT INTO mo.acts (lead_id, kind, at)
SELECT 1000 + i, 'demo', now() - (i % 50) * interval '1 hour' FROM generate_series(1, 2000) AS i;
CREATE TABLE mo.sorted AS SELECT row_number() OVER () AS i, momentum_key FROM leadscore.top_momentum('m', 50);
SELECT count(*) AS n, bool_and(momentum_key = (SELECT array_agg(momentum_key ORDER BY momentum_key DESC)
		FROM leadscore.lead_scores WHERE model_id = 1)[i]) AS same_top
FROM mo.sorted;
SELECT leadscore.set_momentum_ranking('m');
ANALYZE leadscore.lead_state;
EXPLAIN (COSTS OFF)
SELECT lead_id FROM leadscore.lead_scores WHERE model_id = 1 AND momentum_rank <> 0
ORDER BY momentum_rank DESC, momentum_key DESC LIMIT 50;
SELECT array_agg(t.momentum_key) = (SELECT array_agg(momentum_key ORDER BY i) FROM mo.sorted) AS same_top, count(*) AS n
FROM leadscore.top_momentum('m', 50) t;
-- Writers keep the ranks of a ranked model: a new lead, a lead's next
-- activity (lead 5's is negative).  A momentum of 0 ranks 1, between the
-- negative ones and the positive ones.
INSERT INTO mo.acts (lead_id, kind, at) VALUES (3000, 'demo', now()), (1001, 'visit', now());
SELECT lead_id, sign(momentum) AS sign, momentum_rank, momentum_rank = leadscore.score_rank(momentum) AS score_rank_of_it
FROM leadscore.lead_state WHERE model_id = 1 AND lead_id IN (5, 1001, 3000) ORDER BY lead_id;
SELECT v AS momentum, leadscore.momentum_rank(v, true) AS ranked, leadscore.momentum_rank(v, false) AS not_ranked
FROM unnest('{-1e-300,0,1e-300}'::float8[]) v;
SELECT * FROM leadscore.verify();
-- Off again: every rank back to 0, top_momentum() sorts again.
SELECT leadscore.set_momentum_ranking('m', false);
SELECT count(*) FILTER (WHERE momentum_rank <> 0) AS ranked FROM leadscore.lead_state WHERE model_id = 1;
SELECT array_agg(t.momentum_key) = (SELECT array_agg(momentum_key ORDER BY momentum_key DESC) FROM
		(SELECT momentum_key FROM leadscore.lead_scores WHERE model_id = 1 ORDER BY momentum_key DESC LIMIT 50) x)
	AS same_top
FROM leadscore.top_momentum('m', 50) t;
SELECT * FROM leadscore.verify();

-- tick() re-bases the epoch once momentum's exponent passes the limit
-- (256 of its half-lives): 'flat' with a one-day momentum after 260 days,
-- though its score does not decay; 'm' (14 and 30 days) not yet.  Scores
-- and momentum read the same afterwards: read at one now(), in one
-- transaction (a one-day momentum moves by 1e-6 in a tenth of a second).
SELECT leadscore.set_momentum_half_life('flat', '1 day');
BEGIN;
CREATE TABLE mo.before AS SELECT model, lead_id, score, momentum FROM leadscore.lead_scores;
SELECT leadscore.tick(now() + interval '260 days') >= 0 AS ticked;
SELECT name, epoch > now() + interval '259 days' AS rebased FROM leadscore.models ORDER BY name;
SELECT count(*) AS changed FROM mo.before b JOIN leadscore.lead_scores s USING (model, lead_id)
WHERE abs(s.momentum - b.momentum) > 1e-6 * greatest(abs(b.momentum), 1e-6)
	OR abs(s.score - b.score) > 1e-6 * greatest(abs(b.score), 1e-6);
COMMIT;
SELECT * FROM leadscore.verify();
