-- Keeping state equal to the history: the triggers attach_*() put on CRM
-- tables, rescore() that rebuilds state, verify() that checks it, and the
-- lock order of DROP EXTENSION against CRM writers.  After the state tables
-- and attachments; no SQL function before calls these.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- SECURITY DEFINER: whoever may write a CRM table gets its rows scored
-- without any right on leadscore's own tables.
CREATE FUNCTION leadscore.activity_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_activity_trigger' LANGUAGE C
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- SECURITY DEFINER: whoever may write a CRM lead table gets its rows
-- graded without any right on leadscore's own tables.
CREATE FUNCTION leadscore.lead_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_lead_trigger' LANGUAGE C
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- The rows logical replication applies (src/pg/ingest/replica_rows.hpp),
-- one call per row: not SECURITY DEFINER, whose user and search_path
-- switch around every call would cost more than the row's scoring.  The C
-- code scores the rows with this function's owner's rights.
CREATE FUNCTION leadscore.replica_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_replica_trigger' LANGUAGE C;

CREATE FUNCTION leadscore.load_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_load_trigger' LANGUAGE C;

-- TRUNCATE has no transition table: rebuild from what is left, once per
-- statement however many partitions it empties
-- (src/pg/maintenance/truncate_trigger.cpp).
CREATE FUNCTION leadscore.truncate_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_truncate_trigger' LANGUAGE C
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION leadscore.rescore(model text DEFAULT NULL) RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_rescore' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.rescore(text) IS
	'rebuilds lead state of one model (all when NULL) from the attached history; blocks writers of attached tables until commit';

-- Every lead's momentum from its history, the rest of its state left as
-- it is: what the 0.3 update runs for the leads 0.2 scored.
CREATE FUNCTION leadscore._recompute_momentum() RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_recompute_momentum' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION leadscore.verify(model text DEFAULT NULL)
	RETURNS TABLE (model text, lead_id text, difference text)
	AS 'MODULE_PATHNAME', 'leadscore_verify' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.verify(text) IS
	'recomputes lead state from the attached history and returns every difference; no rows means consistent';

-- DROP EXTENSION leadscore CASCADE locks the attached tables before its
-- own tables, the order a CRM writer takes them in: in the other order the
-- two would deadlock (src/pg/admin/drop_lock_order.cpp).
CREATE FUNCTION leadscore._lock_attached_for_drop() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'leadscore_lock_attached_for_drop' LANGUAGE C;
CREATE EVENT TRIGGER leadscore_drop_lock_order ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA')
	EXECUTE FUNCTION leadscore._lock_attached_for_drop();
