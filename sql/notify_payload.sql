-- What NOTIFY leadscore carries and who relays it: set_notify's payload
-- mode (kept by set_notify(mode) alone and by a restore), the handoffs
-- tick() relays in every mode but 'off' (leads' and accounts', never
-- rescore()'s), and the largest lead key.  What listeners receive (the
-- payloads, savepoints) is in the isolation spec notify_handoffs (psql here
-- would print each sender's PID); prepared transactions in
-- test/t/009_prepared_handoffs.pl.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA ntf;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE ntf.contacts (id text PRIMARY KEY, company text);
CREATE TABLE ntf.activities (lead_id text, kind text, at timestamptz);
SELECT leadscore.create_model('m', half_life => NULL, account_threshold => 80) AS model_id;
SELECT leadscore.add_rule('m', 'demo', 150);
SELECT leadscore.attach_activities('ntf.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('ntf.contacts', 'id', account_column => 'company');

-- A fresh install sends the full payload, from the writer's transaction.
SELECT notify, notify_payload FROM leadscore.settings;
SELECT leadscore.set_notify('trigger', 'id');
SELECT notify, notify_payload FROM leadscore.settings;
-- set_notify(mode) keeps the payload mode: who asked for ids keeps them.
SELECT leadscore.set_notify('tick');
SELECT notify, notify_payload FROM leadscore.settings;
SELECT leadscore.set_notify('tick', NULL);
SELECT notify, notify_payload FROM leadscore.settings;
SELECT leadscore.set_notify('trigger', 'full');
SELECT notify, notify_payload FROM leadscore.settings;
\set VERBOSITY default
SELECT leadscore.set_notify('trigger', 'ids');
SELECT leadscore.set_notify('trigger', '');
\set VERBOSITY terse
SELECT leadscore.set_notify(NULL, 'id');
SELECT notify, notify_payload FROM leadscore.settings;
-- Only leadscore_admin may change it.
CREATE ROLE ntf_reader;
SET ROLE ntf_reader;
SELECT leadscore.set_notify('trigger', 'id');
RESET ROLE;
DROP ROLE ntf_reader;

-- A restore merges the dumped row into the installed one (the
-- settings_merge trigger), payload mode included.
INSERT INTO leadscore.settings (singleton, lead_key_type, account_key_type, notify, notify_payload)
VALUES (true, 'text', 'text', 'tick', 'id');
SELECT lead_key_type, account_key_type, notify, notify_payload FROM leadscore.settings;
-- A dump made before 0.3 has no payload column: the default comes back.
INSERT INTO leadscore.settings (singleton, lead_key_type, account_key_type, notify)
VALUES (true, 'text', 'text', 'trigger');
SELECT lead_key_type, account_key_type, notify, notify_payload FROM leadscore.settings;

------------------------------------------------------------------------
-- tick() relays what the triggers left unsent.
------------------------------------------------------------------------
-- 'tick': lead a and its account acme wait for tick().
INSERT INTO ntf.contacts VALUES ('a', 'acme');
SELECT leadscore.set_notify('tick');
INSERT INTO ntf.activities VALUES ('a', 'demo', '2026-01-01');
SELECT lead_id, to_value, cause, notified_at IS NOT NULL AS notified FROM leadscore.events
WHERE to_value = 'sql' ORDER BY id;
SELECT account_id, to_value, cause, notified_at IS NOT NULL AS notified FROM leadscore.account_events ORDER BY id;
-- rescore() writes the handoff of lead a in a model made later: a rebuild,
-- never sent.
SELECT leadscore.create_model('late', half_life => NULL) AS model_id;
SELECT leadscore.add_rule('late', 'demo', 150);
SELECT leadscore.rescore('late') AS rescored;
SELECT leadscore.tick() AS transitions;
SELECT model, lead_id, to_value, cause, notified_at IS NOT NULL AS notified FROM leadscore.events
WHERE to_value = 'sql' ORDER BY id;
SELECT account_id, to_value, cause, notified_at IS NOT NULL AS notified FROM leadscore.account_events ORDER BY id;
-- The index tick() reads holds only what it will send.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM leadscore.events WHERE notified_at IS NULL AND kind = 'status'
	AND to_value = 'sql' AND cause <> 'rescore' ORDER BY id;
EXPLAIN (COSTS OFF) SELECT id FROM leadscore.account_events WHERE notified_at IS NULL AND to_value = 'hot'
	AND cause <> 'rescore' ORDER BY id;
RESET enable_seqscan;

-- 'trigger' sends at commit and marks the event at once; tick() relays
-- what is still unsent (a prepared transaction's) in this mode too: here
-- lead b, written under 'tick'.
INSERT INTO ntf.activities VALUES ('b', 'demo', '2026-01-02');
SELECT leadscore.set_notify('trigger');
INSERT INTO ntf.activities VALUES ('c', 'demo', '2026-01-02');
SELECT model, lead_id, notified_at IS NOT NULL AS notified FROM leadscore.events
WHERE to_value = 'sql' AND lead_id IN ('b', 'c') ORDER BY id;
SELECT leadscore.tick() AS transitions;
SELECT model, lead_id, notified_at IS NOT NULL AS notified FROM leadscore.events
WHERE to_value = 'sql' AND lead_id IN ('b', 'c') ORDER BY id;

-- 'off' sends nothing; tick() marks its handoffs without sending them, so
-- turning notifications on again does not replay them.
SELECT leadscore.set_notify('off');
INSERT INTO ntf.activities VALUES ('d', 'demo', '2026-01-03');
SELECT model, lead_id, notified_at IS NOT NULL AS notified FROM leadscore.events
WHERE to_value = 'sql' AND lead_id = 'd' ORDER BY id;
SELECT leadscore.tick() AS transitions;
SELECT model, lead_id, notified_at IS NOT NULL AS notified FROM leadscore.events
WHERE to_value = 'sql' AND lead_id = 'd' ORDER BY id;
SELECT leadscore.set_notify('trigger');

------------------------------------------------------------------------
-- The largest lead key scored (1 kB, every byte a control character that
-- JSON escapes in six): the write succeeds and its full payload stays
-- under PostgreSQL's 8000 bytes.  (A payload over it, possible with a
-- smaller BLCKSZ, falls back to the id: test/unit/handoff_payload_test.cpp.)
------------------------------------------------------------------------
INSERT INTO ntf.activities VALUES (repeat(E'\x01', 1024), 'demo', '2026-01-04');
SELECT model, octet_length(lead_id) AS key_bytes, notified_at IS NOT NULL AS notified,
	octet_length(leadscore.event_payload(e)) BETWEEN 6 * 1024 AND 7999 AS full_payload_fits
FROM leadscore.events e WHERE to_value = 'sql' AND octet_length(lead_id) > 100 ORDER BY id;

SELECT * FROM leadscore.verify();
SET client_min_messages = warning;
DROP SCHEMA ntf CASCADE;
RESET client_min_messages;
