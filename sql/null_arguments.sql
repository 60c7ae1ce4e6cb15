-- A NULL where a C entry point needs a value is 22004 (README: a NULL
-- argument is 22004), and the SQLSTATEs the glue raises for a bad call are
-- pinned: each error leaves through one path (src/pg/boundary/guard.hpp).
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
SELECT leadscore.create_model('m', half_life => '30 days') AS model_id;
SELECT leadscore.add_rule('m', 'page_view', 10, condition => 'url LIKE ''/pricing%''');
\set VERBOSITY sqlstate

-- 22004: a required argument is NULL.
SELECT leadscore._check_model(NULL, NULL, 1, 2, '{}', 0, NULL);
SELECT leadscore._check_model('x', NULL, NULL, 2, '{}', 0, NULL);
SELECT leadscore._check_model('x', NULL, 1, 2, NULL, 0, NULL);
SELECT leadscore._check_rule('m', '{}', '{}', NULL, 't', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT leadscore._check_rule('m', '{}', '{}', 'r', 't', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT leadscore._check_criterion('p', '{}', 'c', NULL, 1);
SELECT leadscore._check_criterion('p', '{}', 'c', 'TRUE', NULL);
SELECT leadscore.tick(NULL);
SELECT * FROM leadscore.calibrate(NULL, now() - interval '1 day', now());
SELECT * FROM leadscore.calibrate('m', NULL, now());
SELECT * FROM leadscore.evaluate(NULL, now(), '30 days');
SELECT * FROM leadscore.evaluate('m', NULL, '30 days');
SELECT * FROM leadscore.evaluate('m', now(), NULL);
SELECT * FROM leadscore.evaluate_leads('m', now(), NULL);
SELECT leadscore._score_agg_step(NULL, NULL, 'page_view', now());
SELECT leadscore._score_agg_step(NULL, 'm', 'page_view', now(), NULL);
SELECT * FROM leadscore._read_as_owner(NULL, 'SELECT 1') AS t(x int);
SELECT * FROM leadscore._read_as_owner('leadscore.models', NULL) AS t(x int);

-- Optional arguments: NULL is the default.
SELECT leadscore.rescore(NULL);
SELECT count(*) FROM leadscore.verify(NULL);
SELECT leadscore._lead_attributes(NULL::text);

-- The other SQLSTATEs the glue names.
SELECT leadscore._check_model('x', NULL, 1, 2, '{{a}}', 0, NULL);  -- 22023
SELECT leadscore.tick('infinity');                                  -- 22023
SELECT leadscore.tick(now() + interval '2 years');                  -- 22023
SELECT * FROM leadscore.calibrate('m', now() - interval '1 day', now());  -- 55000
SELECT leadscore.score_agg('m', 'page_view', now(), now());         -- 0A000
SELECT leadscore.simulate('m', jsonb_build_object('attrs', repeat('x', 300000)));  -- 54000
SELECT leadscore.simulate('m', '{"colour": 1}');                    -- 22023
SELECT leadscore.grade('nope', '{}');                               -- 42704
SELECT leadscore.create_grade_profile('icp') AS profile_id;
SELECT leadscore.grade('icp', '[]');                                -- 22023
SELECT * FROM leadscore._read_as_owner(0, 'SELECT 1') AS t(x int);  -- 42P01
