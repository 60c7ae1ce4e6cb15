-- bench/replication.sh, one subscriber database: the publisher's tables
-- (bench/replication/publisher.sql; no identity: the apply writes the
-- publisher's ids), and with scored = 1 the benchmarks' model
-- (bench/ingest/model.sql) scoring the activity table, as in
-- bench/ingest/setup.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION leadscore;
CREATE SCHEMA bench;
CREATE TABLE bench.act (
	id bigint PRIMARY KEY,
	lead_id bigint NOT NULL,
	kind text NOT NULL,
	occurred_at timestamptz NOT NULL,
	url text,
	duration_s integer
);
CREATE TABLE bench.marker (n integer PRIMARY KEY);
SELECT :scored = 1 AS scored \gset
\if :scored
\ir ../ingest/model.sql
SELECT leadscore.attach_activities('bench.act', 'lead_id', 'kind', 'occurred_at');
-- bench/ingest/recompute.sql's weight, as bench/ingest/setup.sql defines it.
SELECT format($f$CREATE FUNCTION bench.weight(t timestamptz) RETURNS float8
	LANGUAGE sql STABLE PARALLEL SAFE
	AS 'SELECT pg_catalog.power(2::float8, (pg_catalog.date_part(''epoch'', t) - %s::float8) / %s::float8)'$f$,
	date_part('epoch', m.epoch), date_part('epoch', m.half_life))
FROM leadscore.models m WHERE m.name = 'bench' \gexec
\endif
