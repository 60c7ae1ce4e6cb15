-- The handoff queue (src/sql/handoffs.sql): a lead that becomes SQL gets one
-- open handoff, owned by its lead row's owner or the pool's least loaded
-- rep below capacity, else nobody; accept, reject, expiry by tick(), the
-- monthly review, and bad input.  Races: the isolation spec
-- handoff_capacity.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA hq;
RESET client_min_messages;
SET timezone = 'UTC';
\set VERBOSITY terse

CREATE TABLE hq.contacts (id bigint PRIMARY KEY, rep integer);
CREATE TABLE hq.activities (lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('m', half_life => '1 day', handoff_sla => '4 hours') AS model_id;
SELECT leadscore.add_rule('m', 'demo', 150);
SELECT leadscore.add_rule('m', 'visit', 60);
SELECT leadscore.attach_activities('hq.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('hq.contacts', 'id', owner_column => 'rep');
SELECT tbl, owner_column FROM leadscore.attachments WHERE kind = 'leads';
SELECT name, handoff_sla FROM leadscore.models;

-- The pool: ann takes two, bob one, cid none.
SELECT leadscore.add_owner('m', 'bob', 1);
SELECT leadscore.add_owner('m', 'ann', 2);
SELECT leadscore.add_owner('m', 'cid', 0);
SELECT model, owner, capacity, last_assigned_at IS NULL AS never FROM leadscore.owners ORDER BY owner;

-- Lead 1's row names rep 7: the handoff is 7's, whatever the pool.
INSERT INTO hq.contacts VALUES (1, 7), (2, NULL), (3, NULL), (4, NULL), (5, NULL);
INSERT INTO hq.activities VALUES (1, 'demo', now());
-- Leads 2..5 have no owner: ann and bob (never assigned: by name), then
-- ann again (the fewest open: ann 1 < bob 1? equal; the older assignment:
-- ann), then nobody (ann 2/2, bob 1/1, cid 0/0).
INSERT INTO hq.activities VALUES (2, 'demo', now());
INSERT INTO hq.activities VALUES (3, 'demo', now());
INSERT INTO hq.activities VALUES (4, 'demo', now());
INSERT INTO hq.activities VALUES (5, 'demo', now());
SELECT id, model, lead_id, owner, status, due_by - created_at AS sla, reason, closed_at
FROM leadscore.handoffs ORDER BY id;
-- A lead already handed off gets no second open handoff, and an MQL none.
INSERT INTO hq.activities VALUES (1, 'demo', now()), (6, 'visit', now());
SELECT count(*) AS handoffs FROM leadscore.handoffs;

-- Sales close them: an event each.
SELECT leadscore.accept_handoff(1);
SELECT leadscore.reject_handoff(2, 'no budget');
SELECT leadscore.reject_handoff(3, 'no budget');
SELECT id, lead_id, owner, status, reason, closed_at IS NOT NULL AS closed FROM leadscore.handoffs ORDER BY id;
SELECT lead_id, kind, from_value, to_value, score > 0 AS scored, cause FROM leadscore.events
WHERE kind = 'handoff' ORDER BY id;
-- A closed handoff stays closed (55000); unknown (42704); NULL (22004).
SELECT leadscore.accept_handoff(1);
SELECT leadscore.reject_handoff(2, 'duplicate');
SELECT leadscore.accept_handoff(999);
SELECT leadscore.accept_handoff(NULL);
SELECT leadscore.reject_handoff(4, NULL);

-- Lead 2 was rejected: more activity while it is SQL opens nothing; it
-- drops below SQL (decay, reported by tick()) and climbs back: a new
-- handoff.  bob's place is free again (his handoff was rejected).
INSERT INTO hq.activities VALUES (2, 'visit', now());
SELECT count(*) AS handoffs_of_2 FROM leadscore.handoffs WHERE lead_id = 2;
SELECT leadscore.tick(now() + interval '2 days') > 0 AS decayed;
SELECT from_value, to_value, cause FROM leadscore.events WHERE lead_id = 2 AND kind = 'status' ORDER BY id;
INSERT INTO hq.activities VALUES (2, 'demo', now() + interval '2 days');
SELECT id, lead_id, owner, status FROM leadscore.handoffs WHERE lead_id = 2 ORDER BY id;

-- That tick(), two days on, expired the handoffs open past their 4 hours
-- (at the tick's time).
SELECT id, lead_id, status, closed_at - created_at >= '2 days' AS at_tick FROM leadscore.handoffs
WHERE status = 'expired' ORDER BY id;
SELECT lead_id, from_value, to_value, cause FROM leadscore.events
WHERE kind = 'handoff' AND cause = 'sla' ORDER BY lead_id;
-- A second tick expires lead 2's new one (opened now, due in 4 hours).
SELECT leadscore.tick(now() + interval '2 days') >= 0 AS ticked;
SELECT count(*) AS expired FROM leadscore.handoffs WHERE status = 'expired';

-- The monthly review.
SELECT owner, overall, handed_off, open, accepted, rejected, rejected_by_reason, expired,
	median_time_to_accept < '1 minute' AS accepted_at_once
FROM leadscore.handoff_stats('m', now() - interval '30 days');
SELECT owner, handed_off FROM leadscore.handoff_stats('m', now() + interval '1 day');

-- A model without an SLA: no due time, nothing expires.
SELECT leadscore.set_handoff_sla('m', NULL);
SELECT handoff_sla FROM leadscore.models;
INSERT INTO hq.contacts VALUES (8, 3);
INSERT INTO hq.activities VALUES (8, 'demo', now());
SELECT lead_id, owner, due_by FROM leadscore.handoffs WHERE lead_id = 8;
SELECT leadscore.set_handoff_sla('m', '1 hour');
SELECT handoff_sla FROM leadscore.models;

-- A SERIALIZABLE writer reads nothing of the queue: its handoff opens
-- unassigned, and the next tick() gives it its lead row's owner.  tick()
-- also gives a waiting handoff the pool's rep with room (lead 12 has no
-- owner: ann and bob hold none open, ann's last assignment is older).
INSERT INTO hq.contacts VALUES (11, 5), (12, NULL);
BEGIN ISOLATION LEVEL SERIALIZABLE;
INSERT INTO hq.activities VALUES (11, 'demo', now()), (12, 'demo', now());
COMMIT;
SELECT lead_id, owner, due_by - created_at AS sla FROM leadscore.handoffs WHERE lead_id IN (11, 12) ORDER BY lead_id;
SELECT leadscore.tick() >= 0 AS ticked;
SELECT lead_id, owner, status FROM leadscore.handoffs WHERE lead_id IN (11, 12) ORDER BY lead_id;

-- The lead row's owner is read whatever its type; a shadow model hands
-- nothing off.
SELECT leadscore.create_model('shadow', half_life => NULL, active => false);
SELECT leadscore.add_rule('shadow', 'demo', 150);
INSERT INTO hq.contacts VALUES (9, NULL);
INSERT INTO hq.activities VALUES (9, 'demo', now());
SELECT model, lead_id, owner FROM leadscore.handoffs WHERE lead_id = 9;

-- remove_owner: the rep leaves the pool, keeps their handoffs.
SELECT leadscore.remove_owner('m', 'cid');
SELECT owner FROM leadscore.owners ORDER BY owner;

-- Bad input.
SELECT leadscore.add_owner('nope', 'x', 1);
SELECT leadscore.add_owner('m', 'x', -1);
SELECT leadscore.add_owner('m', NULL, 1);
SELECT leadscore.add_owner('m', 'x', NULL);
SELECT leadscore.add_owner(NULL, 'x', 1);
SELECT leadscore.add_owner('m', ' ', 1);
SELECT leadscore.remove_owner('m', 'nobody');
SELECT leadscore.remove_owner('m', NULL);
SELECT leadscore.set_handoff_sla('m', '-1 hour');
SELECT leadscore.set_handoff_sla('nope', '1 hour');
SELECT leadscore.create_model('bad', handoff_sla => '0');
SELECT * FROM leadscore.handoff_stats('nope', now());
SELECT * FROM leadscore.handoff_stats('m', NULL);
SELECT * FROM leadscore.handoff_stats(NULL, now());
CREATE TABLE hq.other (id bigint, rep text);
SELECT leadscore.attach_leads('hq.other', 'id', owner_column => 'missing');

-- A CRM write never fails for the queue: an owner column dropped behind
-- leadscore's back leaves the handoff to the pool.
SELECT leadscore.add_owner('m', 'dan', 5);
ALTER TABLE hq.contacts DROP COLUMN rep;
INSERT INTO hq.contacts VALUES (10);
INSERT INTO hq.activities VALUES (10, 'demo', now());
SELECT lead_id, owner, status FROM leadscore.handoffs WHERE lead_id = 10;

-- pg_restore loads events before lead_state: a restored move to sql (its
-- lead not sales-qualified as far as lead_state knows) opens nothing.
INSERT INTO leadscore.events (model, lead_id, kind, from_value, to_value, score, at, cause)
VALUES ('m', 77, 'status', 'mql', 'sql', 120, now(), 'activity');
SELECT count(*) AS handoffs_of_77 FROM leadscore.handoffs WHERE lead_id = 77;

-- Privileges: the queue's admin functions are leadscore_admin's, the
-- tables and the review everyone's.
CREATE ROLE hq_reader;
SET ROLE hq_reader;
SELECT leadscore.add_owner('m', 'eve', 1);
SELECT leadscore.accept_handoff(4);
SELECT leadscore.reject_handoff(4, 'x');
SELECT leadscore._tick_handoffs(now());
SELECT count(*) > 0 AS readable FROM leadscore.handoffs;
SELECT count(*) > 0 AS readable FROM leadscore.owners;
SELECT count(*) > 0 AS readable FROM leadscore.handoff_stats('m', '-infinity');
RESET ROLE;
DROP ROLE hq_reader;

SET client_min_messages = warning;
DROP SCHEMA hq CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
