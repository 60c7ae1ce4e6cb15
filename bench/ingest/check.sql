-- bench/ingest.sh, after the last run of each method: are the three scored
-- tables' states right?
--
--   verify     leadscore.verify(): leadscore's own recompute; must be empty
--   recompute  every state table against an independent plain-SQL recompute
--              from its activity table (rules as data, caps by row_number(),
--              not the triggers' CASE code): rows missing or extra, or
--              differing in stored / stage_stored (beyond float rounding),
--              activity_count or last_activity_at
-- Prints one line per check: "check <name> <bad rows>".
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\ir recompute.sql

CREATE TEMP TABLE findings (check_name text, lead_id text, what text);
INSERT INTO findings SELECT 'verify', v.lead_id, v.model || ': ' || v.difference FROM leadscore.verify() v;
INSERT INTO findings SELECT 'leadscore', d.lead_id::text, d.what
	FROM bench.state_diff('leadscore.lead_state', 'bench.act_leadscore') d;
INSERT INTO findings SELECT 'row_trigger', d.lead_id::text, d.what
	FROM bench.state_diff('bench.row_state', 'bench.act_row') d;
INSERT INTO findings SELECT 'stmt_trigger', d.lead_id::text, d.what
	FROM bench.state_diff('bench.stmt_state', 'bench.act_stmt') d;

\pset format unaligned
\pset tuples_only on
SELECT 'check ' || c.name || ' ' || (SELECT count(*) FROM findings f WHERE f.check_name = c.name)
FROM unnest(ARRAY['verify', 'leadscore', 'row_trigger', 'stmt_trigger']) AS c(name);
-- A few examples of whatever differs, for the report.
SELECT 'example ' || f.check_name || ' lead ' || f.lead_id || ': ' || left(f.what, 300)
FROM (SELECT f.*, row_number() OVER (PARTITION BY f.check_name ORDER BY f.lead_id) AS n FROM findings f) f
WHERE f.n <= 3;
