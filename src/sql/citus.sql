------------------------------------------------------------------------
-- Citus (docs/design.md §6.1): leadscore.distribute() turns leadscore's
-- tables into Citus tables beside the CRM tables it scores.  After it,
-- every trigger firing on a shard scores its rows on its own node's shards
-- (src/pg/citus/shard_context.hpp).  After attachments.sql, handoffs.sql
-- and adjustments.sql (the tables it converts); new in 0.3, so the
-- Makefile appends this file to the 0.2 -> 0.3 upgrade as it is.
------------------------------------------------------------------------

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- The configuration's generation, bumped with every change of it on a
-- distributed install: the workers' backends hear no invalidation from
-- the coordinator, and compare this (src/pg/catalog/config_generation.hpp).
ALTER TABLE leadscore.settings ADD COLUMN config_generation bigint NOT NULL DEFAULT 0;

-- What the shards add to accounts (src/pg/state/account_store.hpp).  An
-- account's leads live on many shards, and a shard's trigger writes its own
-- group's shards only: each statement appends its accounts' changes here,
-- under one of its leads (so the row stays on the statement's shard).
-- tick() folds them into account_state on the coordinator, and
-- account_scores adds those not folded yet.  Always empty on one server.
-- Not dumped: pg_dump does not back up a Citus cluster.
CREATE TABLE leadscore.account_deltas (
	lead_id bigint NOT NULL,
	model_id integer NOT NULL,
	account_id text NOT NULL,
	stored float8 NOT NULL,
	stage_stored float8[] NOT NULL,
	members bigint NOT NULL,
	cause text NOT NULL
);
-- The database's key types, when fixed already (an update from 0.2).
DO $$
DECLARE
	lead_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
	account_type regtype := (SELECT s.account_key_type FROM leadscore.settings s);
BEGIN
	IF lead_type IS NOT NULL THEN
		EXECUTE format('ALTER TABLE leadscore.account_deltas ALTER COLUMN lead_id TYPE %s', lead_type);
	END IF;
	IF account_type IS NOT NULL THEN
		EXECUTE format('ALTER TABLE leadscore.account_deltas ALTER COLUMN account_id TYPE %s', account_type);
	END IF;
END $$;

-- The sum of accounts' per-stage sums (float8_array_add, state_tables.sql).
CREATE AGGREGATE leadscore._float8_array_sum(float8[]) (
	SFUNC = leadscore.float8_array_add, STYPE = float8[], COMBINEFUNC = leadscore.float8_array_add,
	PARALLEL = SAFE
);

-- Each worker's ingest_log, summed per attached table: its shards' firings
-- log there (src/pg/state/ingest_log.hpp).  Tables go by name: each node
-- has its own OIDs.  A worker that does not answer is left out, with a
-- WARNING.
CREATE FUNCTION leadscore._worker_ingest_log()
	RETURNS TABLE (tbl regclass, rows_skipped bigint, unknown_types bigint, points_unscored bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	w record;
BEGIN
	FOR w IN SELECT * FROM pg_catalog.run_command_on_workers($c$
			SELECT coalesce(pg_catalog.json_agg(l), '[]') FROM (
				SELECT n.nspname AS nsp, c.relname AS rel, pg_catalog.sum(g.rows_skipped) AS s,
					pg_catalog.sum(g.unknown_types) AS u, pg_catalog.sum(g.points_unscored) AS p
				FROM leadscore.ingest_log g JOIN pg_catalog.pg_class c ON c.oid = g.tbl
				JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace GROUP BY 1, 2) l$c$)
	LOOP
		IF NOT w.success THEN
			RAISE WARNING 'leadscore.stats leaves out worker %:%: %', w.nodename, w.nodeport, w.result;
			CONTINUE;
		END IF;
		-- By the catalog, not to_regclass(), which needs USAGE on the schema.
		RETURN QUERY SELECT c.oid::pg_catalog.regclass, x.s, x.u, x.p
			FROM pg_catalog.json_to_recordset(w.result::json) AS x(nsp name, rel name, s bigint, u bigint, p bigint)
			JOIN pg_catalog.pg_namespace n ON n.nspname = x.nsp
			JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = x.rel;
	END LOOP;
END $$;

-- account_scores, top_accounts() and stats on a distributed install.
-- account_scores: the folded sums plus the shards' deltas not folded yet,
-- exact at any moment (README, "On Citus"); its one-server definition
-- (scores.sql's _create_views(), which calls this) reads account_state
-- alone, by its index.  top_accounts() in PL/pgSQL: Citus plans no
-- parameter of a SQL function over a distributed table (as
-- top_momentum()).  stats: the workers' ingest logs too, and the rows
-- scored summed before the join (Citus joins no distributed table on the
-- inner side of a reference table's outer join).
CREATE FUNCTION leadscore._citus_views() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	SET citus.enable_ddl_propagation = off AS $f$
BEGIN
	IF NOT leadscore._distributed() THEN
		RETURN;
	END IF;
	CREATE OR REPLACE VIEW leadscore.account_scores AS
	SELECT m.name AS model,
		a.account_id,
		a.stored / m.weight AS score,
		a.members AS engaged_leads,
		leadscore.stage_of(a.stage_stored, m.stages, m.weight, m.stage_min_points) AS stage,
		CASE WHEN a.stored >= m.account_threshold * m.weight THEN 'hot' ELSE 'cold' END AS status,
		a.hot_at,
		m.id AS model_id,
		a.stored AS score_key
	FROM (SELECT u.model_id, u.account_id, sum(u.stored) AS stored,
			leadscore._float8_array_sum(u.stage_stored) AS stage_stored, sum(u.members)::bigint AS members,
			max(u.hot_at) AS hot_at
		FROM (SELECT s.model_id, s.account_id, s.stored, s.stage_stored, s.members, s.hot_at
				FROM leadscore.account_state s
			UNION ALL
			SELECT d.model_id, d.account_id, d.stored, d.stage_stored, d.members, NULL
				FROM leadscore.account_deltas d) u
		GROUP BY u.model_id, u.account_id) a
	JOIN (SELECT mm.id, mm.name, mm.stages, mm.stage_min_points, mm.account_threshold,
			leadscore.stored_weight(mm.half_life * 2, mm.epoch) AS weight
		FROM leadscore.models mm) m ON m.id = a.model_id;
	CREATE OR REPLACE FUNCTION leadscore.top_accounts(model text, n integer DEFAULT 50)
		RETURNS SETOF leadscore.account_scores
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
	BEGIN
		RETURN QUERY SELECT a.* FROM leadscore.account_scores a
			WHERE a.model_id = leadscore._model_id(top_accounts.model)
			ORDER BY a.score_key DESC
			LIMIT leadscore._row_limit(top_accounts.n);
	END $$;
	CREATE OR REPLACE VIEW leadscore.stats AS
	SELECT a.tbl AS source, NULL::text AS model, NULL::bigint AS rows_scored,
		coalesce(sum(l.rows_skipped), 0)::bigint AS rows_skipped,
		coalesce(sum(l.unknown_types), 0)::bigint AS unknown_types,
		coalesce(sum(l.points_unscored), 0)::bigint AS points_unscored
	FROM leadscore.attachments a
	LEFT JOIN (SELECT c.tbl, c.rows_skipped, c.unknown_types, c.points_unscored FROM leadscore.ingest_log c
		UNION ALL
		SELECT w.tbl, w.rows_skipped, w.unknown_types, w.points_unscored FROM leadscore._worker_ingest_log() w) l
		ON l.tbl = a.tbl
	WHERE a.kind IN ('activities', 'leads')
	GROUP BY a.tbl
	UNION ALL
	SELECT NULL, m.name, coalesce(s.n, 0)::bigint, NULL, NULL, NULL
	FROM leadscore.models m
	LEFT JOIN (SELECT x.model_id, sum(x.activity_count) AS n FROM leadscore.lead_state x GROUP BY x.model_id) s
		ON s.model_id = m.id;
END $f$;

-- What distribute() refuses: anything a shard's trigger cannot do yet, and
-- attached tables Citus does not hold the way shard-local scoring needs
-- (hash-distributed by their lead column, all in one colocation group).
-- Returns the colocation group's first table.
CREATE FUNCTION leadscore._check_distributable() RETURNS regclass
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	a record;
	anchor regclass;
	anchor_group integer;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RAISE EXCEPTION 'Citus is not installed in this database' USING ERRCODE = '55000',
			HINT = 'CREATE EXTENSION citus, distribute the CRM tables, then call leadscore.distribute().';
	END IF;
	IF (SELECT g.groupid <> 0 FROM pg_catalog.pg_dist_local_group g) THEN
		RAISE EXCEPTION 'leadscore.distribute() runs on the Citus coordinator' USING ERRCODE = '55000';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM leadscore.attachments) THEN
		RAISE EXCEPTION 'no table is attached' USING ERRCODE = '55000',
			HINT = 'Attach the CRM tables and distribute them by their lead column first.';
	END IF;
	FOR a IN SELECT t.tbl, t.lead_column, p.partmethod, p.colocationid,
			pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) AS dist_column
		FROM leadscore.attachments t
		LEFT JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = t.tbl
		ORDER BY t.tbl::oid
	LOOP
		IF a.partmethod IS DISTINCT FROM 'h' OR a.dist_column IS DISTINCT FROM a.lead_column::text THEN
			RAISE EXCEPTION 'attached table % is not distributed by its lead column %', a.tbl, a.lead_column
				USING ERRCODE = '55000',
				HINT = CASE WHEN a.partmethod IS NULL
					THEN pg_catalog.format('SELECT create_distributed_table(%L, %L)', a.tbl::text, a.lead_column)
					ELSE pg_catalog.format('SELECT alter_distributed_table(%L, distribution_column => %L)',
						a.tbl::text, a.lead_column) END;
		END IF;
		IF anchor IS NULL THEN
			anchor := a.tbl;
			anchor_group := a.colocationid;
		ELSIF a.colocationid <> anchor_group THEN
			RAISE EXCEPTION 'attached tables % and % are not colocated', anchor, a.tbl USING ERRCODE = '55000',
				DETAIL = 'A lead''s rows of every attached table must be on one shard group.',
				HINT = pg_catalog.format('SELECT update_distributed_table_colocation(%L, colocate_with => %L)',
					a.tbl::text, anchor::text);
		END IF;
	END LOOP;
	RETURN anchor;
END $$;

-- leadscore's foreign keys among its own tables: Citus converts a table
-- only with none pointing at a plain table, so distribute() drops them and
-- adds them back (under new names: the workers' copies of the tables keep
-- the old ones).
CREATE FUNCTION leadscore._internal_foreign_keys() RETURNS TABLE (tbl regclass, name name, definition text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT c.conrelid::pg_catalog.regclass, c.conname, pg_catalog.pg_get_constraintdef(c.oid)
	FROM pg_catalog.pg_constraint c
	WHERE c.contype = 'f' AND c.connamespace = 'leadscore'::pg_catalog.regnamespace
	ORDER BY c.conrelid::pg_catalog.regclass::pg_catalog.text, c.conname
$$;

-- Citus copies a table's rows to the reference placements of the other
-- nodes as they are, so a regclass there holds the coordinator's OID; rows
-- written by a statement go as text, and each node reads the name as its
-- own table.  So distribute() writes the attachments again (and its next
-- run does, for a node added since).
CREATE FUNCTION leadscore._name_attachments() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rows leadscore.attachments[] := ARRAY(SELECT a FROM leadscore.attachments a ORDER BY a.tbl::oid);
	r leadscore.attachments;
BEGIN
	DELETE FROM leadscore.attachments;
	FOREACH r IN ARRAY rows LOOP
		-- Literals, which Citus sends as text (a row built in a SELECT would go
		-- in binary).
		EXECUTE pg_catalog.format('INSERT INTO leadscore.attachments VALUES (%s)',
			(SELECT pg_catalog.string_agg(pg_catalog.quote_nullable(j.value), ', ')
			 FROM pg_catalog.json_each_text(pg_catalog.row_to_json(r)) j));
	END LOOP;
END $$;

-- Citus sends a trigger created on a distributed table to its shards, but
-- not a TRUNCATE trigger, whose firing on each shard rescores its leads
-- (src/pg/maintenance/truncate_trigger.cpp); a table distributed after it was
-- attached has them from its distribution.  distribute() run again puts
-- them on the shards of the tables attached since, from other connections
-- (run_command_on_shards), which its transaction blocks nothing of.
CREATE FUNCTION leadscore._put_truncate_triggers() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT a.tbl, x.name, x.definition FROM leadscore.attachments a
			JOIN leadscore._triggers() x ON x.kind = a.kind AND x.definition LIKE 'AFTER TRUNCATE%'
			JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = a.tbl AND p.partmethod = 'h'
		ORDER BY a.tbl::oid LOOP
		-- run_command_on_shards() puts each shard's name for %s.
		PERFORM pg_catalog.run_command_on_shards(t.tbl, format('CREATE OR REPLACE TRIGGER %I ', t.name) || t.definition);
	END LOOP;
END $$;

-- A worker's leadscore tables are its own CREATE EXTENSION's, keyed by
-- the default types (adjustments by text), and Citus checks each one's
-- distribution column against the CRM table's when it adds it to the
-- worker's metadata: on every worker when distribute() converts them, on
-- a node when citus_add_node() adds it.  These calls give a node's
-- leadscore the coordinator's key types.
CREATE FUNCTION leadscore._key_type_calls() RETURNS SETOF text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT pg_catalog.format('SELECT leadscore._fix_key_type(%L, NULL, NULL, %L)', k.kind, k.key_type)
	FROM leadscore.settings s,
		LATERAL (VALUES ('lead', s.lead_key_type), ('account', s.account_key_type)) AS k(kind, key_type)
	WHERE k.key_type IS NOT NULL
$$;

-- distribute() gives them to every worker first, in the workers' own
-- transactions: they are the database's types whatever becomes of it.
CREATE FUNCTION leadscore._fix_worker_key_types() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	call text;
	w record;
BEGIN
	FOR call IN SELECT leadscore._key_type_calls() LOOP
		FOR w IN SELECT * FROM pg_catalog.run_command_on_workers(call) WHERE NOT success LOOP
			RAISE EXCEPTION 'could not give worker %:% the key types', w.nodename, w.nodeport
				USING ERRCODE = '55000', DETAIL = w.result;
		END LOOP;
	END LOOP;
END $$;

-- A node to add after distribute() gets leadscore and the key types
-- before citus_add_node() (README, "On Citus").
CREATE FUNCTION leadscore.prepare_node(host text, port integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	commands text[] := ARRAY[pg_catalog.format('CREATE EXTENSION IF NOT EXISTS leadscore VERSION %L',
		(SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'leadscore'))]
		|| ARRAY(SELECT leadscore._key_type_calls());
	r record;
BEGIN
	IF host IS NULL OR port IS NULL THEN
		RAISE EXCEPTION 'prepare_node() needs a host and a port, not NULL' USING ERRCODE = '22004';
	END IF;
	-- It connects where it is told with the extension owner's rights: a
	-- superuser's call, as citus_add_node() is.
	IF NOT (SELECT c.rolsuper FROM pg_catalog.pg_roles c WHERE c.oid = leadscore._calling_role()) THEN
		RAISE EXCEPTION 'permission denied to prepare a node' USING ERRCODE = '42501',
			DETAIL = 'Adding a node to the cluster is a superuser''s, as citus_add_node() is.';
	END IF;
	IF NOT leadscore._distributed() THEN
		RAISE EXCEPTION 'leadscore is not distributed' USING ERRCODE = '55000',
			HINT = 'Add the node with citus_add_node(); leadscore.distribute() will prepare every node then.';
	END IF;
	-- One command after the other, each in a connection of its own.
	FOR r IN SELECT * FROM pg_catalog.master_run_on_worker(
			pg_catalog.array_fill(host, ARRAY[cardinality(commands)]),
			pg_catalog.array_fill(port, ARRAY[cardinality(commands)]), commands, false) LOOP
		IF NOT r.success THEN
			RAISE EXCEPTION 'could not prepare node %:% for leadscore', host, port USING ERRCODE = '55000',
				DETAIL = r.result, HINT = 'CREATE EXTENSION citus there first, as citus_add_node() needs.';
		END IF;
	END LOOP;
END $$;
COMMENT ON FUNCTION leadscore.prepare_node(text, integer) IS
	'makes a node ready for citus_add_node() after leadscore.distribute(): leadscore installed there with this database''s key types';

CREATE FUNCTION leadscore.distribute() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	anchor regclass := leadscore._check_distributable();
	fk_tables regclass[];
	fk_names name[];
	fk_definitions text[];
	t text;
	already boolean := leadscore._distributed();
BEGIN
	IF NOT already THEN
		-- Citus's DDL across the nodes in one connection per node, in this
		-- transaction; the triggers leadscore's tables have go with them.
		SET LOCAL citus.multi_shard_modify_mode = 'sequential';
		SET LOCAL citus.enable_unsafe_triggers = on;
		-- Its DDL is not the CRM's: leadscore's event triggers let it be (a
		-- prefix of its own: the library reserves "leadscore.").
		SET LOCAL leadscore_distribute.running = on;
		PERFORM leadscore._fix_worker_key_types();
		SELECT array_agg(k.tbl), array_agg(k.name), array_agg(k.definition)
			INTO fk_tables, fk_names, fk_definitions FROM leadscore._internal_foreign_keys() k;
		FOR i IN 1 .. coalesce(cardinality(fk_tables), 0) LOOP
			EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', fk_tables[i], fk_names[i]);
		END LOOP;
		-- Configuration: read on every node, written on the coordinator.
		FOREACH t IN ARRAY ARRAY['grade_profiles', 'models', 'rules', 'grade_criteria', 'bands',
				'probability_links', 'owners', 'settings', 'attachments'] LOOP
			PERFORM pg_catalog.create_reference_table(pg_catalog.format('leadscore.%I', t));
		END LOOP;
		-- A lead's state goes where its rows are.  Citus's unique keys hold
		-- the distribution column: the tables with an id of their own are
		-- keyed by (lead_id, id).
		FOREACH t IN ARRAY ARRAY['events', 'handoffs', 'adjustments'] LOOP
			EXECUTE pg_catalog.format('ALTER TABLE leadscore.%I DROP CONSTRAINT %I, ADD PRIMARY KEY (lead_id, id)',
				t, t || '_pkey');
		END LOOP;
		-- This trigger's SQL names the tables, which a shard cannot: there the
		-- handoffs open unassigned as the events are written, and tick()
		-- gives them owners (src/pg/state/lifecycle_store.hpp).
		ALTER TABLE leadscore.events DISABLE TRIGGER handoff_on_sql;
		FOREACH t IN ARRAY ARRAY['lead_state', 'events', 'lead_accounts', 'history_walks', 'handoffs',
				'adjustments', 'account_deltas'] LOOP
			PERFORM pg_catalog.create_distributed_table(pg_catalog.format('leadscore.%I', t), 'lead_id',
				colocate_with => anchor::text);
		END LOOP;
		-- The rows copied stay behind in the coordinator's own tables, unseen.
		FOREACH t IN ARRAY ARRAY['grade_profiles', 'models', 'rules', 'grade_criteria', 'bands',
				'probability_links', 'owners', 'settings', 'attachments', 'lead_state', 'events', 'lead_accounts',
				'history_walks', 'handoffs', 'adjustments'] LOOP
			PERFORM pg_catalog.truncate_local_data_after_distributing_table(pg_catalog.format('leadscore.%I', t));
		END LOOP;
		FOR i IN 1 .. coalesce(cardinality(fk_tables), 0) LOOP
			EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk_tables[i], fk_names[i] || '_citus',
				fk_definitions[i]);
		END LOOP;
	END IF;
	IF already THEN
		-- A node added since: its placements of the reference tables first,
		-- then attachments named on every node, before its shards score.
		PERFORM pg_catalog.replicate_reference_tables('block_writes');
	END IF;
	PERFORM leadscore._name_attachments();
	PERFORM leadscore._citus_views();
	IF already THEN
		PERFORM leadscore._put_truncate_triggers();
	END IF;
END $$;
COMMENT ON FUNCTION leadscore.distribute() IS
	'makes leadscore''s tables Citus tables colocated with the attached ones, which must be distributed by their lead column; after it their shards score their rows';

-- The partitions of attached Citus tables: a member that comes into an
-- attached tree gets leadscore's triggers (on the coordinator, which Citus
-- sends on to the shards; the TRUNCATE ones, which it does not, on the
-- shards' nodes), one that leaves loses them, and each shard group whose
-- rows came or left rescores its leads in the DDL's transaction
-- (src/pg/maintenance/citus_partitions.cpp).
CREATE FUNCTION leadscore._follow_citus_partitions() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'leadscore_follow_citus_partitions' LANGUAGE C;
CREATE EVENT TRIGGER leadscore_citus_partitions_leaving ON ddl_command_start
	WHEN TAG IN ('ALTER TABLE', 'DROP TABLE')
	EXECUTE FUNCTION leadscore._follow_citus_partitions();
CREATE EVENT TRIGGER leadscore_citus_partitions ON ddl_command_end
	WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'DROP TABLE')
	EXECUTE FUNCTION leadscore._follow_citus_partitions();

-- tick()'s part on a worker's shards: the coordinator's tick() runs it on
-- every worker (src/pg/maintenance/tick_function.cpp).
CREATE FUNCTION leadscore._tick_shards(now timestamptz) RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_tick_shards' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;

-- rescore()'s part on a worker's shards, run there by the coordinator's
-- rescore() (src/pg/maintenance/recompute_functions.cpp).
CREATE FUNCTION leadscore._rescore_shards(model_ids integer[], now timestamptz) RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_rescore_shards' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
