-- Attaching CRM tables: key types, the rights an attacher needs, what may be
-- attached (the one home of attachment problems), attach_*() and detach(),
-- and the event triggers that keep attachments sound when tables are
-- altered or dropped.  After the configuration and state tables it writes
-- and retypes; its SQL-language functions need those tables.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- Key types and columns of attached tables.
------------------------------------------------------------------------

CREATE FUNCTION leadscore._column_type(tbl regclass, col name) RETURNS regtype
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	found regtype;
BEGIN
	IF col IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT a.atttypid::regtype INTO found FROM pg_attribute a
	WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
	IF found IS NULL THEN
		RAISE EXCEPTION 'column "%" of table % does not exist', col, tbl USING ERRCODE = '42703';
	END IF;
	RETURN found;
END $$;

-- Fixes the database's lead or account key type on first use (the state
-- tables and views take it); later attachments must use the same one.
CREATE FUNCTION leadscore._fix_key_type(kind text, tbl regclass, col name, key_type regtype) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	current regtype;
	wanted regtype := CASE WHEN key_type = 'character varying'::regtype THEN 'text'::regtype ELSE key_type END;
	columns text[] := CASE kind
		WHEN 'lead' THEN '{lead_state.lead_id,events.lead_id,lead_accounts.lead_id,handoffs.lead_id,adjustments.lead_id,history_walks.lead_id,account_deltas.lead_id}'::text[]
		ELSE '{lead_accounts.account_id,account_state.account_id,account_events.account_id,account_deltas.account_id}'::text[] END;
	c text;
BEGIN
	IF wanted NOT IN ('bigint'::regtype, 'integer'::regtype, 'uuid'::regtype, 'text'::regtype) THEN
		RAISE EXCEPTION '% column "%" of table % has type %', kind, col, tbl, key_type USING ERRCODE = '42804',
			HINT = format('%s keys may be bigint, integer, uuid or text.', initcap(kind));
	END IF;
	EXECUTE format('SELECT s.%I FROM leadscore.settings s FOR UPDATE', kind || '_key_type') INTO current;
	IF current IS NULL THEN
		EXECUTE format('UPDATE leadscore.settings SET %I = $1', kind || '_key_type') USING wanted;
		PERFORM leadscore._drop_views();
		-- Rows are already there only when pg_restore loaded them before
		-- the key type was fixed again (as text): they convert.
		FOREACH c IN ARRAY columns LOOP
			EXECUTE format('ALTER TABLE leadscore.%I ALTER COLUMN %I TYPE %s USING %I::text::%s',
				split_part(c, '.', 1), split_part(c, '.', 2), wanted, split_part(c, '.', 2), wanted);
		END LOOP;
		PERFORM leadscore._create_views(true);
	ELSIF current <> wanted THEN
		RAISE EXCEPTION '% column "%" of table % has type %, but this database''s % keys are %',
			kind, col, tbl, key_type, kind, current USING ERRCODE = '42804',
			DETAIL = format('The first attached %s column fixed the %s key type; state tables and views use it.',
				kind, kind);
	END IF;
END $$;

CREATE FUNCTION leadscore._use_key_type(tbl regclass, col name, key_type regtype) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT leadscore._fix_key_type('lead', tbl, col, key_type) $$;

CREATE FUNCTION leadscore._use_account_key_type(tbl regclass, col name) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT leadscore._fix_key_type('account', tbl, col, leadscore._column_type(tbl, col)) WHERE col IS NOT NULL $$;

------------------------------------------------------------------------
-- Attaching a CRM table needs rights on that table.
--
-- The admin functions run as the extension's owner (SECURITY DEFINER,
-- privileges.sql), so without a check an admin could attach (and so read,
-- through the scores, and put triggers on) any table.  Every attachment
-- row passes this trigger: the role that called (not the owner the
-- function runs as) must have SELECT and TRIGGER on the table to attach it
-- and TRIGGER to detach it.
------------------------------------------------------------------------

CREATE FUNCTION leadscore._calling_role() RETURNS oid
	AS 'MODULE_PATHNAME', 'leadscore_calling_role' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION leadscore._calling_role() IS
	'the role that called into leadscore: current_user outside any SECURITY DEFINER function';

CREATE FUNCTION leadscore._attachment_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	caller oid := leadscore._calling_role();
BEGIN
	-- On Citus the row is a shard's, written by leadscore's own SQL
	-- (src/sql/citus.sql).
	IF TG_TABLE_NAME <> 'attachments' THEN
		RETURN coalesce(NEW, OLD);
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE')
		-- A dropped table's row goes with it (leadscore._detach_dropped).
		AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = OLD.tbl)
		AND NOT has_table_privilege(caller, OLD.tbl, 'TRIGGER') THEN
		RAISE EXCEPTION 'permission denied to detach table %', OLD.tbl USING ERRCODE = '42501',
			DETAIL = format('Role %s has no TRIGGER privilege on it.', caller::regrole);
	END IF;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	IF NOT (has_table_privilege(caller, NEW.tbl, 'SELECT') AND has_table_privilege(caller, NEW.tbl, 'TRIGGER')) THEN
		RAISE EXCEPTION 'permission denied to attach table %', NEW.tbl USING ERRCODE = '42501',
			DETAIL = format('Role %s needs the SELECT and TRIGGER privileges on it.', caller::regrole),
			HINT = 'Its owner may attach it, or grant them.';
	END IF;
	-- pg_restore loads the attachments before the state and events (it
	-- restores data in name order): the first one fixes the lead key type
	-- again, so state and events come back with the CRM's key type.  In
	-- attach_*(), the key type is fixed already and this does nothing.
	IF (SELECT s.lead_key_type FROM leadscore.settings s) IS NULL THEN
		PERFORM leadscore._use_key_type(NEW.tbl, NEW.lead_column, leadscore._column_type(NEW.tbl, NEW.lead_column));
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER attachment_guard BEFORE INSERT OR UPDATE OR DELETE ON leadscore.attachments
	FOR EACH ROW EXECUTE FUNCTION leadscore._attachment_guard();

------------------------------------------------------------------------
-- Owners' rights: what leadscore's privileged code reads of a user's
-- relation, it reads as that relation's owner.
------------------------------------------------------------------------

-- Planning or running a query of a user's table runs code its owner wrote
-- (index expressions and predicates, extended statistics, CHECK
-- constraints, a view's columns, row security policies); as the extension's
-- owner that code would make its owner a superuser.  The C code reads
-- attached tables through src/pg/spi/owner_rights.hpp; leadscore's PL/pgSQL
-- reads them through this function, and writes what it read as the
-- extension's owner.
CREATE FUNCTION leadscore._read_as_owner(tbl regclass, query text) RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'leadscore_read_as_owner' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore._read_as_owner(regclass, text) IS
	'the rows of query, a query of tbl alone, read as tbl''s owner in a security-restricted operation';

------------------------------------------------------------------------
-- leadscore's triggers on attached tables.
--
-- A statement fires the statement triggers of the table it names alone:
-- an INSERT into a partition fires none of its parent's, an UPDATE of the
-- parent that moves a row between partitions fires the parent's only, and
-- PostgreSQL never copies statement triggers to partitions.  So every
-- member of an attached partition tree (the attached table, partitioned
-- partitions, leaves) carries leadscore's triggers, and each row is seen
-- once, by the trigger of the table its statement named
-- (src/pg/catalog/partition_members.hpp reads it in the attached table's
-- layout).
------------------------------------------------------------------------

-- The triggers of each kind of attachment, the one list of them.  Statement
-- triggers with transition tables: PG 15 allows one event per trigger when
-- transition tables are used.  leadscore_activity_load loads the library
-- before the statement ends (src/pg/ingest/deferred_reloads.hpp).
CREATE FUNCTION leadscore._triggers() RETURNS TABLE (kind text, name name, definition text)
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	VALUES
	('activities', 'leadscore_activity_insert', 'AFTER INSERT ON %s REFERENCING NEW TABLE AS leadscore_new'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()'),
	('activities', 'leadscore_activity_update', 'AFTER UPDATE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old NEW TABLE AS leadscore_new'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()'),
	('activities', 'leadscore_activity_delete', 'AFTER DELETE ON %s REFERENCING OLD TABLE AS leadscore_old'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()'),
	('activities', 'leadscore_activity_truncate', 'AFTER TRUNCATE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.truncate_trigger()'),
	('activities', 'leadscore_activity_load', 'BEFORE INSERT OR UPDATE OR DELETE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.load_trigger()'),
	('leads', 'leadscore_lead_insert', 'AFTER INSERT ON %s REFERENCING NEW TABLE AS leadscore_new'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()'),
	('leads', 'leadscore_lead_update', 'AFTER UPDATE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old NEW TABLE AS leadscore_new'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()'),
	('leads', 'leadscore_lead_delete', 'AFTER DELETE ON %s REFERENCING OLD TABLE AS leadscore_old'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()'),
	('leads', 'leadscore_lead_truncate', 'AFTER TRUNCATE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.truncate_trigger()')
$$;

-- Puts leadscore's triggers of `kind` on one table.
CREATE FUNCTION leadscore._add_triggers(tbl regclass, kind text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT x.name, x.definition FROM leadscore._triggers() x WHERE x.kind = _add_triggers.kind LOOP
		EXECUTE format('CREATE TRIGGER %I ' || t.definition, t.name, tbl);
	END LOOP;
END $$;

CREATE FUNCTION leadscore._drop_triggers(tbl regclass, kind text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	t record;
BEGIN
	-- Row triggers PostgreSQL cloned from a parent's go with the parent's.
	FOR t IN SELECT x.name FROM leadscore._triggers() x JOIN pg_trigger g ON g.tgname = x.name AND g.tgrelid = tbl
		WHERE x.kind = _drop_triggers.kind AND g.tgparentid = 0
	LOOP
		EXECUTE format('DROP TRIGGER %I ON %s', t.name, tbl);
	END LOOP;
END $$;

-- The tables whose rows an activity or lead attachment reads: the attached
-- table and every partition under it.
CREATE FUNCTION leadscore._attached_members() RETURNS TABLE (tbl oid, member oid, kind text, relkind "char")
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT a.tbl::oid, c.oid, a.kind, c.relkind
	FROM leadscore.attachments a
		CROSS JOIN LATERAL (SELECT a.tbl::oid AS relid UNION SELECT t.relid::oid FROM pg_partition_tree(a.tbl) t) m
		JOIN pg_class c ON c.oid = m.relid
	WHERE a.kind IN ('activities', 'leads')
$$;

-- Whether `rel` is a Citus shard, which carries its table's triggers but
-- is no member of anything attached (on a coordinator that holds shards,
-- they are this node's tables too).
CREATE FUNCTION leadscore._citus_shard(rel oid) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	known boolean;
BEGIN
	IF pg_catalog.to_regprocedure('pg_catalog.relation_is_a_known_shard(regclass)') IS NULL THEN
		RETURN false;
	END IF;
	EXECUTE 'SELECT pg_catalog.relation_is_a_known_shard($1)' INTO known USING rel::pg_catalog.regclass;
	RETURN known;
END $$;

-- The tables that carry leadscore's triggers of a kind, and whether all of
-- them.
CREATE FUNCTION leadscore._trigger_footprint() RETURNS TABLE (member oid, kind text, complete boolean)
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT g.tgrelid, x.kind, count(*) = (SELECT count(*) FROM leadscore._triggers() y WHERE y.kind = x.kind)
	FROM pg_trigger g
		JOIN leadscore._triggers() x ON x.name = g.tgname
		JOIN pg_proc p ON p.oid = g.tgfoid AND p.pronamespace = 'leadscore'::regnamespace
	WHERE NOT g.tgisinternal AND g.tgparentid = 0 AND NOT leadscore._citus_shard(g.tgrelid)
	GROUP BY g.tgrelid, x.kind
$$;

-- Whether a table (not its partitions) holds rows, read as its owner.
-- SELECT 1: Citus cannot plan a subquery of no column (citusdata/citus#5094).
CREATE FUNCTION leadscore._holds_rows(tbl regclass) RETURNS boolean
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT r.found FROM leadscore._read_as_owner(tbl, format('SELECT EXISTS (SELECT 1 FROM ONLY %s)', tbl))
		AS r(found boolean)
$$;

-- Puts leadscore's triggers on every member of an attached tree that lacks
-- them (a partition created or attached since) and takes them off every
-- table that is no longer one (detached, or its attachment gone).  True
-- when such a table holds rows: they join or leave the scores, and the
-- caller rescores.  Foreign partitions cannot carry them
-- (_attachment_problems).  After DDL (whole false) only the trees whose
-- attached table carries all its triggers are followed: one that does not
-- is being restored (pg_restore creates the triggers after the tables'
-- constraints, one by one) or lost them while event triggers were off,
-- and rescore() repairs it.
CREATE FUNCTION leadscore._follow_members(whole boolean DEFAULT true) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	r record;
	moved boolean := false;
BEGIN
	FOR r IN
		WITH members AS (
			SELECT * FROM leadscore._attached_members() x WHERE x.relkind <> 'f'
		), footprint AS (
			SELECT * FROM leadscore._trigger_footprint()
		), unfollowed AS (
			SELECT m.member FROM members m
			WHERE NOT whole AND NOT EXISTS (SELECT 1 FROM footprint t
				WHERE t.member = m.tbl AND t.kind = m.kind AND t.complete)
		)
		SELECT coalesce(m.member, f.member) AS member, coalesce(m.kind, f.kind) AS kind,
			m.member IS NOT NULL AS wanted, f.member IS NOT NULL AS carries
		FROM members m FULL JOIN footprint f ON f.member = m.member AND f.kind = m.kind
		WHERE (m.member IS NULL OR f.complete IS NOT TRUE)
			AND coalesce(m.member, f.member) NOT IN (SELECT u.member FROM unfollowed u)
		ORDER BY 1, 2
	LOOP
		IF r.carries THEN
			PERFORM leadscore._drop_triggers(r.member::regclass, r.kind);
		END IF;
		IF r.wanted THEN
			PERFORM leadscore._add_triggers(r.member::regclass, r.kind);
		END IF;
		moved := moved OR leadscore._holds_rows(r.member::regclass);
	END LOOP;
	RETURN moved;
END $$;

------------------------------------------------------------------------
-- What may be attached.
------------------------------------------------------------------------

-- What makes an attachment untrustworthy, one row per problem: the one
-- home of these rules.  attach_*() refuse a table that has one, the DDL
-- that would create one is refused, verify() reports those that got past
-- both (event triggers off, or attached before 0.3), and rescore() refuses
-- while one makes a recompute wrong (exact false).  tbl is the attached
-- table, other the related table that gives it the problem.
--   gone          the table was dropped but its attachment stayed
--   temporary     dropped with its session, which fires no event trigger
--   unlogged      a crash empties it (or a partition of it) while the
--                 scores taken from it stay; outcomes keep no state
--   inherited     an attached table's rows are also an attached ancestor's
--                 (a SELECT from a parent reads its children): twice
--   collation     a nondeterministic collation calls 'Alice' and 'alice'
--                 one key where leadscore's state keeps them apart
--   column        an attached column (lead, type, time, account, amount)
--                 was dropped or renamed: every write of the table would fail
--   foreign       a foreign partition cannot carry leadscore's triggers:
--                 rows written straight into it would not be scored
--   untriggered   a member of an attached tree lacks leadscore's triggers
--                 (it joined while event triggers were off): rows written
--                 straight into it are not scored
--   stray         a table that is no member carries them (it left while
--                 event triggers were off): its rows are scored as written
--                 and left out of a recompute
CREATE FUNCTION leadscore._attachment_problems()
	RETURNS TABLE (tbl oid, other oid, sqlstate text, exact boolean, problem text, hint text)
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	WITH RECURSIVE attached AS (
		SELECT a.tbl::oid AS relid, a.tbl::text AS name, a.kind, a.lead_column, a.type_column, a.time_column,
			a.account_column, a.amount_column, c.relpersistence
		FROM leadscore.attachments a LEFT JOIN pg_class c ON c.oid = a.tbl::oid
	), tree (relid, member, partition) AS (
		SELECT a.relid, a.relid, false FROM attached a
		UNION
		SELECT t.relid, i.inhrelid, c.relispartition
		FROM tree t JOIN pg_inherits i ON i.inhparent = t.member JOIN pg_class c ON c.oid = i.inhrelid
	)
	SELECT a.relid, NULL::oid, '42P01', true,
		format('attached %s table %s no longer exists', a.kind, a.relid),
		format('SELECT leadscore.detach(%s) forgets it; so does rescore().', a.relid)
	FROM attached a WHERE a.relpersistence IS NULL
	UNION ALL
	SELECT a.relid, NULL, '42809', true,
		format('table %s is temporary: its attachment would outlive it', a.name),
		'Attach a permanent table.'
	FROM attached a WHERE a.relpersistence = 't'
	UNION ALL
	SELECT a.relid, t.member, '42809', true,
		format('table %s is UNLOGGED: a crash empties it and leaves the scores taken from it', t.member::regclass)
			|| CASE WHEN t.member <> a.relid THEN format(' (it is part of attached table %s)', a.name) ELSE '' END,
		format('ALTER TABLE %s SET LOGGED, or detach %s.', t.member::regclass, a.name)
	FROM attached a JOIN tree t ON t.relid = a.relid JOIN pg_class c ON c.oid = t.member
	WHERE c.relpersistence = 'u' AND a.kind <> 'outcomes'
	UNION ALL
	SELECT d.relid, a.relid, '55000', false,
		format('table %s %s attached table %s: its rows would count twice', d.name,
			CASE WHEN t.partition THEN 'is a partition of' ELSE 'inherits from' END, a.name),
		'Attach either the parent or its children, not both: detach one of them.'
	FROM attached a JOIN tree t ON t.relid = a.relid AND t.member <> a.relid JOIN attached d ON d.relid = t.member
	UNION ALL
	SELECT k.relid, NULL, '0A000', false,
		format('%s column "%s" of table %s has the nondeterministic collation %s: it calls keys equal that leadscore keeps apart',
			k.role, k.col, k.name, l.oid::regcollation),
		format('Give the column a deterministic collation (ALTER TABLE %s ALTER COLUMN %I TYPE %s COLLATE "C"), or detach it.',
			k.name, k.col, format_type(t.atttypid, t.atttypmod))
	FROM (SELECT a.relid, a.name, c.role, c.col FROM attached a
			CROSS JOIN LATERAL (VALUES ('lead', a.lead_column), ('account', a.account_column)) c (role, col)) k
		JOIN pg_attribute t ON t.attrelid = k.relid AND t.attname = k.col AND NOT t.attisdropped
		JOIN pg_collation l ON l.oid = t.attcollation
	WHERE NOT l.collisdeterministic
	UNION ALL
	SELECT a.relid, NULL, '2BP01', false,
		format('the %s column "%s" of attached table %s is gone (dropped or renamed)', c.role, c.col, a.name),
		format('Detach the table first (SELECT leadscore.detach(%L)) and attach it again with its new columns.', a.name)
	FROM attached a
		CROSS JOIN LATERAL (VALUES ('lead', a.lead_column), ('type', a.type_column), ('time', a.time_column),
			('account', a.account_column), ('amount', a.amount_column)) c (role, col)
	WHERE a.relpersistence IS NOT NULL AND c.col IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = a.relid AND t.attname = c.col
			AND t.attnum > 0 AND NOT t.attisdropped)
	UNION ALL
	SELECT m.tbl, m.member, '0A000', true,
		format('table %s is a foreign partition of attached table %s: rows written straight into it would not be scored',
			m.member::regclass, m.tbl::regclass),
		format('Detach the partition, or detach %s.', m.tbl::regclass)
	FROM leadscore._attached_members() m WHERE m.relkind = 'f'
	UNION ALL
	SELECT m.tbl, m.member, '55000', true,
		format('table %s lacks leadscore''s triggers: rows written straight into it are not scored', m.member::regclass)
			|| CASE WHEN m.member <> m.tbl THEN format(' (it is part of attached table %s)', m.tbl::regclass) ELSE '' END,
		'SELECT leadscore.rescore() puts them back and rescores.'
	FROM leadscore._attached_members() m
		LEFT JOIN leadscore._trigger_footprint() f ON f.member = m.member AND f.kind = m.kind
	WHERE m.relkind <> 'f' AND f.complete IS NOT TRUE
	UNION ALL
	SELECT f.member, NULL, '55000', true,
		format('table %s carries leadscore''s triggers but is not attached: its rows are scored as they are written'
			' and left out of a recompute', f.member::regclass),
		'SELECT leadscore.rescore() takes them off and rescores.'
	FROM leadscore._trigger_footprint() f
	WHERE NOT EXISTS (SELECT 1 FROM leadscore._attached_members() m WHERE m.member = f.member AND m.kind = f.kind)
$$;

-- Raises the first problem that concerns one of `rels`, attached or
-- related.
-- A member without leadscore's triggers, or a table that keeps them
-- (55000, exact), is not the DDL's doing and is not refused:
-- _follow_members() follows the DDL that makes one, and rescore()
-- repairs the rest (a restore creates the triggers after DDL that meets
-- them missing).
CREATE FUNCTION leadscore._refuse_attachment_problems(rels oid[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	p record;
BEGIN
	SELECT * INTO p FROM leadscore._attachment_problems() x
	WHERE (x.tbl = ANY (rels) OR x.other = ANY (rels)) AND NOT (x.sqlstate = '55000' AND x.exact) ORDER BY x.sqlstate LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%', p.problem USING ERRCODE = p.sqlstate, HINT = p.hint;
	END IF;
END $$;

-- rescore(): an attachment whose table is gone is forgotten (nothing is
-- left to read of it), leadscore's triggers are where they belong, and a
-- problem that would make the recompute wrong stops it.
CREATE FUNCTION leadscore._attachments_for_rescore() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	gone oid[];
	p record;
BEGIN
	-- Triggers that an event trigger turned off failed to put on or take
	-- off: the recompute that follows makes the scores right.
	PERFORM leadscore._follow_members();
	gone := ARRAY(SELECT x.tbl FROM leadscore._attachment_problems() x WHERE x.sqlstate = '42P01');
	IF cardinality(gone) > 0 THEN
		RAISE NOTICE 'attachments of tables that no longer exist forgotten: %', array_to_string(gone, ', ');
		DELETE FROM leadscore.attachments a WHERE a.tbl::oid = ANY (gone);
		DELETE FROM leadscore.ingest_log l WHERE l.tbl::oid = ANY (gone);
		PERFORM leadscore._invalidate();
	END IF;
	SELECT * INTO p FROM leadscore._attachment_problems() x WHERE NOT x.exact ORDER BY x.sqlstate LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'cannot rescore: %', p.problem USING ERRCODE = p.sqlstate, HINT = p.hint;
	END IF;
END $$;

------------------------------------------------------------------------
-- attach_*() and detach().
------------------------------------------------------------------------

-- A Citus table's rows live in shards on the workers, whose triggers score
-- them once leadscore's state lives there too (leadscore.distribute(),
-- src/sql/citus.sql).  So a Citus table is attached only after it, and
-- only colocated with that state and distributed by its lead column; an
-- outcome table (read, never scored) may be any Citus table.  Citus's
-- catalog is read only where Citus is installed.
CREATE FUNCTION leadscore._refuse_citus_table(tbl regclass, fn text, lead_column name) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	distributed boolean := false;
	fit boolean;
BEGIN
	IF to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL AND fn <> 'attach_outcomes' THEN
		EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1)'
			INTO distributed USING tbl;
	END IF;
	IF NOT distributed THEN
		RETURN;
	END IF;
	IF NOT leadscore._distributed() THEN
		RAISE EXCEPTION 'table % is a Citus table, which leadscore scores only after leadscore.distribute()', tbl
			USING ERRCODE = '0A000',
			HINT = 'Attach it before distributing it, then call leadscore.distribute() (README, "On Citus").';
	END IF;
	EXECUTE 'SELECT p.partmethod = ''h'' AND pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) = $2
			AND p.colocationid = (SELECT q.colocationid FROM pg_catalog.pg_dist_partition q
				WHERE q.logicalrelid = ''leadscore.lead_state''::pg_catalog.regclass)
		FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1'
		INTO fit USING tbl, lead_column::text;
	IF NOT fit THEN
		RAISE EXCEPTION 'Citus table % is not distributed by % colocated with leadscore''s state', tbl, lead_column
			USING ERRCODE = '55000',
			HINT = format('SELECT create_distributed_table(%L, %L, colocate_with => ''leadscore.lead_state'')',
				tbl::text, lead_column);
	END IF;
	-- Its rows would be scored by the workers in transactions of their
	-- own (src/pg/citus/worker_calls.hpp), which neither see this
	-- attachment nor may wait for the locks this one holds.
	IF fn <> 'attach_outcomes' AND leadscore._holds_rows(tbl) THEN
		RAISE EXCEPTION 'Citus table % holds rows, which leadscore cannot score while attaching it', tbl
			USING ERRCODE = '0A000',
			HINT = 'Attach it while it is empty and load it after; or attach it before distributing it.';
	END IF;
END $$;

-- The checks every attach_*() makes before it touches anything: NULL
-- arguments, a table attached already, what kind of relation it is.  What
-- else makes a table unfit is checked once its attachment row is in
-- (_refuse_attachment_problems).
CREATE FUNCTION leadscore._check_attachable(fn text, tbl regclass, kinds "char"[], what text,
		required name[], required_names text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF tbl IS NULL THEN
		RAISE EXCEPTION '% needs a table, not NULL', fn USING ERRCODE = '22004';
	END IF;
	FOR i IN 1 .. cardinality(required_names) LOOP
		IF required[i] IS NULL THEN
			RAISE EXCEPTION '% needs a % column, not NULL', fn, required_names[i] USING ERRCODE = '22004';
		END IF;
	END LOOP;
	IF EXISTS (SELECT 1 FROM leadscore.attachments a WHERE a.tbl = _check_attachable.tbl) THEN
		RAISE EXCEPTION 'table % is already attached', tbl USING ERRCODE = '42710',
			HINT = 'leadscore.detach() it first.';
	END IF;
	IF NOT coalesce((SELECT r.relkind = ANY (kinds) FROM pg_class r WHERE r.oid = tbl), false) THEN
		RAISE EXCEPTION '% is not %', tbl, what USING ERRCODE = '42809';
	END IF;
	PERFORM leadscore._refuse_citus_table(tbl, fn, required[1]);
END $$;

-- Logical replication applies rows with session_replication_role =
-- replica, where the statement triggers never fire: an AFTER ROW trigger
-- enabled REPLICA takes those rows (src/pg/ingest/replica_rows.hpp), and
-- a TRUNCATE trigger enabled REPLICA rebuilds as the local one does.
-- REPLICA, never ALWAYS: every write fires exactly one of the two sets.
-- A partitioned table's row triggers are cloned to its partitions, those
-- there and those to come, and so is their REPLICA setting.
CREATE FUNCTION leadscore._add_replica_triggers(tbl regclass, kind text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	prefix text := CASE kind WHEN 'activities' THEN 'leadscore_activity' ELSE 'leadscore_lead' END;
	fn text := CASE kind WHEN 'activities' THEN 'leadscore.replica_trigger()' ELSE 'leadscore.lead_trigger()' END;
BEGIN
	EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION %s',
		prefix || '_replica', tbl, fn);
	EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION leadscore.truncate_trigger()',
		prefix || '_replica_truncate', tbl);
	EXECUTE format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', tbl, prefix || '_replica');
	EXECUTE format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', tbl, prefix || '_replica_truncate');
END $$;

CREATE FUNCTION leadscore._drop_replica_triggers(tbl regclass, kind text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	prefix text := CASE kind WHEN 'activities' THEN 'leadscore_activity' ELSE 'leadscore_lead' END;
BEGIN
	EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', prefix || '_replica', tbl);
	EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', prefix || '_replica_truncate', tbl);
END $$;

CREATE FUNCTION leadscore.attach_activities(
	tbl regclass,
	lead_column name,
	type_column name,
	time_column name,
	account_column name DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	type_type regtype;
	time_type regtype;
	scored bigint;
BEGIN
	PERFORM leadscore._check_attachable('attach_activities', tbl, '{r,p}', 'a table',
		ARRAY[lead_column, type_column, time_column], '{lead,type,time}');
	type_type := leadscore._column_type(tbl, type_column);
	time_type := leadscore._column_type(tbl, time_column);
	IF time_type NOT IN ('timestamp with time zone'::regtype, 'timestamp without time zone'::regtype, 'date'::regtype) THEN
		RAISE EXCEPTION 'time column "%" of table % has type %', time_column, tbl, time_type
			USING ERRCODE = '42804', HINT = 'Use a timestamptz, timestamp or date column.';
	END IF;
	IF type_type NOT IN ('text'::regtype, 'character varying'::regtype, 'character'::regtype, 'name'::regtype)
		AND (SELECT t.typtype FROM pg_type t WHERE t.oid = type_type) <> 'e' THEN
		RAISE EXCEPTION 'activity type column "%" of table % has type %', type_column, tbl, type_type
			USING ERRCODE = '42804', HINT = 'Use a text, varchar or enum column.';
	END IF;
	PERFORM leadscore._use_key_type(tbl, lead_column, leadscore._column_type(tbl, lead_column));
	PERFORM leadscore._use_account_key_type(tbl, account_column);
	INSERT INTO leadscore.attachments (tbl, kind, lead_column, type_column, time_column, account_column)
	VALUES (tbl, 'activities', lead_column, type_column, time_column, account_column);
	PERFORM leadscore._follow_members();
	PERFORM leadscore._refuse_attachment_problems(ARRAY[tbl::oid]);
	PERFORM leadscore._invalidate();
	PERFORM leadscore._check_tables();
	PERFORM leadscore._add_replica_triggers(tbl, 'activities');
	-- The history already in the table is scored now (on Citus there is
	-- none: _refuse_citus_table).
	scored := CASE WHEN leadscore._distributed() THEN 0 ELSE leadscore.rescore() END;
	RETURN scored;
END $$;

-- owner_column: the lead's sales rep, the owner of its handoffs
-- (handoffs.sql), whatever its type (read as text).
CREATE FUNCTION leadscore.attach_leads(
	tbl regclass,
	lead_column name,
	account_column name DEFAULT NULL,
	owner_column name DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	graded bigint;
BEGIN
	PERFORM leadscore._check_attachable('attach_leads', tbl, '{r,p}', 'a table', ARRAY[lead_column], '{lead}');
	PERFORM leadscore._use_key_type(tbl, lead_column, leadscore._column_type(tbl, lead_column));
	PERFORM leadscore._use_account_key_type(tbl, account_column);
	PERFORM leadscore._column_type(tbl, owner_column);
	INSERT INTO leadscore.attachments (tbl, kind, lead_column, account_column, owner_column)
	VALUES (tbl, 'leads', lead_column, account_column, owner_column);
	PERFORM leadscore._follow_members();
	PERFORM leadscore._refuse_attachment_problems(ARRAY[tbl::oid]);
	PERFORM leadscore._invalidate();
	PERFORM leadscore._check_lead_tables();
	PERFORM leadscore._add_replica_triggers(tbl, 'leads');
	-- The leads already in the table are graded now (on Citus there are
	-- none: _refuse_citus_table).
	IF NOT leadscore._distributed() THEN
		PERFORM leadscore.rescore();
	END IF;
	SELECT r.n INTO graded FROM leadscore._read_as_owner(tbl,
		format('SELECT count(*) FROM %s WHERE %I IS NOT NULL', tbl, lead_column)) AS r(n bigint);
	RETURN graded;
END $$;

-- Conversions (won deals, new customers): one row per outcome, read when
-- calibrate() and evaluate() run, so no trigger; a view works as well
-- (e.g. the won rows of an opportunities table).  A lead's first outcome is
-- its conversion; amount_column, when given, is the deal value.
-- An outcome view is counted as its owner (leadscore._read_as_owner): its
-- columns' functions run with the rights of the role that made it.
CREATE FUNCTION leadscore.attach_outcomes(
	tbl regclass,
	lead_column name,
	time_column name,
	amount_column name DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	time_type regtype;
	amount_type regtype;
	rows_usable bigint;
BEGIN
	PERFORM leadscore._check_attachable('attach_outcomes', tbl, '{r,p,v,m,f}', 'a table or view',
		ARRAY[lead_column, time_column], '{lead,time}');
	time_type := leadscore._column_type(tbl, time_column);
	IF time_type NOT IN ('timestamp with time zone'::regtype, 'timestamp without time zone'::regtype, 'date'::regtype) THEN
		RAISE EXCEPTION 'time column "%" of table % has type %', time_column, tbl, time_type
			USING ERRCODE = '42804', HINT = 'Use a timestamptz, timestamp (read as UTC) or date column.';
	END IF;
	amount_type := leadscore._column_type(tbl, amount_column);
	IF amount_type NOT IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'numeric'::regtype,
			'real'::regtype, 'double precision'::regtype) THEN
		RAISE EXCEPTION 'amount column "%" of table % has type %', amount_column, tbl, amount_type
			USING ERRCODE = '42804', HINT = 'Use a numeric column (integer, numeric, real, double precision).';
	END IF;
	PERFORM leadscore._use_key_type(tbl, lead_column, leadscore._column_type(tbl, lead_column));
	INSERT INTO leadscore.attachments (tbl, kind, lead_column, time_column, amount_column)
	VALUES (tbl, 'outcomes', lead_column, time_column, amount_column);
	PERFORM leadscore._refuse_attachment_problems(ARRAY[tbl::oid]);
	SELECT r.n INTO rows_usable FROM leadscore._read_as_owner(tbl,
		format('SELECT count(*) FROM %s WHERE %I IS NOT NULL AND %I IS NOT NULL AND isfinite(%I)',
			tbl, lead_column, time_column, time_column)) AS r(n bigint);
	RETURN rows_usable;
END $$;
COMMENT ON FUNCTION leadscore.attach_outcomes(regclass, name, name, name) IS
	'attaches a table (or view) of conversions: lead, time, optional amount; returns its rows with a lead and a finite time';

-- detach() of a table that is gone (its attachment left behind by a drop
-- that fired no event trigger) forgets the attachment: its triggers went
-- with it.
CREATE FUNCTION leadscore.detach(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	kind text;
BEGIN
	IF tbl IS NULL THEN
		RAISE EXCEPTION 'detach needs a table, not NULL' USING ERRCODE = '22004';
	END IF;
	DELETE FROM leadscore.attachments a WHERE a.tbl = detach.tbl RETURNING a.kind INTO kind;
	IF kind IS NULL THEN
		RAISE EXCEPTION 'table % is not attached', tbl USING ERRCODE = '42704';
	END IF;
	-- Outcomes are read at query time: no triggers, no state.
	IF kind = 'outcomes' THEN
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = tbl) THEN
		PERFORM leadscore._drop_replica_triggers(tbl, kind);
	END IF;
	-- Off the table and its partitions (a table that is gone took its own).
	PERFORM leadscore._follow_members();
	PERFORM leadscore._invalidate();
	-- What remains is the history of the other attached tables.
	PERFORM leadscore.rescore();
	DELETE FROM leadscore.ingest_log l WHERE l.tbl = detach.tbl;
END $$;

------------------------------------------------------------------------
-- DDL on attached tables.  A dropped attached table, view, materialized
-- view or foreign table (outcomes) detaches itself: an attachment left
-- behind would name a relation that no longer exists, and rescore(),
-- verify(), add_rule() and detach() itself would fail.
------------------------------------------------------------------------

-- Whether the DDL in progress is Citus's own: on a worker (shards created,
-- moved or split), on a coordinator that holds shards (the same, run
-- there as local commands), or leadscore.distribute()'s
-- (src/sql/citus.sql), which converts leadscore's tables.  leadscore's
-- event triggers leave it alone: inside a shard's command their reads of
-- leadscore's tables would be distributed queries, which Citus refuses,
-- and in the middle of a conversion they would read attachments half made.
CREATE FUNCTION leadscore._citus_ddl() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	message text;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NULL THEN
		RETURN false;
	END IF;
	IF pg_catalog.current_setting('leadscore_distribute.running', true) = 'on'
			OR (SELECT g.groupid <> 0 FROM pg_catalog.pg_dist_local_group g) THEN
		RETURN true;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
			WHERE p.logicalrelid = 'leadscore.settings'::pg_catalog.regclass) THEN
		RETURN false;
	END IF;
	-- The coordinator's own shards: Citus says so only by refusing (XX000).
	BEGIN
		PERFORM 1 FROM leadscore.settings;
	EXCEPTION WHEN internal_error THEN
		GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
		IF message LIKE 'cannot execute a distributed query from a query on a shard%' THEN
			RETURN true;
		END IF;
		RAISE;
	END;
	RETURN false;
END $$;

-- Whether leadscore.distribute() has run: lead_state is a Citus table.
CREATE FUNCTION leadscore._distributed() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN false;
	END IF;
	RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
		WHERE p.logicalrelid = 'leadscore.lead_state'::pg_catalog.regclass);
END $$;

-- adjust() and reset() write on the coordinator.  Called per row of a
-- query over a distributed table (SELECT leadscore.adjust(...) FROM
-- crm.leads ...), Citus sends the calls to the shards, where leadscore's
-- Citus tables cannot be queried: they are refused there, saying how to
-- call them.
CREATE FUNCTION leadscore._on_coordinator(what text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT leadscore._distributed() THEN
		RETURN;
	END IF;
	IF (SELECT g.groupid <> 0 FROM pg_catalog.pg_dist_local_group g) THEN
		RAISE EXCEPTION 'leadscore.%() runs on the Citus coordinator', what USING ERRCODE = '0A000',
			DETAIL = 'Called per row of a query over a distributed table, it was sent to the shards.',
			HINT = pg_catalog.format('Take the rows from a materialized CTE: WITH l AS MATERIALIZED (SELECT ...) '
				'SELECT leadscore.%s(...) FROM l.', what);
	END IF;
END $$;

CREATE FUNCTION leadscore._detach_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	dropped oid[];
BEGIN
	IF leadscore._citus_ddl() THEN
		RETURN;
	END IF;
	SELECT array_agg(d.objid) INTO dropped
	FROM pg_event_trigger_dropped_objects() d
	WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0;
	IF dropped IS NULL THEN
		RETURN;
	ELSIF NOT EXISTS (SELECT 1 FROM leadscore.attachments a WHERE a.tbl::oid = ANY (dropped)) THEN
		-- A dropped partition of an attached table took its rows and its
		-- triggers (named table.trigger in address_names): its rows leave
		-- the scores (on Citus, rescored by the shards' nodes:
		-- src/pg/maintenance/citus_partitions.cpp).
		IF EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() d JOIN leadscore._triggers() x
				ON x.name = d.address_names[cardinality(d.address_names)]
			WHERE d.object_type = 'trigger') AND NOT leadscore._distributed() THEN
			PERFORM leadscore.rescore();
		END IF;
		RETURN;
	END IF;
	DELETE FROM leadscore.attachments a WHERE a.tbl::oid = ANY (dropped);
	DELETE FROM leadscore.ingest_log l WHERE l.tbl::oid = ANY (dropped);
	PERFORM leadscore._invalidate();
	-- What remains is the history of the other attached tables.
	PERFORM leadscore.rescore();
END $$;

CREATE EVENT TRIGGER leadscore_detach_dropped ON sql_drop
	EXECUTE FUNCTION leadscore._detach_dropped();

-- The DDL that would give an attached table a problem is refused: ALTER
-- TABLE ... ATTACH PARTITION or INHERIT between two attached tables, SET
-- UNLOGGED, a nondeterministic collation on a key column, an UNLOGGED or
-- foreign partition of an attached table, an attached column dropped or renamed
-- (other columns may come and go: scans read columns by name,
-- src/pg/catalog/model_catalog.hpp).
CREATE FUNCTION leadscore._refuse_altered_attachments() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	altered oid[];
BEGIN
	IF leadscore._citus_ddl() THEN
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM leadscore.attachments) THEN
		RETURN;
	END IF;
	-- The altered tables' whole inheritance trees: ALTER TABLE b INHERIT a
	-- makes an attached child of b count twice under an attached a.
	WITH RECURSIVE ddl AS (
		SELECT d.objid AS r FROM pg_event_trigger_ddl_commands() d WHERE d.classid = 'pg_class'::regclass
	), up (r) AS (
		SELECT r FROM ddl UNION SELECT i.inhparent FROM up JOIN pg_inherits i ON i.inhrelid = up.r
	), down (r) AS (
		SELECT r FROM ddl UNION SELECT i.inhrelid FROM down JOIN pg_inherits i ON i.inhparent = down.r
	)
	SELECT array_agg(r) INTO altered FROM (SELECT r FROM up UNION SELECT r FROM down) tree;
	-- Only attached tables can have a problem: the DDL of others (most of
	-- it) skips the checks, about 3 ms.
	IF EXISTS (SELECT 1 FROM leadscore.attachments a WHERE a.tbl::oid = ANY (altered)) THEN
		PERFORM leadscore._refuse_attachment_problems(altered);
	END IF;
END $$;

-- Partitions come and go: CREATE TABLE ... PARTITION OF, ATTACH PARTITION
-- and DETACH PARTITION of an attached tree give the new member leadscore's
-- triggers and its rows (ATTACH of a loaded table) to the scores, or take
-- them off the one that left.  ATTACH and DETACH report the parent alone
-- (pg_event_trigger_ddl_commands), so the members are compared with the
-- triggers' footprint.  Only DDL of partitioned tables and partitions pays.
-- Named to run before leadscore_refuse_altered: a new member is triggered
-- before the attachment's problems are checked.
CREATE FUNCTION leadscore._follow_partitions() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	-- On a distributed install: src/pg/maintenance/citus_partitions.cpp
	-- (during an ALTER TABLE Citus reads no row of attachments).
	IF leadscore._citus_ddl() OR leadscore._distributed() THEN
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() d JOIN pg_class c ON c.oid = d.objid
			WHERE d.classid = 'pg_class'::regclass AND (c.relkind = 'p' OR c.relispartition))
		OR NOT EXISTS (SELECT 1 FROM leadscore.attachments) THEN
		RETURN;
	END IF;
	IF leadscore._follow_members(false) THEN
		PERFORM leadscore.rescore();
	END IF;
END $$;

CREATE EVENT TRIGGER leadscore_follow_partitions ON ddl_command_end
	WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
	EXECUTE FUNCTION leadscore._follow_partitions();

-- DETACH PARTITION ... CONCURRENTLY would take the rows out of an attached
-- tree in one transaction and out of the scores in another: refused
-- (src/pg/admin/detach_concurrently.cpp).
CREATE FUNCTION leadscore._refuse_detach_concurrently() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'leadscore_refuse_detach_concurrently' LANGUAGE C;
CREATE EVENT TRIGGER leadscore_refuse_detach_concurrently ON ddl_command_start
	WHEN TAG IN ('ALTER TABLE')
	EXECUTE FUNCTION leadscore._refuse_detach_concurrently();

CREATE EVENT TRIGGER leadscore_refuse_altered ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE', 'CREATE FOREIGN TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW',
		'ALTER FOREIGN TABLE')
	EXECUTE FUNCTION leadscore._refuse_altered_attachments();
