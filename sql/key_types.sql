-- Lead keys keep the CRM's own type: integer, uuid and text work like
-- bigint, lead_scores.lead_id has that type (joins without casts), and the
-- first attachment fixes the type for the database.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA keys_test;
RESET client_min_messages;
SET timezone = 'UTC';

CREATE TABLE keys_test.contacts (id uuid PRIMARY KEY, name text);
INSERT INTO keys_test.contacts VALUES
	('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'Ana'),
	('b1ffcd00-0d1c-4ef8-bb6d-6bb9bd380a22', 'Bruno');
CREATE TABLE keys_test.activities (contact_id uuid, kind text, at timestamptz);

SELECT leadscore.create_model('uuid_model', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('uuid_model', 'demo_request', 60, stage => 'decision') > 0 AS added;
SELECT leadscore.attach_activities('keys_test.activities', 'contact_id', 'kind', 'at');
SELECT lead_key_type FROM leadscore.settings;
INSERT INTO keys_test.activities VALUES
	('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'demo_request', '2026-01-01'),
	('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'demo_request', '2026-01-02'),
	('b1ffcd00-0d1c-4ef8-bb6d-6bb9bd380a22', 'demo_request', '2026-01-03');
-- Joins back to the CRM table without casts.
SELECT c.name, s.score, s.status, pg_typeof(s.lead_id) AS key_type
FROM keys_test.contacts c JOIN leadscore.lead_scores s ON s.lead_id = c.id ORDER BY c.name;
DELETE FROM keys_test.activities WHERE at = '2026-01-02';
SELECT c.name, s.score FROM keys_test.contacts c JOIN leadscore.lead_scores s ON s.lead_id = c.id ORDER BY c.name;
SELECT rule, activities FROM leadscore.explain('uuid_model', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid);
SELECT * FROM leadscore.verify();
-- Another key type is refused while uuid is in use.
CREATE TABLE keys_test.other (lead bigint, kind text, at timestamptz);
SELECT leadscore.attach_activities('keys_test.other', 'lead', 'kind', 'at');
\echo :LAST_ERROR_SQLSTATE
-- Keys of types leadscore cannot keep are refused with the list.
CREATE TABLE keys_test.bad (lead numeric, kind text, at timestamptz);

-- text keys (varchar columns count as text), in a fresh extension.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SELECT leadscore.attach_activities('keys_test.bad', 'lead', 'kind', 'at');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE keys_test.text_activities (email varchar(200), kind text, at date);
SELECT leadscore.create_model('text_model', half_life => NULL, mql_threshold => 10, sql_threshold => 20) > 0 AS created;
SELECT leadscore.add_rule('text_model', 'visit', 7) > 0 AS added;
SELECT leadscore.attach_activities('keys_test.text_activities', 'email', 'kind', 'at');
INSERT INTO keys_test.text_activities VALUES
	('ana@example.com', 'visit', '2026-01-01'), ('ana@example.com', 'visit', '2026-01-02'),
	('bruno@example.com', 'visit', '2026-01-01'), ('Ana@Example.com', 'visit', '2026-01-01'),
	(repeat('x', 150) || '@example.com', 'visit', '2026-01-01');
SELECT left(lead_id, 30) AS lead_id, score, status, pg_typeof(lead_id) AS key_type
FROM leadscore.lead_scores ORDER BY lead_id COLLATE "C";
SELECT * FROM leadscore.verify();

-- integer keys.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
CREATE TABLE keys_test.int_activities (lead integer, kind text, at timestamp);
SELECT leadscore.create_model('int_model', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('int_model', 'call', 30, max_count => 2) > 0 AS added;
SELECT leadscore.attach_activities('keys_test.int_activities', 'lead', 'kind', 'at');
INSERT INTO keys_test.int_activities SELECT i % 3, 'call', '2026-01-01'::timestamp + i * interval '1 day' FROM generate_series(1, 10) i;
SELECT lead_id, score, activity_count, pg_typeof(lead_id) AS key_type FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM leadscore.explain('int_model', 1) WHERE activities > 0;
SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA keys_test CASCADE;
