-- Lead grades: grade profiles and their criteria, grade(profile, jsonb),
-- explain_grade, an attached lead table graded by its trigger (insert,
-- update, delete, NULL and garbage attributes), SQL gated by the grade, and
-- every error with its SQLSTATE.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA grades_test;
RESET client_min_messages;
SET timezone = 'UTC';

SELECT leadscore.create_grade_profile('crm_icp', base => 'C') AS profile_id;
SELECT leadscore.add_criterion('crm_icp', 'employees >= 200', 2, 'mid-market or larger');
SELECT leadscore.add_criterion('crm_icp', 'job_title ~* ''(chief|head|vp|director)''', 1, 'decision maker');
SELECT leadscore.add_criterion('crm_icp', 'job_title ~* ''student''', -4, 'student');
SELECT leadscore.add_criterion('crm_icp', 'email ILIKE ''%@competitor.com''', -12, 'competitor');
SELECT leadscore.add_criterion('crm_icp', 'country in (''DE'', ''AT'', ''CH'')', 1);
SELECT p.name AS profile, p.base, c.name, c.condition, c.steps
FROM leadscore.grade_criteria c JOIN leadscore.grade_profiles p ON p.id = c.profile_id ORDER BY c.id;

-- Ad-hoc grading: base C, moved by the steps of every matching criterion,
-- saturating once at the end.
SELECT leadscore.grade('crm_icp', '{}') AS nothing_known;
SELECT leadscore.grade('crm_icp', '{"employees": 500, "job_title": "Head of IT", "country": "DE"}') AS ideal;
SELECT leadscore.grade('crm_icp', '{"employees": 500, "job_title": "Working student"}') AS student;
SELECT leadscore.grade('crm_icp', '{"employees": 9000, "job_title": "CEO", "email": "x@competitor.com"}') AS competitor;
-- NULL and garbage never match: only what does match moves the grade.
SELECT leadscore.grade('crm_icp', '{"employees": "lots", "job_title": null, "country": ["DE"]}') AS garbage;
SELECT leadscore.grade('crm_icp', '{"employees": "250"}') AS numeric_text;
SELECT * FROM leadscore.explain_grade('crm_icp', '{"employees": 500, "job_title": "VP Sales"}');
SELECT leadscore.grade(p, a) FROM (VALUES ('crm_icp', NULL::jsonb)) v(p, a);

-- A lead table, graded as its rows are written.
CREATE TABLE grades_test.contacts (
	id bigint PRIMARY KEY,
	company_id bigint,
	job_title text,
	employees integer,
	email text,
	country text
);
CREATE TABLE grades_test.activities (lead_id bigint, kind text, at timestamptz);
INSERT INTO grades_test.contacts VALUES
	(1, 10, 'Student', 5000, 'a@x.com', 'DE'),
	(2, 10, 'Head of IT', 500, 'b@x.com', 'US'),
	(3, 11, 'Engineer', 10, 'c@competitor.com', NULL);
-- The SQL threshold needs grade B or better; fit_priority flags leads of
-- grade B or better whose score is still below MQL.
SELECT leadscore.create_model('crm_software', half_life => NULL, grade_profile => 'crm_icp',
	sql_min_grade => 'B', fit_min_grade => 'B') AS model_id;
SELECT leadscore.add_rule('crm_software', 'demo_request', 60, stage => 'decision');
SELECT leadscore.add_rule('crm_software', 'pricing_view', 45, stage => 'decision');
SELECT leadscore.attach_activities('grades_test.activities', 'lead_id', 'kind', 'at');
-- Attaching grades the rows already there.
SELECT leadscore.attach_leads('grades_test.contacts', 'id', account_column => 'company_id') AS graded;
SELECT lead_id, score, grade, status, fit_priority FROM leadscore.lead_scores ORDER BY lead_id;

INSERT INTO grades_test.activities VALUES
	(1, 'demo_request', '2026-01-05'), (1, 'pricing_view', '2026-01-06'),
	(2, 'demo_request', '2026-01-05'), (2, 'pricing_view', '2026-01-06');
-- Same score; only the lead with grade B is sales-qualified.
SELECT lead_id, score, grade, status, fit_priority FROM leadscore.lead_scores ORDER BY lead_id;

-- The student becomes Head of IT: regraded in the same transaction, and
-- now sales-qualified.
BEGIN;
UPDATE grades_test.contacts SET job_title = 'Head of IT' WHERE id = 1;
SELECT lead_id, grade, status FROM leadscore.lead_scores WHERE lead_id = 1;
COMMIT;
SELECT lead_id, kind, from_value, to_value, round(score::numeric, 1) AS score, grade, cause
FROM leadscore.events ORDER BY id;

-- A rolled-back regrade leaves no trace.
BEGIN;
UPDATE grades_test.contacts SET email = 'boss@competitor.com' WHERE id = 2;
SELECT lead_id, grade, status FROM leadscore.lead_scores WHERE lead_id = 2;
ROLLBACK;
SELECT lead_id, grade, status FROM leadscore.lead_scores WHERE lead_id = 2;

-- A key change moves the grade; a deleted row takes it away; a new lead
-- without activity gets a state row for its grade.
UPDATE grades_test.contacts SET id = 4 WHERE id = 3;
INSERT INTO grades_test.contacts VALUES (5, 12, 'Director', 800, 'e@y.com', 'CH');
DELETE FROM grades_test.contacts WHERE id = 2;
SELECT lead_id, score, grade, status, fit_priority FROM leadscore.lead_scores ORDER BY lead_id;
SELECT lead_id, kind, from_value, to_value, grade, cause FROM leadscore.events WHERE lead_id IN (2, 3, 4, 5) ORDER BY id;
-- Rows with a NULL key are skipped and counted, never an error.
ALTER TABLE grades_test.contacts DROP CONSTRAINT contacts_pkey;
ALTER TABLE grades_test.contacts ALTER COLUMN id DROP NOT NULL;
INSERT INTO grades_test.contacts VALUES (NULL, 1, 'CEO', 1, 'n@n.com', 'DE');
SELECT source, rows_skipped FROM leadscore.stats WHERE source IS NOT NULL ORDER BY source;
SELECT * FROM leadscore.verify();

-- A criterion change grades new rows at once; rescore() regrades the rest.
SELECT leadscore.add_criterion('crm_icp', 'country = ''CH''', 3, 'swiss') > 0 AS added;
SELECT count(*) AS stale_grades FROM leadscore.verify();
SELECT leadscore.rescore() >= 0 AS rescored;
SELECT lead_id, grade, status FROM leadscore.lead_scores ORDER BY lead_id;
SELECT leadscore.remove_criterion((SELECT id FROM leadscore.grade_criteria WHERE name = 'swiss'));
SELECT leadscore.rescore() >= 0 AS rescored;
SELECT * FROM leadscore.verify();

-- verify() sees a grade that disagrees with the lead row.
SET client_min_messages = warning;
UPDATE leadscore.lead_state SET grade = 'A+' WHERE lead_id = 4;
RESET client_min_messages;
SELECT model, lead_id, difference FROM leadscore.verify();
SELECT leadscore.rescore() >= 0 AS rescored;
SELECT * FROM leadscore.verify();

-- Lead DNA: every model, with the reasons for score and grade.
SELECT jsonb_pretty(leadscore.dna(1::bigint) - 'models' - 'attributes') AS lead;
SELECT m->>'model' AS model, m->>'score' AS score, m->>'grade' AS grade, m->>'status' AS status,
	m->'top_reasons' AS reasons, m->'grade_reasons' AS grade_reasons
FROM jsonb_array_elements(leadscore.dna(1::bigint)->'models') m;
SELECT jsonb_array_length(leadscore.dna(999::bigint)->'models') AS unknown_lead_models;

------------------------------------------------------------------------
-- Errors: at definition time, with SQLSTATEs.
------------------------------------------------------------------------
\set VERBOSITY terse
SELECT leadscore.create_grade_profile('crm_icp');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_grade_profile('');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_grade_profile('x', base => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_grade_profile('x', base => 'Z');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('no_such_profile', 'employees > 1', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('crm_icp', 'employees > ', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('crm_icp', 'employees > 1', 13);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('crm_icp', 'employees > 1', -13);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('crm_icp', 'employees > 1', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('crm_icp', 'employees > 1', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('crm_icp', 'employees > 1', 1, 'student');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.add_criterion('crm_icp', 'job_title ~ ''(''', 1);
\echo :LAST_ERROR_SQLSTATE
-- The attached lead table has no such column: refused now, not on insert.
SELECT leadscore.add_criterion('crm_icp', 'annual_revenue > 50e6', 1);
\echo :LAST_ERROR_SQLSTATE
-- A profile no model uses may name any column (grade() grades any
-- attributes), but a model that takes it on is checked against the
-- attached lead tables, so the CRM's next lead insert cannot fail on it.
SELECT leadscore.create_grade_profile('revenue_fit') > 0 AS created;
SELECT leadscore.add_criterion('revenue_fit', 'annual_revenue > 50e6', 1) > 0 AS added;
SELECT leadscore.create_model('by_revenue', grade_profile => 'revenue_fit');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS models FROM leadscore.models WHERE name = 'by_revenue';
SELECT leadscore.drop_grade_profile('revenue_fit');
SELECT leadscore.remove_criterion(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.drop_grade_profile('crm_icp');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.drop_grade_profile('no_such_profile');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('m2', grade_profile => 'no_such_profile');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('m2', fit_min_grade => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.create_model('m2', active => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.grade('no_such_profile', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.grade('crm_icp', '[1, 2]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadscore.explain_grade('crm_icp', '"text"');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_leads('grades_test.contacts', 'id');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE grades_test.people (uid uuid, title text);
SELECT leadscore.attach_leads('grades_test.people', 'uid');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.attach_leads('grades_test.people', 'no_such_column');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.dna('1'::text);
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.lead_trigger();
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- The session still works.
SELECT leadscore.grade('crm_icp', '{"job_title": "VP"}');

-- Detaching the lead table clears the grades (a rescore without it).
SELECT leadscore.detach('grades_test.contacts');
SELECT lead_id, grade, status FROM leadscore.lead_scores ORDER BY lead_id;
SELECT * FROM leadscore.verify();
-- A profile no model uses can be dropped.
SELECT leadscore.drop_model('crm_software');
SELECT leadscore.drop_grade_profile('crm_icp');
SELECT count(*) AS profiles, (SELECT count(*) FROM leadscore.grade_criteria) AS criteria FROM leadscore.grade_profiles;

SET client_min_messages = warning;
DROP SCHEMA grades_test CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
