-- Score bands (README, "Bands, channels and labels"):
--   * a lead is in the highest band whose min_score its score reaches now,
--     the band without one is the floor; band and channel in lead_scores
--     are exact at read time, decay included
--   * label: the grade's letter and the band's rank from the top (A1, C3),
--     NULL without a grade or a band
--   * add_band / remove_band, and their errors
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
CREATE SCHEMA bd;
CREATE TABLE bd.acts (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz);
CREATE TABLE bd.leads (id bigint PRIMARY KEY, title text);
SELECT leadscore.create_grade_profile('fit', base => 'C');
SELECT leadscore.add_criterion('fit', 'title = ''CEO''', 6, 'chief');
SELECT leadscore.create_model('b', half_life => '10 days', grade_profile => 'fit', max_score => 150) AS model;
SELECT leadscore.add_rule('b', 'demo', 90);
SELECT leadscore.add_rule('b', 'view', 30);
SELECT leadscore.attach_activities('bd.acts', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('bd.leads', 'id');
INSERT INTO bd.leads VALUES (1, 'CEO'), (2, 'intern'), (3, 'CEO');
INSERT INTO bd.acts (lead_id, kind, at) VALUES
	(1, 'demo', now()),                       -- 90
	(2, 'view', now()),                       -- 30
	(3, 'view', now() - interval '10 days'),  -- 15 after one half-life
	(4, 'view', now());                       -- no lead row: no grade

-- Without bands: band, channel and label are NULL.
SELECT lead_id, round(score::numeric, 1) AS score, grade, band, channel, label
FROM leadscore.lead_scores ORDER BY lead_id;

SELECT leadscore.add_band('b', 'hot', 80, 'call within the hour');
SELECT leadscore.add_band('b', 'warm', 20, 'sales development rep');
SELECT leadscore.add_band('b', 'cold', NULL, 'newsletter');
SELECT name, min_score, channel FROM leadscore.bands ORDER BY min_score NULLS FIRST;
SELECT lead_id, round(score::numeric, 1) AS score, grade, band, channel, label
FROM leadscore.lead_scores ORDER BY lead_id;

-- At read time, in the writer's transaction.
BEGIN;
INSERT INTO bd.acts (lead_id, kind, at) VALUES (3, 'view', now());  -- 15 + 30 = 45
SELECT band, label FROM leadscore.lead_scores WHERE lead_id = 3;
ROLLBACK;

-- Without a floor, a score below every minimum has no band; a band above
-- max_score is out of reach.
SELECT leadscore.remove_band('b', 'cold');
SELECT leadscore.add_band('b', 'unreachable', 151);
SELECT lead_id, band, label FROM leadscore.lead_scores ORDER BY lead_id;
SELECT leadscore.remove_band('b', 'unreachable');

-- Band changes are events.  Adding bands recorded every lead's (cause
-- rescore, as rescore() reports: not news); a write that moves a lead up
-- reports it in its transaction (activity); decay moving it down, tick()
-- (decay): lead 1's 90 is below 80 after log2(90/80) half-lives, 1.7 days.
SELECT lead_id, from_value, to_value, cause FROM leadscore.events WHERE kind = 'band' ORDER BY id;
INSERT INTO bd.acts (lead_id, kind, at) VALUES (2, 'demo', now());  -- 30 + 90
SELECT lead_id, from_value, to_value, cause FROM leadscore.events
WHERE kind = 'band' AND cause = 'activity' ORDER BY id;
SELECT band FROM leadscore.lead_state WHERE lead_id = 2;
SELECT * FROM leadscore.verify();
SELECT leadscore.tick(now() + interval '1 day') AS reported_in_a_day;
SELECT leadscore.tick(now() + interval '2 days') > 0 AS reported_in_two_days;
SELECT lead_id, from_value, to_value, cause FROM leadscore.events
WHERE kind = 'band' AND cause = 'decay' ORDER BY id;

-- Errors.
\set VERBOSITY sqlstate
SELECT leadscore.add_band('b', 'hot', 90);            -- the name is taken
SELECT leadscore.add_band('b', 'lukewarm', 20);       -- the minimum is taken
SELECT leadscore.add_band('b', 'floor1', NULL);
SELECT leadscore.add_band('b', 'floor2', NULL);       -- one floor
SELECT leadscore.add_band('b', 'x', 'NaN');
SELECT leadscore.add_band('b', 'x', 'Infinity');
SELECT leadscore.add_band('b', 'x', -5);
SELECT leadscore.add_band('b', '', 5);
SELECT leadscore.add_band('b', NULL, 5);
SELECT leadscore.add_band('nope', 'x', 5);
SELECT leadscore.remove_band('b', 'nope');
SELECT leadscore.remove_band('nope', 'hot');
SELECT leadscore.remove_band('b', NULL);
\set VERBOSITY default

-- Bands go with their model.
SELECT leadscore.drop_model('b');
SELECT count(*) FROM leadscore.bands;

SET client_min_messages = warning;
DROP SCHEMA bd CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
