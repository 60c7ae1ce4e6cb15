-- Back-filled history (issue 17): rows dated before a lead's record set
-- mql_at / sql_at to the times the score crossed the thresholds in that
-- history, whether they come in a first load (INSERT ... SELECT, COPY) or
-- late inside existing history; a lead that was an MQL and has cooled is a
-- stale_leads() candidate; rescore() computes the same times.  The writer
-- queues such leads (leadscore.history_walks) and tick() walks them; a new
-- lead whose rows share one time is walked at once, and a lead that cannot
-- have crossed is not queued.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA bf;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE bf.activities (lead_id bigint, kind text, at timestamptz);
CREATE INDEX ON bf.activities (lead_id);
-- The issue's example: 7-day half-life, MQL 40; a 60-point demo request
-- is an MQL for 4.1 days.
SELECT leadscore.create_model('m', half_life => '7 days', mql_threshold => 40, sql_threshold => 100) AS model_id;
SELECT leadscore.add_rule('m', 'demo_request', 60);
SELECT leadscore.add_rule('m', 'webinar', 30);
SELECT leadscore.add_rule('m', 'blog_read', 5);
SELECT leadscore.attach_activities('bf.activities', 'lead_id', 'kind', 'at');

-- Lead 1: the demo request 10 days ago, alone (walked at once, not
-- queued).  It reached MQL then and has cooled since: mql_at is that day,
-- the record says nurture, and stale_leads() lists it once its idle time
-- is shorter than 10 days.
INSERT INTO bf.activities VALUES (1, 'demo_request', now() - interval '10 days');
SELECT lead_id, round(score::numeric, 2) AS score, status,
	mql_at = (SELECT at FROM bf.activities WHERE lead_id = 1) AS mql_at_the_demo, sql_at
FROM leadscore.lead_scores WHERE model = 'm' AND lead_id = 1;
SELECT lead_id, kind, from_value, to_value, round(score::numeric, 2) AS score, cause,
	round(extract(epoch FROM now() - at) / 86400) AS days_ago
FROM leadscore.events WHERE model = 'm' AND lead_id = 1 ORDER BY id;
SELECT lead_id FROM leadscore.stale_leads('m', '9 days');
SELECT lead_id FROM leadscore.stale_leads('m', '11 days');
SELECT count(*) AS queued FROM leadscore.history_walks;

-- A bulk INSERT ... SELECT of many dated rows: leads 100..299 read a blog
-- a week over most of a year; then, in a second statement, late for them,
-- the even ones a webinar and a demo request 30 and 29 days ago.
INSERT INTO bf.activities
SELECT l, 'blog_read', date_trunc('day', now()) - make_interval(days => 40 + d * 7)
FROM generate_series(100, 299) l, generate_series(0, 40) d;
INSERT INTO bf.activities
SELECT l, k, date_trunc('day', now()) - make_interval(days => ago)
FROM generate_series(100, 299, 2) l,
	(VALUES ('webinar', 30), ('demo_request', 29)) v(k, ago);
-- Queued: until tick() walks them, their records say what the writer saw
-- now (nurture, never MQL).
SELECT count(*) AS queued FROM leadscore.history_walks;
SELECT count(mql_at) AS reached_mql FROM leadscore.lead_scores WHERE model = 'm' AND lead_id BETWEEN 100 AND 299;
SELECT leadscore.tick() >= 0 AS ticked;
SELECT count(*) AS queued FROM leadscore.history_walks;
-- The crossings, as a plain-SQL walk over each lead's rows would find them:
-- every even lead reached MQL 29 days ago, none is MQL now.
SELECT count(*) AS leads, count(mql_at) AS reached_mql,
	count(*) FILTER (WHERE mql_at = date_trunc('day', now()) - interval '29 days') AS mql_29_days_ago,
	count(*) FILTER (WHERE status <> 'nurture') AS mql_now
FROM leadscore.lead_scores WHERE model = 'm' AND lead_id BETWEEN 100 AND 299;
SELECT count(*) AS stale FROM leadscore.stale_leads('m', '20 days') WHERE lead_id BETWEEN 100 AND 299;

-- COPY of new leads' history in one statement: lead 400 climbed to SQL
-- (two demo requests a day apart), lead 401 only to MQL; both cooled long
-- ago, the drop reported by tick() (cause decay).  Lead 400's move to sql
-- is history, not a handoff: no event, no NOTIFY, no handoff; sql_at keeps
-- its time.
LISTEN leadscore;
COPY bf.activities FROM stdin;
400	demo_request	2020-01-01 00:00:00+00
400	demo_request	2020-01-02 00:00:00+00
400	blog_read	2019-12-01 00:00:00+00
401	webinar	2020-01-01 00:00:00+00
401	webinar	2020-01-01 12:00:00+00
\.
SELECT leadscore.tick() >= 0 AS ticked;
SELECT lead_id, status, mql_at, sql_at FROM leadscore.lead_scores
WHERE model = 'm' AND lead_id IN (400, 401) ORDER BY lead_id;
SELECT lead_id, from_value, to_value, round(score::numeric, 2) AS score, cause,
	CASE WHEN at < '2021-01-01' THEN at::text ELSE 'at the load' END AS at
FROM leadscore.events WHERE model = 'm' AND lead_id IN (400, 401) AND kind = 'status' ORDER BY id;
UNLISTEN leadscore;
-- Lead 500 is SQL now from rows of the last day loaded late: a handoff
-- from the writer, notified; tick() moves mql_at to the first demo
-- request's time and sql_at to the second's.
INSERT INTO bf.activities VALUES (500, 'demo_request', date_trunc('hour', now()) - interval '1 day'),
	(500, 'demo_request', date_trunc('hour', now()) - interval '2 hours');
SELECT leadscore.tick() >= 0 AS ticked;
SELECT status, mql_at = date_trunc('hour', now()) - interval '1 day' AS mql_at_first,
	sql_at = date_trunc('hour', now()) - interval '2 hours' AS sql_at_second
FROM leadscore.lead_scores WHERE model = 'm' AND lead_id = 500;
SELECT lead_id, status FROM leadscore.handoffs WHERE lead_id IN (400, 401, 500) ORDER BY lead_id;
SELECT from_value, to_value, cause, notified_at IS NOT NULL AS notified
FROM leadscore.events WHERE model = 'm' AND lead_id = 500 ORDER BY id;

-- Late rows inside existing history: lead 2 read blogs 20 and 10 days ago
-- (in time order, nurture); a webinar 15 days ago arrives late and keeps it
-- below 40 (33 points then); a demo request 12 days ago, late too, made it
-- an MQL that day (84.6 points), and it has cooled since.
INSERT INTO bf.activities VALUES (2, 'blog_read', now() - interval '20 days');
INSERT INTO bf.activities VALUES (2, 'blog_read', now() - interval '10 days');
INSERT INTO bf.activities VALUES (2, 'webinar', now() - interval '15 days');
SELECT leadscore.tick() >= 0 AS ticked;
SELECT status, mql_at FROM leadscore.lead_scores WHERE model = 'm' AND lead_id = 2;
INSERT INTO bf.activities VALUES (2, 'demo_request', date_trunc('day', now()) - interval '12 days');
SELECT leadscore.tick() >= 0 AS ticked;
SELECT status, mql_at = date_trunc('day', now()) - interval '12 days' AS mql_at_the_demo
FROM leadscore.lead_scores WHERE model = 'm' AND lead_id = 2;

-- Lead 600 became an MQL with a demo request now; a late one a day before
-- made it an MQL then, and the first one an SQL.  The writer of the late
-- row reports the move to sql (the handoff); the record already said mql:
-- that move is not reported again.  tick() moves mql_at to the late row's
-- time and sql_at to the first row's.
INSERT INTO bf.activities VALUES (600, 'demo_request', now());
INSERT INTO bf.activities VALUES (600, 'demo_request', now() - interval '1 day');
SELECT leadscore.tick() >= 0 AS ticked;
SELECT status, mql_at = (SELECT min(at) FROM bf.activities WHERE lead_id = 600) AS mql_at_the_late_row,
	sql_at = (SELECT max(at) FROM bf.activities WHERE lead_id = 600) AS sql_at_the_first_row
FROM leadscore.lead_scores WHERE model = 'm' AND lead_id = 600;
SELECT from_value, to_value, cause FROM leadscore.events
WHERE model = 'm' AND lead_id = 600 AND kind = 'status' ORDER BY id;

-- A row in time order, now: no walk, the record's time as before (the
-- writer's now, which is the row's).  A late blog read of lead 4 cannot
-- have made it cross anything (two blog reads, 10 points at most): not
-- queued.
INSERT INTO bf.activities VALUES (3, 'demo_request', now());
INSERT INTO bf.activities VALUES (4, 'blog_read', now());
INSERT INTO bf.activities VALUES (4, 'blog_read', now() - interval '1 day');
SELECT count(*) AS queued FROM leadscore.history_walks;
SELECT status, mql_at = (SELECT at FROM bf.activities WHERE lead_id = 3) AS mql_at_the_row
FROM leadscore.lead_scores WHERE model = 'm' AND lead_id = 3;

-- rescore() computes the same times from the sorted history.
CREATE TEMP TABLE before_rescore AS
SELECT lead_id, mql_at, sql_at FROM leadscore.lead_scores WHERE model = 'm';
SELECT leadscore.rescore('m') IS NOT NULL AS rescored;
SELECT count(*) AS leads, count(*) FILTER (WHERE b.mql_at IS NOT DISTINCT FROM s.mql_at
	AND b.sql_at IS NOT DISTINCT FROM s.sql_at) AS same_times
FROM before_rescore b JOIN leadscore.lead_scores s ON s.model = 'm' AND s.lead_id = b.lead_id;
SELECT * FROM leadscore.verify();
