-- One round of sql/kept_plans.sql: the extension created afresh, a CRM
-- whose keys have type :key, single rows and a batch scored, leads handed
-- to sales, a lead moving accounts, a capped row deleted; then what it
-- produced, and verify().  (pg_regress feeds kept_plans.sql on standard
-- input from the top directory: hence \i with this path there.)
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS kp CASCADE;
DROP EXTENSION IF EXISTS leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA kp;
RESET client_min_messages;

CREATE TABLE kp.contacts (id :key PRIMARY KEY, company text, job_title text);
CREATE TABLE kp.activities (id bigserial PRIMARY KEY, lead_id :key, kind text, at timestamptz);
SELECT leadscore.create_grade_profile('icp', base => 'C') IS NOT NULL AS profile;
SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of') IS NOT NULL AS criterion;
SELECT leadscore.create_model('m', half_life => NULL, mql_threshold => 30, sql_threshold => 60,
	sql_min_grade => 'B', grade_profile => 'icp', account_threshold => 100) IS NOT NULL AS model;
SELECT leadscore.add_rule('m', 'demo', 40, stage => 'decision', max_count => 1) IS NOT NULL AS rule;
SELECT leadscore.add_rule('m', 'view', 30, stage => 'consideration') IS NOT NULL AS rule;
SELECT leadscore.attach_activities('kp.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('kp.contacts', 'id', account_column => 'company');

INSERT INTO kp.contacts VALUES ('1', 'acme', 'Head of IT'), ('2', 'acme', 'Engineer');
INSERT INTO kp.contacts VALUES ('3', 'solo', 'Intern');
INSERT INTO kp.activities (lead_id, kind, at) VALUES ('1', 'demo', '2026-01-01');
INSERT INTO kp.activities (lead_id, kind, at)
VALUES ('1', 'view', '2026-01-02'), ('2', 'demo', '2026-01-02'), ('3', 'view', '2026-01-02');
INSERT INTO kp.activities (lead_id, kind, at) VALUES ('2', 'demo', '2026-01-03');
UPDATE kp.contacts SET job_title = 'Head of Sales' WHERE id = '2';
UPDATE kp.contacts SET company = 'acme' WHERE id = '3';
DELETE FROM kp.activities WHERE id = (SELECT max(id) FROM kp.activities);

SELECT lead_id, score, grade, stage, status FROM leadscore.lead_scores ORDER BY lead_id;
SELECT lead_id, kind, from_value, to_value, cause, notified_at IS NOT NULL AS notified
FROM leadscore.events ORDER BY id;
SELECT account_id, round(score::numeric, 2) AS score, engaged_leads, status
FROM leadscore.account_scores ORDER BY account_id;
SELECT * FROM leadscore.verify();
