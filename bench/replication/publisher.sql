-- bench/replication.sh, the publisher: the CRM's activity table (the shape
-- of bench/ingest/setup.sql's), the marker table whose rows tell a
-- subscriber how far it has applied, and the publication of both.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA bench;
CREATE TABLE bench.act (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lead_id bigint NOT NULL,
	kind text NOT NULL,
	occurred_at timestamptz NOT NULL,
	url text,
	duration_s integer
);
-- One row per load, inserted after it: a subscriber that has the row has
-- applied everything committed before it (it applies in commit order).
CREATE TABLE bench.marker (n integer PRIMARY KEY);
CREATE PUBLICATION bench_pub FOR TABLE bench.act, bench.marker;
