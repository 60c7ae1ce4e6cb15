-- simulate(): a hypothetical lead played through a model (scenario testing)
-- with caps, decay, stages, conditions and the grade gate of SQL; nothing is
-- written.  Shadow models: scored, but no events.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SET timezone = 'UTC';

SELECT leadscore.create_grade_profile('icp') AS profile_id;
SELECT leadscore.add_criterion('icp', 'job_title ~* ''(cfo|ceo|head)''', 2, 'executive');
SELECT leadscore.add_criterion('icp', 'employees >= 200', 2, 'mid-market');
SELECT leadscore.add_criterion('icp', 'job_title ~* ''student''', -4, 'student');
SELECT leadscore.create_model('m', half_life => '30 days', grade_profile => 'icp', sql_min_grade => 'B',
	fit_min_grade => 'B+') AS model_id;
SELECT leadscore.add_rule('m', 'webinar', 25, stage => 'consideration');
SELECT leadscore.add_rule('m', 'page_view', 35, stage => 'decision',
	condition => 'url LIKE ''/pricing%'' AND duration_s >= 30', name => 'pricing');
SELECT leadscore.add_rule('m', 'blog_read', 5, stage => 'awareness', max_count => 3);
SELECT leadscore.add_rule('m', 'unsubscribe', -40);

-- Would our ideal customer, with medium activity, reach SQL?
SELECT round((s->>'score')::numeric, 6) AS score, s->>'grade' AS grade, s->>'stage' AS stage, s->>'status' AS status,
	s->>'fit_priority' AS fit, s->>'activities' AS activities
FROM leadscore.simulate('m', '{
	"attrs": {"job_title": "CFO", "employees": 500},
	"activities": [
		{"type": "webinar", "days_ago": 0},
		{"type": "page_view", "days_ago": 0, "url": "/pricing", "duration_s": 90, "count": 2},
		{"type": "blog_read", "days_ago": 0, "count": 50}
	],
	"as_of": "2026-06-01T00:00:00Z"}') s;
-- Rules that fired: caps count the three most recent blog posts only; a
-- 10-second pricing view fails the condition.
SELECT r->>'rule' AS rule, r->>'activities' AS activities, r->>'counted' AS counted,
	round((r->>'points_now')::numeric, 4) AS points_now
FROM leadscore.simulate('m', '{
	"activities": [
		{"type": "page_view", "at": "2026-05-02T00:00:00Z", "url": "/pricing", "duration_s": 90},
		{"type": "page_view", "days_ago": 1, "url": "/pricing", "duration_s": 10},
		{"type": "blog_read", "days_ago": 30, "count": 5}, {"type": "no_rule", "days_ago": 1}
	],
	"as_of": "2026-06-01T00:00:00Z"}') s, jsonb_array_elements(s->'rules') r;
-- The same score, a student: not sales-ready (grade D+ < B); a student who
-- unsubscribed a month ago; nobody at all.
SELECT s->>'grade' AS grade, s->>'status' AS status, round((s->>'score')::numeric, 2) AS score
FROM (VALUES
	('{"attrs": {"job_title": "Working student", "employees": 500}, "activities": [{"type": "webinar", "count": 5}], "as_of": "2026-06-01"}'::jsonb),
	('{"attrs": {"job_title": "student"}, "activities": [{"type": "webinar", "count": 5}, {"type": "unsubscribe", "days_ago": 30}], "as_of": "2026-06-01"}'),
	('{}')) p(persona), LATERAL leadscore.simulate('m', p.persona) s;
-- An excellent fit without activity is flagged for a call.
SELECT s->>'grade' AS grade, s->>'status' AS status, s->>'fit_priority' AS fit_priority
FROM leadscore.simulate('m', '{"attrs": {"job_title": "Head of IT", "employees": 1000}}') s;
SELECT count(*) AS states_written FROM leadscore.lead_state;

-- Errors: clear, with SQLSTATEs.
\set VERBOSITY terse
SELECT leadscore.simulate('no_such_model', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '[]');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"persona": {}}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"activities": {"type": "webinar"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"activities": [{"days_ago": 1}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"activities": [{"type": "webinar", "days_ago": -3}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"activities": [{"type": "webinar", "days_ago": "three"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"activities": [{"type": "webinar", "days_ago": 1, "at": "2026-01-01"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"activities": [{"type": "webinar", "colour": "red"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"activities": [{"type": "webinar", "count": 0}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"activities": [{"type": "webinar", "count": 10001}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"attrs": [1]}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"as_of": "yesterday-ish"}');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.simulate('m', '{"as_of": "infinity"}');
\echo :LAST_ERROR_SQLSTATE
-- A 1 MB persona is refused by its size.
SELECT leadscore.simulate('m', jsonb_build_object('attrs', jsonb_build_object('notes', repeat('x', 1048576))));
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

------------------------------------------------------------------------
-- Shadow models: a candidate scored beside the live model, silently.
------------------------------------------------------------------------
SELECT leadscore.drop_model('m');
CREATE TABLE activities (lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('live', half_life => NULL) AS model_id;
SELECT leadscore.add_rule('live', 'demo_request', 120);
SELECT leadscore.create_model('candidate', half_life => NULL, active => false) AS model_id;
SELECT leadscore.add_rule('candidate', 'demo_request', 80);
SELECT leadscore.add_rule('candidate', 'webinar', 60);
SELECT leadscore.attach_activities('activities', 'lead_id', 'kind', 'at');
INSERT INTO activities VALUES (1, 'demo_request', '2026-01-01'), (2, 'webinar', '2026-01-02');
SELECT model, lead_id, score, status FROM leadscore.lead_scores ORDER BY model, lead_id;
SELECT model, lead_id, to_value FROM leadscore.events WHERE kind = 'status' ORDER BY id;
-- Switch over: the candidate goes live, the old model goes quiet.
SELECT leadscore.set_active('candidate');
SELECT leadscore.set_active('live', false);
SELECT name, active FROM leadscore.models ORDER BY id;
INSERT INTO activities VALUES (3, 'webinar', '2026-01-03'), (3, 'demo_request', '2026-01-03');
SELECT model, lead_id, to_value FROM leadscore.events WHERE kind = 'status' ORDER BY id;
SELECT * FROM leadscore.verify();
\set VERBOSITY terse
SELECT leadscore.set_active('no_such_model');
\echo :LAST_ERROR_SQLSTATE
SELECT leadscore.set_active('live', NULL);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

SET client_min_messages = warning;
DROP TABLE activities;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
