-- attach_outcomes: conversions (won deals, new customers) read at query time
-- by calibrate() and evaluate(); validated like attach_activities; detach
-- removes them without touching scores.  Every error with its SQLSTATE.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA outcomes_test;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE outcomes_test.activities (lead_id bigint, kind text, at timestamptz);
CREATE TABLE outcomes_test.deals (lead_id bigint, won_at timestamptz, amount numeric(12, 2), note text);
CREATE TABLE outcomes_test.customers (lead_id bigint, since date);
CREATE TABLE outcomes_test.opportunities (lead_id bigint, stage text, closed_at timestamp, value float8);
INSERT INTO outcomes_test.deals VALUES (1, '2026-02-01', 1000, 'ok'), (2, NULL, 50, 'no time'),
	(NULL, '2026-02-02', 70, 'no lead'), (3, 'infinity', 10, 'no finite time');
INSERT INTO outcomes_test.customers VALUES (1, '2026-02-03'), (2, 'infinity');
INSERT INTO outcomes_test.opportunities VALUES (1, 'won', '2026-03-01', 5), (2, 'lost', '2026-03-02', 9);

SELECT leadscore.create_model('m', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('m', 'demo', 50) > 0 AS added;
SELECT leadscore.attach_activities('outcomes_test.activities', 'lead_id', 'kind', 'at');
INSERT INTO outcomes_test.activities VALUES (1, 'demo', '2026-01-01');

-- Returns the rows that can count: a lead and a finite time.
SELECT leadscore.attach_outcomes('outcomes_test.deals', 'lead_id', 'won_at', 'amount') AS usable_rows;
-- A date column and no amount; a view of the won opportunities.
SELECT leadscore.attach_outcomes('outcomes_test.customers', 'lead_id', 'since') AS usable_rows;
CREATE VIEW outcomes_test.won AS SELECT lead_id, closed_at, value FROM outcomes_test.opportunities WHERE stage = 'won';
SELECT leadscore.attach_outcomes('outcomes_test.won', 'lead_id', 'closed_at', 'value') AS usable_rows;
SELECT tbl, kind, lead_column, type_column, time_column, amount_column
FROM leadscore.attachments ORDER BY tbl::text;
-- No trigger on outcome tables: they are read when calibrate/evaluate run.
SELECT count(*) AS triggers FROM pg_trigger
WHERE tgrelid IN ('outcomes_test.deals'::regclass, 'outcomes_test.customers'::regclass);

-- Errors.
-- Attached twice.
SELECT leadscore.attach_outcomes('outcomes_test.deals', 'lead_id', 'won_at');
\echo :LAST_ERROR_SQLSTATE
-- An activity table is not also an outcome table.
SELECT leadscore.attach_outcomes('outcomes_test.activities', 'lead_id', 'at');
\echo :LAST_ERROR_SQLSTATE
-- Missing columns.
CREATE TABLE outcomes_test.bad (lead_id bigint, lead_text text, at timestamptz, label text, n integer);
SELECT leadscore.attach_outcomes('outcomes_test.bad', 'nope', 'at');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_outcomes('outcomes_test.bad', 'lead_id', 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_outcomes('outcomes_test.bad', 'lead_id', 'at', 'nope');
\echo :LAST_ERROR_SQLSTATE
-- Wrong types: time, amount, and a lead key unlike the database's (bigint).
SELECT leadscore.attach_outcomes('outcomes_test.bad', 'lead_id', 'label');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_outcomes('outcomes_test.bad', 'lead_id', 'at', 'label');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_outcomes('outcomes_test.bad', 'lead_text', 'at');
\echo :LAST_ERROR_SQLSTATE
-- NULL arguments.
SELECT leadscore.attach_outcomes('outcomes_test.bad', NULL, 'at');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_outcomes(NULL, 'lead_id', 'at');
\echo :LAST_ERROR_SQLSTATE
-- Not a table or view.
CREATE SEQUENCE outcomes_test.seq;
SELECT leadscore.attach_outcomes('outcomes_test.seq', 'lead_id', 'at');
\echo :LAST_ERROR_SQLSTATE
-- Nothing was attached by the failures.
SELECT count(*) AS attachments FROM leadscore.attachments;

-- detach: the outcome table goes, scores stay.
SELECT lead_id, score FROM leadscore.lead_scores ORDER BY lead_id;
SELECT leadscore.detach('outcomes_test.deals');
SELECT leadscore.detach('outcomes_test.customers');
SELECT leadscore.detach('outcomes_test.won');
SELECT tbl, kind FROM leadscore.attachments ORDER BY tbl::text;
SELECT lead_id, score FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM leadscore.verify();
SELECT leadscore.detach('outcomes_test.deals');
\echo :LAST_ERROR_SQLSTATE

-- The first attachment may be an outcome table: it fixes the key type.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
CREATE TABLE outcomes_test.text_deals (lead text, at timestamptz);
SELECT leadscore.attach_outcomes('outcomes_test.text_deals', 'lead', 'at') AS usable_rows;
SELECT lead_key_type FROM leadscore.settings;
SELECT leadscore.attach_activities('outcomes_test.activities', 'lead_id', 'kind', 'at');
\echo :LAST_ERROR_SQLSTATE
-- With text keys (varchar counts as text) calibrate and evaluate work the same.
CREATE TABLE outcomes_test.text_activities (lead varchar(20), kind text, at timestamptz);
INSERT INTO outcomes_test.text_activities VALUES ('ana', 'demo', '2026-01-01'), ('bo', 'demo', '2026-01-02'), ('cy', 'x', '2026-01-03');
INSERT INTO outcomes_test.text_deals VALUES ('ana', '2026-01-10'), ('cy', '2026-01-02');
SELECT leadscore.create_model('t', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('t', 'demo', 60) > 0 AS added;
SELECT leadscore.attach_activities('outcomes_test.text_activities', 'lead', 'kind', 'at');
SELECT lead_id, score, status, converted, days_to_convert FROM leadscore.evaluate_leads('t', '2026-01-05', '30 days') ORDER BY lead_id;
SELECT kind, name, leads, converted FROM leadscore.calibrate('t', '2026-01-01', '2026-02-01') ORDER BY kind, name;

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA outcomes_test CASCADE;
