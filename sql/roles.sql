-- Who may do what: a CRM writer with rights on its own table only gets its
-- rows scored (the trigger runs as the extension's owner); a BI reader
-- reads the views; neither can change models.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA roles_test;
DROP ROLE IF EXISTS regress_crm_writer;
DROP ROLE IF EXISTS regress_bi_reader;
RESET client_min_messages;

CREATE ROLE regress_crm_writer NOLOGIN;
CREATE ROLE regress_bi_reader NOLOGIN;
CREATE TABLE roles_test.activities (lead_id bigint, kind text, at timestamptz);
GRANT USAGE ON SCHEMA roles_test TO regress_crm_writer;
GRANT INSERT, UPDATE, DELETE, SELECT ON roles_test.activities TO regress_crm_writer;

SELECT leadscore.create_model('m', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('m', 'demo_request', 60, max_count => 1) > 0 AS added;
SELECT leadscore.attach_activities('roles_test.activities', 'lead_id', 'kind', 'at');

SET ROLE regress_crm_writer;
INSERT INTO roles_test.activities VALUES (1, 'demo_request', '2026-01-01'), (1, 'demo_request', '2026-01-02');
DELETE FROM roles_test.activities WHERE at = '2026-01-02';
-- The writer has no right on leadscore's tables...
SELECT count(*) FROM leadscore.lead_state;
\echo :LAST_ERROR_SQLSTATE
-- ...nor may it change models.
SELECT leadscore.create_model('sneaky');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

SET ROLE regress_bi_reader;
SELECT model, lead_id, score, status FROM leadscore.lead_scores;
SELECT name FROM leadscore.models;
SELECT leadscore.add_rule('m', 'visit', 1000);
\echo :LAST_ERROR_SQLSTATE
DELETE FROM leadscore.rules;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

SELECT * FROM leadscore.verify();

SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
DROP SCHEMA roles_test CASCADE;
DROP ROLE regress_crm_writer;
DROP ROLE regress_bi_reader;
