-- bench/ingest.sh, part "features": makes model "bench" one variant of
-- bench/ingest/model.sql, so that what each feature costs a write shows
-- as the difference between two variants.  Run on empty activity tables
-- and state (dropping the lead table rescores what is attached).
--
-- psql variables: model_file (the variant's model.sql, written by the
-- script), grade (0/1: give the model a grade profile and attach a lead
-- table of leads 1..leads, graded at once, as a CRM's contacts are before
-- their activities arrive), lead_index (0/1: index the lead column of
-- bench.act_leadscore, as a window rule needs: it reads each touched lead's
-- history by the lead column, README "Index the lead column"), queue
-- (0/1: attach a lead table of leads 1..leads whose even leads have an
-- owner, for the handoff queue: the odd ones go to the model's pool), leads.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT leadscore.drop_model('bench') FROM leadscore.models m WHERE m.name = 'bench';
DROP TABLE IF EXISTS bench.leads;   -- detaches itself
-- Handoffs outlive their model: an open one would keep the next variant's
-- lead from being handed off.
TRUNCATE leadscore.handoffs;
SELECT leadscore.drop_grade_profile('bench_icp') FROM leadscore.grade_profiles p WHERE p.name = 'bench_icp';

DROP INDEX IF EXISTS bench.act_leadscore_lead;
SELECT :lead_index = 1 AS want_lead_index \gset
\if :want_lead_index
CREATE INDEX act_leadscore_lead ON bench.act_leadscore (lead_id);
\endif

SELECT :grade = 1 AS want_grade \gset
\if :want_grade
SELECT leadscore.create_grade_profile('bench_icp', base => 'C');
SELECT leadscore.add_criterion('bench_icp', 'employees >= 200', 2, 'mid-market or larger');
SELECT leadscore.add_criterion('bench_icp', 'job_title ~* ''(chief|head|vp|director)''', 1, 'decision maker');
SELECT leadscore.add_criterion('bench_icp', 'job_title ~* ''student''', -4, 'student');
\endif

\i :model_file

\if :want_grade
SELECT NULL AS seeded FROM pg_catalog.setseed(0.1717) \gset
CREATE TABLE bench.leads AS
SELECT l AS id, floor(random() * 1000)::int AS employees,
	(ARRAY['Head of IT', 'VP Sales', 'Engineer', 'Student', 'Analyst', 'Chief Executive'])[1 + floor(random() * 6)::int]
		AS job_title
FROM pg_catalog.generate_series(1::bigint, :leads) l;
ALTER TABLE bench.leads ADD PRIMARY KEY (id);
SELECT leadscore.attach_leads('bench.leads', 'id');
\endif

SELECT :queue = 1 AS want_queue \gset
\if :want_queue
CREATE TABLE bench.leads AS
SELECT l AS id, CASE WHEN l % 2 = 0 THEN 'ae' || l % 4 END AS owner_id
FROM pg_catalog.generate_series(1::bigint, :leads) l;
ALTER TABLE bench.leads ADD PRIMARY KEY (id);
SELECT leadscore.attach_leads('bench.leads', 'id', owner_column => 'owner_id');
\endif
