-- bench/replication.sh, at the end, in each subscriber database: is what
-- the apply wrote right?
--
--   rows       the activity rows the publisher has (psql variable rows),
--              no more, no fewer
--   verify     leadscore.verify(): must be empty
--   recompute  leadscore's state against bench/ingest/recompute.sql
--
-- A plain database (psql variable scored = 0) has only the first check.
-- Prints one line per check: "check <name> <bad rows>".
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on
SELECT 'check rows ' || abs(count(*) - :rows) FROM bench.act;
SELECT :scored = 1 AS scored \gset
\if :scored
\ir ../ingest/recompute.sql
CREATE TEMP TABLE findings (check_name text, lead_id text, what text);
INSERT INTO findings SELECT 'verify', v.lead_id, v.model || ': ' || v.difference FROM leadscore.verify() v;
INSERT INTO findings SELECT 'recompute', d.lead_id::text, d.what
	FROM bench.state_diff('leadscore.lead_state', 'bench.act') d;
SELECT 'check ' || c.name || ' ' || (SELECT count(*) FROM findings f WHERE f.check_name = c.name)
FROM unnest(ARRAY['verify', 'recompute']) AS c(name);
SELECT 'example ' || f.check_name || ' lead ' || f.lead_id || ': ' || left(f.what, 300)
FROM (SELECT f.*, row_number() OVER (PARTITION BY f.check_name ORDER BY f.lead_id) AS n FROM findings f) f
WHERE f.n <= 3;
\endif
