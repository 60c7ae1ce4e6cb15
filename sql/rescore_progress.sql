-- rescore()'s progress NOTICEs (src/pg/maintenance/rescore_progress.hpp):
-- with leadscore.progress_interval = 0 one after every batch of 1,000 leads
-- and one at the end.  Their DETAIL (the share of the estimated total and
-- the time left) varies from run to run: VERBOSITY terse leaves it out.
SET client_min_messages = warning;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
CREATE SCHEMA progress_test;
RESET client_min_messages;

CREATE TABLE progress_test.activities (lead_id bigint, kind text, at timestamptz);
SELECT leadscore.create_model('progress', half_life => NULL) > 0 AS created;
SELECT leadscore.add_rule('progress', 'visit', 1) > 0 AS added;
SELECT leadscore.attach_activities('progress_test.activities', 'lead_id', 'kind', 'at');
INSERT INTO progress_test.activities
SELECT g % 2500 + 1, 'visit', '2026-01-01'::timestamptz + g * interval '1 minute'
FROM generate_series(1, 5000) g;
ANALYZE progress_test.activities;

SHOW leadscore.progress_interval;
\set VERBOSITY terse
-- The default (5 s): a rescore this small says nothing.
SELECT leadscore.rescore('progress');
SET leadscore.progress_interval = 0;
SELECT leadscore.rescore('progress');
SET leadscore.progress_interval = -1;
SELECT leadscore.rescore('progress');
SET leadscore.progress_interval = -2;

-- Two tables: the leads are counted first, so the share is of the leads
-- and no rows are counted.
CREATE TABLE progress_test.more (lead_id bigint, kind text, at timestamptz);
SELECT leadscore.attach_activities('progress_test.more', 'lead_id', 'kind', 'at');
INSERT INTO progress_test.more VALUES (2501, 'visit', '2026-02-01');
SET leadscore.progress_interval = 0;
SELECT leadscore.rescore('progress');
RESET leadscore.progress_interval;
\set VERBOSITY default

SELECT count(*) AS differences FROM leadscore.verify();

SET client_min_messages = warning;
DROP SCHEMA progress_test CASCADE;
