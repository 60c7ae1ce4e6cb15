-- leadscore 0.2 -> 0.3: the holes hostile testing found closed.  Code a
-- user owns (index expressions, view columns, defaults, operators) never
-- runs with leadscore's rights; tables with dropped columns, times at the
-- edge of the range, doubled or short-lived attachments, SERIALIZABLE
-- writers and prepared transactions are scored exactly or refused with a
-- clear error (docs/trust.md).  The Makefile appends the privilege rule
-- (src/sql/privileges.sql); a fresh install (src/sql/*.sql) and an upgraded
-- one end the same (sql/upgrade.sql).

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- First: the event triggers this script redefines call it.
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

------------------------------------------------------------------------
-- Owners' rights: what leadscore's privileged code reads of a user's
-- relation, it reads as that relation's owner.
------------------------------------------------------------------------

-- Planning or running a query of a user's table runs code its owner wrote
-- (index expressions and predicates, extended statistics, CHECK
-- constraints, a view's columns, row security policies); as the extension's
-- owner that code made its owner a superuser.  The C code reads attached
-- tables through src/pg/spi/owner_rights.hpp; the PL/pgSQL below reads them
-- through this function, and writes what it read as the extension's owner.
CREATE FUNCTION leadscore._read_as_owner(tbl regclass, query text) RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'leadscore_read_as_owner' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore._read_as_owner(regclass, text) IS
	'the rows of query, a query of tbl alone, read as tbl''s owner in a security-restricted operation';

CREATE OR REPLACE FUNCTION leadscore._rebuild_lead_accounts() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	a record;
	lead_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
	account_type regtype := (SELECT s.account_key_type FROM leadscore.settings s);
BEGIN
	DELETE FROM leadscore.lead_accounts WHERE source = 'leads';
	FOR a IN SELECT * FROM leadscore.attachments WHERE account_column IS NOT NULL
		ORDER BY kind = 'activities', tbl::oid LOOP
		IF a.kind = 'leads' THEN
			-- Keys over 1 kB are bad data (src/pg/boundary/lead_key.hpp).
			EXECUTE format('INSERT INTO leadscore.lead_accounts (lead_id, account_id, source)'
				' SELECT r.l, r.a, ''leads'' FROM leadscore._read_as_owner($1, $2) AS r(l %s, a %s)'
				' ON CONFLICT (lead_id) DO UPDATE SET account_id = excluded.account_id, source = ''leads''',
				lead_type, account_type)
			USING a.tbl, format('SELECT t.%I::%s, t.%I::%s FROM %s t WHERE octet_length(t.%I::text) <= 1024'
				' AND octet_length(t.%I::text) <= 1024',
				a.lead_column, lead_type, a.account_column, account_type, a.tbl, a.lead_column, a.account_column);
		ELSE
			EXECUTE format('INSERT INTO leadscore.lead_accounts (lead_id, account_id)'
				' SELECT r.l, r.a FROM leadscore._read_as_owner($1, $2) AS r(l %s, a %s) ON CONFLICT DO NOTHING',
				lead_type, account_type)
			USING a.tbl, format('SELECT DISTINCT ON (t.%I) t.%I::%s, t.%I::%s FROM %s t'
				' WHERE octet_length(t.%I::text) <= 1024 AND octet_length(t.%I::text) <= 1024 ORDER BY t.%I, t.%I',
				a.lead_column, a.lead_column, lead_type, a.account_column, account_type, a.tbl, a.lead_column,
				a.account_column, a.lead_column, a.time_column);
		END IF;
	END LOOP;
END $$;

-- dna()'s read of the lead tables, as calibrate() and explain() read.
CREATE OR REPLACE FUNCTION leadscore._lead_attributes(lead_id anyelement) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'leadscore_lead_attributes' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;


------------------------------------------------------------------------
-- Handoff notifications: what NOTIFY leadscore carries.
------------------------------------------------------------------------

-- PostgreSQL has no privilege on channels: any role that can connect may
-- LISTEN leadscore, and the full payload told it every handoff's lead,
-- score and grade whatever was revoked on leadscore's tables.  With
-- notify_payload = 'id' a handoff sends only its event's id and kind; the
-- listener reads the event from leadscore.events (or account_events) with
-- its own rights.  A full payload that PostgreSQL would refuse (8000 bytes
-- or more: a long lead key or model name) falls back to the id, so a CRM
-- write never fails for it.  Existing installs keep the full payload.
ALTER TABLE leadscore.settings ADD COLUMN notify_payload text NOT NULL DEFAULT 'full'
	CHECK (notify_payload IN ('full', 'id'));

-- payload: 'full' (the event as JSON) or 'id'; NULL keeps the current one.
DROP FUNCTION leadscore.set_notify(text);
CREATE FUNCTION leadscore.set_notify(mode text, payload text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF mode IS NULL OR mode NOT IN ('trigger', 'tick', 'off') THEN
		RAISE EXCEPTION 'notify mode must be ''trigger'', ''tick'' or ''off'', not %', coalesce(quote_literal(mode), 'NULL')
			USING ERRCODE = CASE WHEN mode IS NULL THEN '22004' ELSE '22023' END,
			HINT = 'trigger: NOTIFY from the writer''s transaction; tick: relayed by tick(); off: poll leadscore.events.';
	END IF;
	IF payload NOT IN ('full', 'id') THEN
		RAISE EXCEPTION 'notify payload must be ''full'' or ''id'', not %', quote_literal(payload)
			USING ERRCODE = '22023',
			HINT = 'full: the event as JSON; id: its event_id and kind only, for listeners to read leadscore.events with their own rights.';
	END IF;
	UPDATE leadscore.settings SET notify = mode, notify_payload = coalesce(payload, notify_payload);
END $$;

-- The payload mode survives pg_dump / pg_restore like the notify mode (a
-- dump made before 0.3 has no notify_payload: the default, 'full').
CREATE OR REPLACE FUNCTION leadscore._settings_merge() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	-- On Citus the row is a shard's, written by leadscore's own SQL
	-- (src/sql/citus.sql).
	IF TG_TABLE_NAME <> 'settings' THEN
		RETURN coalesce(NEW, OLD);
	END IF;
	IF NOT EXISTS (SELECT 1 FROM leadscore.settings) THEN
		RETURN NEW;
	END IF;
	IF NEW.lead_key_type IS NOT NULL THEN
		PERFORM leadscore._use_key_type(NULL, NULL, NEW.lead_key_type);
	END IF;
	IF NEW.account_key_type IS NOT NULL THEN
		PERFORM leadscore._fix_key_type('account', NULL, NULL, NEW.account_key_type);
	END IF;
	UPDATE leadscore.settings SET notify = NEW.notify, notify_payload = NEW.notify_payload;
	RETURN NULL;
END $$;

-- tick() relays every handoff left unsent (notify = 'tick', or a prepared
-- transaction's, which cannot NOTIFY), accounts' too, but never rescore()'s:
-- a rebuild is not news.  Its index leaves rescore()'s out, which stay
-- unsent for good; the accounts get one.
DROP INDEX leadscore.events_unsent;
CREATE INDEX events_unsent ON leadscore.events (id)
	WHERE notified_at IS NULL AND kind = 'status' AND to_value = 'sql' AND cause <> 'rescore';
CREATE INDEX account_events_unsent ON leadscore.account_events (id)
	WHERE notified_at IS NULL AND to_value = 'hot' AND cause <> 'rescore';


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
-- Attachments: what may be attached, and checks of their arguments.
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
--                 was dropped or renamed: every write of the table failed
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

-- The DDL that would give an attached table a problem is refused: ALTER
-- TABLE ... ATTACH PARTITION or INHERIT between two attached tables, SET
-- UNLOGGED, a nondeterministic collation on a key column, an UNLOGGED
-- partition of an attached table, an attached column dropped or renamed
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

-- A dropped view, materialized view or foreign table (outcomes) detaches
-- itself as a dropped table does; before, only object_type 'table' did.
CREATE OR REPLACE FUNCTION leadscore._detach_dropped() RETURNS event_trigger
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

-- Writes of a Citus shard of attachments skip the guard (src/sql/citus.sql).
CREATE OR REPLACE FUNCTION leadscore._attachment_guard() RETURNS trigger
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

-- The rows logical replication applies (src/pg/ingest/replica_rows.hpp),
-- one call per row: not SECURITY DEFINER, whose user and search_path
-- switch around every call would cost more than the row's scoring.  The C
-- code scores the rows with this function's owner's rights.
CREATE FUNCTION leadscore.replica_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_replica_trigger' LANGUAGE C;

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

CREATE OR REPLACE FUNCTION leadscore.attach_activities(
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

CREATE OR REPLACE FUNCTION leadscore.attach_leads(
	tbl regclass,
	lead_column name,
	account_column name DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	graded bigint;
BEGIN
	PERFORM leadscore._check_attachable('attach_leads', tbl, '{r,p}', 'a table', ARRAY[lead_column], '{lead}');
	PERFORM leadscore._use_key_type(tbl, lead_column, leadscore._column_type(tbl, lead_column));
	PERFORM leadscore._use_account_key_type(tbl, account_column);
	INSERT INTO leadscore.attachments (tbl, kind, lead_column, account_column)
	VALUES (tbl, 'leads', lead_column, account_column);
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

-- An outcome view is counted as its owner (leadscore._read_as_owner): its
-- columns' functions run with the rights of the role that made it.
CREATE OR REPLACE FUNCTION leadscore.attach_outcomes(
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

-- detach() of a table that is gone (its attachment left behind by a drop
-- that fired no event trigger) forgets the attachment; before, it failed
-- on the triggers it tried to drop.
CREATE OR REPLACE FUNCTION leadscore.detach(tbl regclass) RETURNS void
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

-- A NULL model or grade profile name is a NULL argument (22004), not a
-- model or profile that does not exist.
CREATE OR REPLACE FUNCTION leadscore._model_id(model text) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	found integer;
BEGIN
	IF model IS NULL THEN
		RAISE EXCEPTION 'a model name is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	SELECT m.id INTO found FROM leadscore.models m WHERE m.name = model;
	IF found IS NULL THEN
		RAISE EXCEPTION 'model "%" does not exist', model USING ERRCODE = '42704',
			HINT = 'leadscore.models lists the models; leadscore.create_model() makes one.';
	END IF;
	RETURN found;
END $$;

CREATE OR REPLACE FUNCTION leadscore._profile_id(profile text) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	found integer;
BEGIN
	IF profile IS NULL THEN
		RAISE EXCEPTION 'a grade profile name is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	SELECT p.id INTO found FROM leadscore.grade_profiles p WHERE p.name = profile;
	IF found IS NULL THEN
		RAISE EXCEPTION 'grade profile "%" does not exist', profile USING ERRCODE = '42704',
			HINT = 'leadscore.grade_profiles lists them; leadscore.create_grade_profile() makes one.';
	END IF;
	RETURN found;
END $$;

-- Names that a NOTIFY payload carries (the model's, and its stages' in a
-- stage change) are at most 128 characters: a 7 kB model name made the
-- payload too long and so failed the CRM write that handed a lead to sales.
CREATE FUNCTION leadscore._check_name(what text, name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a % is needed, not NULL', what USING ERRCODE = '22004';
	END IF;
	IF char_length(name) > 128 THEN
		RAISE EXCEPTION '% "%..." is % characters long', what, left(name, 20), char_length(name)
			USING ERRCODE = '22023', HINT = format('A %s has at most 128 characters.', what);
	END IF;
END $$;

CREATE OR REPLACE FUNCTION leadscore.create_model(
	name text,
	half_life interval DEFAULT '30 days',
	mql_threshold float8 DEFAULT 50,
	sql_threshold float8 DEFAULT 100,
	sql_min_grade leadscore.grade DEFAULT 'B',
	stages text[] DEFAULT '{awareness,consideration,decision}',
	proposition text DEFAULT NULL,
	grade_profile text DEFAULT NULL,
	max_score float8 DEFAULT NULL,
	stage_min_points float8 DEFAULT 10,
	fit_min_grade leadscore.grade DEFAULT 'A-',
	active boolean DEFAULT true,
	account_threshold float8 DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id integer;
	stage text;
BEGIN
	PERFORM leadscore._check_name('model name', name);
	IF btrim(name) = '' THEN
		RAISE EXCEPTION 'model name must not be empty' USING ERRCODE = '22023';
	END IF;
	FOREACH stage IN ARRAY coalesce(stages, '{}') LOOP
		PERFORM leadscore._check_name('stage name', coalesce(stage, ''));
	END LOOP;
	IF EXISTS (SELECT 1 FROM leadscore.models m WHERE m.name = create_model.name) THEN
		RAISE EXCEPTION 'model "%" already exists', name USING ERRCODE = '42710';
	END IF;
	PERFORM leadscore._check_model(name, half_life, mql_threshold, sql_threshold, coalesce(stages, '{}'),
		stage_min_points, max_score);
	IF grade_profile IS NOT NULL THEN
		PERFORM leadscore._profile_id(grade_profile);
	END IF;
	IF fit_min_grade IS NULL THEN
		RAISE EXCEPTION 'fit_min_grade must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF active IS NULL THEN
		RAISE EXCEPTION 'active must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	-- At most 1e15: times an account weight (up to 2^600) it must stay
	-- finite where account_scores compares it (the other thresholds:
	-- _check_model).
	IF account_threshold IS NOT NULL AND NOT (account_threshold > 0 AND account_threshold <= 1e15) THEN
		RAISE EXCEPTION 'account_threshold must be a positive number%, not %', CASE WHEN account_threshold > 1e15 AND account_threshold < 'Infinity' THEN ' up to 1e+15' ELSE '' END, account_threshold USING ERRCODE = '22023',
			HINT = 'Use NULL for a model whose accounts have no status.';
	END IF;
	INSERT INTO leadscore.models (name, half_life, mql_threshold, sql_threshold, sql_min_grade, stages,
		stage_min_points, proposition, grade_profile, max_score, fit_min_grade, active, account_threshold, epoch)
	VALUES (name, half_life, mql_threshold, sql_threshold, sql_min_grade, coalesce(stages, '{}'),
		stage_min_points, proposition, grade_profile, max_score, fit_min_grade, active,
		account_threshold, date_trunc('second', now()))
	RETURNING id INTO new_id;
	PERFORM leadscore._invalidate();
	RETURN new_id;
END $$;

CREATE OR REPLACE FUNCTION leadscore.create_grade_profile(name text, base leadscore.grade DEFAULT 'C') RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id integer;
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a grade profile name is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	IF btrim(name) = '' THEN
		RAISE EXCEPTION 'grade profile name must not be empty' USING ERRCODE = '22023';
	END IF;
	IF base IS NULL THEN
		RAISE EXCEPTION 'base grade must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF EXISTS (SELECT 1 FROM leadscore.grade_profiles p WHERE p.name = create_grade_profile.name) THEN
		RAISE EXCEPTION 'grade profile "%" already exists', name USING ERRCODE = '42710';
	END IF;
	INSERT INTO leadscore.grade_profiles (name, base) VALUES (name, base) RETURNING id INTO new_id;
	PERFORM leadscore._invalidate();
	RETURN new_id;
END $$;


CREATE OR REPLACE FUNCTION leadscore.remove_rule(id integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer;
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION 'a rule id is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	DELETE FROM leadscore.rules r WHERE r.id = remove_rule.id RETURNING r.model_id INTO mid;
	IF mid IS NULL THEN
		RAISE EXCEPTION 'rule % does not exist', id USING ERRCODE = '42704';
	END IF;
	UPDATE leadscore.models SET version = version + 1 WHERE models.id = mid;
	PERFORM leadscore._invalidate();
	PERFORM leadscore._rule_change_notice((SELECT m.name FROM leadscore.models m WHERE m.id = mid));
END $$;

CREATE OR REPLACE FUNCTION leadscore.remove_criterion(id integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	profile text;
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION 'a criterion id is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	DELETE FROM leadscore.grade_criteria c WHERE c.id = remove_criterion.id
	RETURNING (SELECT p.name FROM leadscore.grade_profiles p WHERE p.id = c.profile_id) INTO profile;
	IF profile IS NULL THEN
		RAISE EXCEPTION 'criterion % does not exist', id USING ERRCODE = '42704';
	END IF;
	PERFORM leadscore._invalidate();
	PERFORM leadscore._criteria_change_notice(profile);
END $$;

CREATE OR REPLACE FUNCTION leadscore.set_active(model text, active boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	IF active IS NULL THEN
		RAISE EXCEPTION 'active must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	UPDATE leadscore.models m SET active = set_active.active, version = version + 1 WHERE m.id = mid;
	PERFORM leadscore._invalidate();
END $$;

------------------------------------------------------------------------
-- Times and numbers at the edge of their range.
------------------------------------------------------------------------

-- Weights saturate at 2^600 (src/core/model/decay.hpp: with points up to 1e12
-- every stored sum, and every score read from one, stays finite).  The
-- view's thresholds and scores use this function, the triggers the C++
-- one: the two clamp at the same exponent.
CREATE OR REPLACE FUNCTION leadscore.stored_weight(half_life interval, epoch timestamptz, at timestamptz DEFAULT now())
	RETURNS float8 LANGUAGE sql STABLE PARALLEL SAFE
	RETURN CASE WHEN half_life IS NULL THEN 1::float8
		ELSE pg_catalog.power(2::float8, LEAST(600::float8,
			extract(epoch FROM at - epoch)::float8 / extract(epoch FROM half_life)::float8)) END;

-- Undoes a tick() ahead of the clock: the tick clock, and every lead and
-- account record such a tick left in the future, go back to now, and
-- rescore() re-derives the records there.
CREATE FUNCTION leadscore.reset_tick() RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	moved bigint;
	accounts bigint;
BEGIN
	-- tick()'s lock: no tick runs meanwhile.
	UPDATE leadscore.tick_state SET last_tick_at = least(last_tick_at, now());
	UPDATE leadscore.lead_state SET checked_at = now() WHERE checked_at > now();
	GET DIAGNOSTICS moved = ROW_COUNT;
	UPDATE leadscore.account_state SET checked_at = now() WHERE checked_at > now();
	GET DIAGNOSTICS accounts = ROW_COUNT;
	IF moved + accounts > 0 THEN
		PERFORM leadscore.rescore();
	END IF;
	RETURN moved;
END $$;
COMMENT ON FUNCTION leadscore.reset_tick() IS
	'moves the tick clock and the lead and account records a tick() ahead of the clock left in the future back to now, then rescores; returns the lead records moved';


------------------------------------------------------------------------
-- Writers: SERIALIZABLE, prepared transactions, DROP EXTENSION.
------------------------------------------------------------------------

-- DROP EXTENSION leadscore CASCADE locks the attached tables before its
-- own tables, the order a CRM writer takes them in: the two deadlocked
-- (src/pg/admin/drop_lock_order.cpp).
CREATE FUNCTION leadscore._lock_attached_for_drop() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'leadscore_lock_attached_for_drop' LANGUAGE C;
CREATE EVENT TRIGGER leadscore_drop_lock_order ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA')
	EXECUTE FUNCTION leadscore._lock_attached_for_drop();

-- TRUNCATE of a partitioned table fires the trigger of every partition it
-- empties: one rescore per statement (src/pg/maintenance/truncate_trigger.cpp).
CREATE OR REPLACE FUNCTION leadscore.truncate_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'leadscore_truncate_trigger' LANGUAGE C
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;


------------------------------------------------------------------------
-- NULL arguments: 22004 for the readers too, as the README promises for
-- every function.  top_leads(), stale_leads() and
-- top_accounts() live in _create_views(), which makes them again when a
-- key type is fixed; here they are replaced where they stand, their views
-- untouched (a CRM's own views may depend on them).
------------------------------------------------------------------------

-- The n of top_leads() and top_accounts(): NULL is 22004 like every NULL
-- argument, not LIMIT NULL's "every row".  IMMUTABLE: a reader's helper,
-- which PUBLIC may run (src/sql/privileges.sql).
CREATE FUNCTION leadscore._row_limit(n integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF n IS NULL THEN
		RAISE EXCEPTION 'n must not be NULL' USING ERRCODE = '22004';
	END IF;
	RETURN n;
END $$;

------------------------------------------------------------------------
-- The state's layout: updates that can be HOT.  What the indexes read
-- changes only when it must (state_tables.sql says how), and every page
-- keeps room for its rows' next versions.  Before the
-- functions below that read it (top_leads() reads score_rank).
------------------------------------------------------------------------
-- The stored sum on a log scale, in half-doublings: monotone in stored
-- (negative sums below zero below positive ones), so ordering by
-- (score_rank, stored) is ordering by stored, and it changes when the score
-- grows by a factor of sqrt(2), not with every point.  LEAST keeps a sum
-- that is not finite (verify() reports it) from failing the write.  A
-- standard SQL body, not STRICT (a CASE is not): inlined into the
-- statements that write states, which a function call would plan again at
-- every execution.
CREATE FUNCTION leadscore.score_rank(stored float8) RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN stored > 0 THEN 2200 + LEAST(pg_catalog.floor(pg_catalog.ln(stored) * 2.885390081777927), 2100)::integer
		WHEN stored < 0 THEN -2200 - LEAST(pg_catalog.floor(pg_catalog.ln(-stored) * 2.885390081777927), 2100)::integer
		ELSE 0 END;

ALTER TABLE leadscore.lead_state SET (fillfactor = 50),
	ADD COLUMN due_hint timestamptz,
	ADD COLUMN score_rank integer NOT NULL DEFAULT 0;
DROP INDEX leadscore.lead_state_model_stored;
DROP INDEX leadscore.lead_state_due;
DROP INDEX leadscore.lead_state_cooled;
-- Before the new indexes, so the rewrite maintains only the primary key.
UPDATE leadscore.lead_state SET due_hint = due_at, score_rank = leadscore.score_rank(stored);
CREATE INDEX lead_state_rank ON leadscore.lead_state (score_rank, model_id);
CREATE INDEX lead_state_due ON leadscore.lead_state (due_hint) WHERE due_hint IS NOT NULL;
CREATE INDEX lead_state_cooled ON leadscore.lead_state (model_id, mql_at)
	WHERE status = 'nurture' AND mql_at IS NOT NULL;

-- Score bands (src/sql/bands.sql), which lead_scores reads; the band a
-- record last reported, and band events.
ALTER TABLE leadscore.lead_state ADD COLUMN band text;
-- Momentum (lead_scores.momentum, top_momentum()): a second epoch-relative
-- sum with the model's momentum_half_life, and its rank for the index.  0
-- until the end of this script computes it (rescore()).
ALTER TABLE leadscore.lead_state ADD COLUMN momentum float8 NOT NULL DEFAULT 0,
	ADD COLUMN momentum_rank integer NOT NULL DEFAULT 0;
CREATE INDEX lead_state_momentum ON leadscore.lead_state (momentum_rank, model_id) WHERE momentum_rank <> 0;
-- top_leads() by probability (a model whose probability link weighs
-- grades): each grade's leads of a model in score order.  Only graded
-- leads have entries; a lead's next activity leaves grade alone, so its
-- update stays HOT unless the rank moves, as before.
CREATE INDEX lead_state_grade ON leadscore.lead_state (grade, model_id, score_rank) WHERE grade IS NOT NULL;
ALTER TABLE leadscore.models ADD COLUMN momentum_half_life interval NOT NULL DEFAULT '7 days';
ALTER TABLE leadscore.events DROP CONSTRAINT events_kind_check,
	ADD CONSTRAINT events_kind_check CHECK (kind IN ('status', 'stage', 'grade', 'band'));
-- A lead is in the highest band whose min_score its current score reaches;
-- the band without one is the floor.  Minimums are finite and not
-- negative: decay only ever moves a score toward 0, so a lead then only
-- ever falls out of a band by decay (tick() reports it), never into one.
CREATE TABLE leadscore.bands (
	model_id integer NOT NULL REFERENCES leadscore.models (id) ON DELETE CASCADE,
	name text NOT NULL,
	min_score float8 CHECK (min_score >= 0 AND min_score < 'Infinity'),  -- NULL: the floor
	channel text,
	PRIMARY KEY (model_id, name),
	UNIQUE NULLS NOT DISTINCT (model_id, min_score)
);

-- The index of a lead's band among `min_scores` (a model's, ascending,
-- -Infinity for the floor; 1-based; NULL for none), from its stored sum as
-- lead_scores reads it: core::BandOf (src/pg/admin/admin_functions.cpp).
-- max_score NaN: none.
CREATE FUNCTION leadscore.band_of(stored float8, weight float8, min_scores float8[], max_score float8)
	RETURNS integer AS 'MODULE_PATHNAME', 'leadscore_band_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Every record of the model advanced to its state now (events with cause
-- rescore): the bands it holds and when decay next moves it down one.
CREATE FUNCTION leadscore._refresh_lifecycle(model_id integer) RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_refresh_lifecycle' LANGUAGE C;

-- Writers load the new bands; every record learns its band.
CREATE FUNCTION leadscore._bands_changed(mid integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	UPDATE leadscore.models SET version = version + 1 WHERE id = mid;
	PERFORM leadscore._invalidate();
	PERFORM leadscore._refresh_lifecycle(mid);
END $$;

CREATE FUNCTION leadscore.add_band(model text, name text, min_score float8, channel text DEFAULT NULL)
	RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
	other text;
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a band needs a name, not NULL' USING ERRCODE = '22004';
	END IF;
	IF name = '' THEN
		RAISE EXCEPTION 'a band name must not be empty' USING ERRCODE = '22023';
	END IF;
	IF min_score = 'NaN' OR min_score IN ('Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'min_score of band "%" must be finite, not %', name, min_score USING ERRCODE = '22023';
	END IF;
	IF min_score < 0 THEN
		RAISE EXCEPTION 'min_score of band "%" must not be negative, not %', name, min_score
			USING ERRCODE = '22023',
			HINT = 'Decay moves a negative score up toward 0; the floor (min_score NULL) holds those leads.';
	END IF;
	PERFORM 1 FROM leadscore.models m WHERE m.id = mid FOR UPDATE;
	IF EXISTS (SELECT 1 FROM leadscore.bands b WHERE b.model_id = mid AND b.name = add_band.name) THEN
		RAISE EXCEPTION 'band "%" already exists in model "%"', name, model USING ERRCODE = '42710';
	END IF;
	SELECT b.name INTO other FROM leadscore.bands b
	WHERE b.model_id = mid AND b.min_score IS NOT DISTINCT FROM add_band.min_score;
	IF other IS NOT NULL THEN
		RAISE EXCEPTION 'band "%" of model "%" already has min_score %', other, model,
			coalesce(min_score::text, 'NULL (the floor)') USING ERRCODE = '42710';
	END IF;
	INSERT INTO leadscore.bands (model_id, name, min_score, channel) VALUES (mid, name, min_score, channel);
	PERFORM leadscore._bands_changed(mid);
END $$;

CREATE FUNCTION leadscore.remove_band(model text, name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a band name is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	DELETE FROM leadscore.bands b WHERE b.model_id = mid AND b.name = remove_band.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'band "%" does not exist in model "%"', name, model USING ERRCODE = '42704';
	END IF;
	PERFORM leadscore._bands_changed(mid);
END $$;

-- A model's probability link (src/core/insight/probability_link.hpp):
-- lead_scores.probability = 1 / (1 + exp(-(link[1] + link[2] * score +
-- link[3 + grade rank]))), the last slot for a lead without a grade.
-- Written by fit_probability(); one per model.
CREATE TABLE leadscore.probability_links (
	model_id integer PRIMARY KEY REFERENCES leadscore.models (id) ON DELETE CASCADE,
	horizon interval NOT NULL,               -- converting within this long
	link float8[] NOT NULL,
	leads bigint NOT NULL,                   -- the leads it was fitted on
	converted bigint NOT NULL,               -- ... and how many of them converted
	fitted_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

-- lead_scores.probability from a model's link, the score shown and the
-- grade (NULL: none); NULL without a link (src/pg/insight/probability_functions.cpp).
CREATE FUNCTION leadscore.link_probability(link float8[], score float8, grade leadscore.grade) RETURNS float8
	AS 'MODULE_PATHNAME', 'leadscore_link_probability' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- lead_scores gains score_rank: ORDER BY score_rank DESC, score_key DESC is
-- the order of the score, from the index.  (top_leads() and the other
-- functions that return its rows are made again below.)
-- A state's pending silence scorings due by `at` (src/pg/state/
-- pending_scorings.cpp): what the view adds to the stored sums at read time.
CREATE FUNCTION leadscore.pending_due(caps bigint[], at timestamptz) RETURNS float8
	AS 'MODULE_PATHNAME', 'leadscore_pending_due' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.pending_stages(stage_stored float8[], caps bigint[], at timestamptz) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'leadscore_pending_stages' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- Their momentum: the points of each times the momentum weight, from the
-- model's half-lives in microseconds (NULL half_life: no decay) and epoch.
CREATE FUNCTION leadscore.pending_momentum(caps bigint[], at timestamptz, half_life_us float8,
		momentum_half_life_us float8, epoch timestamptz) RETURNS float8
	AS 'MODULE_PATHNAME', 'leadscore_pending_momentum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- When a state's first pending scoring falls due (NULL: none): tick()'s
-- wake-up time, kept in due_at and due_hint; the pending values re-based
-- with a model's decay epoch; what is left once tick() folded the due ones.
CREATE FUNCTION leadscore.pending_first(caps bigint[]) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'leadscore_pending_first' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.pending_scaled(caps bigint[], factor float8) RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'leadscore_pending_scaled' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.pending_after(caps bigint[], at timestamptz) RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'leadscore_pending_after' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE VIEW leadscore.lead_scores AS
SELECT m.name AS model,
	s.lead_id,
	la.account_id,
	LEAST(e.stored / m.weight, coalesce(m.max_score, 'Infinity'::float8)) AS score,
	leadscore.stage_of(e.stages, m.stages, m.weight, m.stage_min_points) AS stage,
	s.grade,
	-- Computed at read time: exact now, whenever tick() last ran.
	CASE WHEN e.stored >= m.sql_threshold * m.weight
			AND (m.grade_profile IS NULL OR m.sql_min_grade IS NULL OR s.grade >= m.sql_min_grade) THEN 'sql'
		WHEN e.stored >= m.mql_threshold * m.weight THEN 'mql'
		ELSE 'nurture' END AS status,
	coalesce(s.grade >= m.fit_min_grade, false) AND e.stored < m.mql_threshold * m.weight AS fit_priority,
	s.activity_count,
	s.last_activity_at,
	s.mql_at,
	s.sql_at,
	m.id AS model_id,
	s.stored AS score_key,
	s.score_rank,
	-- The band the score reaches now, its channel, and the fit x engagement
	-- label: the grade's letter and the band's rank from the top.
	bb.names[bi.i] AS band,
	bb.channels[bi.i] AS channel,
	left(s.grade::text, 1) || (pg_catalog.cardinality(bb.names) - bi.i + 1) AS label,
	-- Momentum now (the same points with momentum_half_life), and what
	-- top_momentum() orders by, as score_key and score_rank.
	e.momentum / m.momentum_weight AS momentum,
	s.momentum AS momentum_key,
	s.momentum_rank,
	-- The probability of converting within the link's horizon, from the
	-- score shown and the grade; NULL without a link (fit_probability).
	leadscore.link_probability(pl.link, LEAST(e.stored / m.weight, coalesce(m.max_score, 'Infinity'::float8)),
		s.grade) AS probability
FROM leadscore.lead_state s
-- Each model's weights now, and now itself: columns of a subquery
-- with a FROM, which Citus pushes down to the shards with lead_state
-- (a lateral subquery without one may call no STABLE function there).
JOIN (SELECT mm.id, mm.name, mm.stages, mm.half_life, mm.momentum_half_life, mm.epoch, mm.max_score,
			mm.stage_min_points, mm.mql_threshold, mm.sql_threshold, mm.sql_min_grade, mm.fit_min_grade, mm.grade_profile,
			leadscore.stored_weight(mm.half_life, mm.epoch) AS weight,
		leadscore.stored_weight(mm.momentum_half_life, mm.epoch) AS momentum_weight, now() AS at
	FROM leadscore.models mm) m ON m.id = s.model_id
LEFT JOIN leadscore.probability_links pl ON pl.model_id = m.id
LEFT JOIN leadscore.lead_accounts la ON la.lead_id = s.lead_id
-- The silence scorings that fell due since the state was written.
CROSS JOIN LATERAL (SELECT
	CASE WHEN s.caps IS NULL THEN s.stored ELSE s.stored + leadscore.pending_due(s.caps, m.at) END AS stored,
	CASE WHEN s.caps IS NULL THEN s.momentum ELSE s.momentum + leadscore.pending_momentum(s.caps, m.at,
		extract(epoch FROM m.half_life)::float8 * 1e6, extract(epoch FROM m.momentum_half_life)::float8 * 1e6,
		m.epoch) END AS momentum,
	CASE WHEN s.caps IS NULL THEN s.stage_stored
		ELSE leadscore.pending_stages(s.stage_stored, s.caps, m.at) END AS stages) e
-- A model's bands, ascending (the floor first: src/sql/bands.sql).
LEFT JOIN (SELECT b.model_id,
		pg_catalog.array_agg(b.name ORDER BY b.min_score NULLS FIRST) AS names,
		pg_catalog.array_agg(b.channel ORDER BY b.min_score NULLS FIRST) AS channels,
		pg_catalog.array_agg(coalesce(b.min_score, '-Infinity') ORDER BY b.min_score NULLS FIRST) AS mins
	FROM leadscore.bands b GROUP BY b.model_id) bb ON bb.model_id = m.id
CROSS JOIN LATERAL (SELECT leadscore.band_of(e.stored, m.weight, bb.mins,
	coalesce(m.max_score, 'NaN')) AS i) bi;

CREATE OR REPLACE FUNCTION leadscore._create_views(as_member boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	SET citus.enable_ddl_propagation = off AS $f$
BEGIN
	CREATE VIEW leadscore.lead_scores AS
	SELECT m.name AS model,
		s.lead_id,
		la.account_id,
		LEAST(e.stored / m.weight, coalesce(m.max_score, 'Infinity'::float8)) AS score,
		leadscore.stage_of(e.stages, m.stages, m.weight, m.stage_min_points) AS stage,
		s.grade,
		-- Computed at read time: exact now, whenever tick() last ran.
		CASE WHEN e.stored >= m.sql_threshold * m.weight
				AND (m.grade_profile IS NULL OR m.sql_min_grade IS NULL OR s.grade >= m.sql_min_grade) THEN 'sql'
			WHEN e.stored >= m.mql_threshold * m.weight THEN 'mql'
			ELSE 'nurture' END AS status,
		coalesce(s.grade >= m.fit_min_grade, false) AND e.stored < m.mql_threshold * m.weight AS fit_priority,
		s.activity_count,
		s.last_activity_at,
		s.mql_at,
		s.sql_at,
		m.id AS model_id,
		s.stored AS score_key,
		s.score_rank,
		-- The band the score reaches now, its channel, and the fit x engagement
		-- label: the grade's letter and the band's rank from the top.
		bb.names[bi.i] AS band,
		bb.channels[bi.i] AS channel,
		left(s.grade::text, 1) || (pg_catalog.cardinality(bb.names) - bi.i + 1) AS label,
		-- Momentum now (the same points with momentum_half_life), and what
		-- top_momentum() orders by, as score_key and score_rank.
		e.momentum / m.momentum_weight AS momentum,
		s.momentum AS momentum_key,
		s.momentum_rank,
		-- The probability of converting within the link's horizon, from the
		-- score shown and the grade; NULL without a link (fit_probability).
		leadscore.link_probability(pl.link, LEAST(e.stored / m.weight, coalesce(m.max_score, 'Infinity'::float8)),
			s.grade) AS probability
	FROM leadscore.lead_state s
	-- Each model's weights now, and now itself: columns of a subquery
	-- with a FROM, which Citus pushes down to the shards with lead_state
	-- (a lateral subquery without one may call no STABLE function there).
	JOIN (SELECT mm.id, mm.name, mm.stages, mm.half_life, mm.momentum_half_life, mm.epoch, mm.max_score,
			mm.stage_min_points, mm.mql_threshold, mm.sql_threshold, mm.sql_min_grade, mm.fit_min_grade, mm.grade_profile,
			leadscore.stored_weight(mm.half_life, mm.epoch) AS weight,
			leadscore.stored_weight(mm.momentum_half_life, mm.epoch) AS momentum_weight, now() AS at
		FROM leadscore.models mm) m ON m.id = s.model_id
	LEFT JOIN leadscore.probability_links pl ON pl.model_id = m.id
	LEFT JOIN leadscore.lead_accounts la ON la.lead_id = s.lead_id
	-- The silence scorings that fell due since the state was written
	-- (caps holds them, when any: src/pg/state/state_codec.hpp).
	CROSS JOIN LATERAL (SELECT
		CASE WHEN s.caps IS NULL THEN s.stored ELSE s.stored + leadscore.pending_due(s.caps, m.at) END AS stored,
		CASE WHEN s.caps IS NULL THEN s.momentum ELSE s.momentum + leadscore.pending_momentum(s.caps, m.at,
			extract(epoch FROM m.half_life)::float8 * 1e6, extract(epoch FROM m.momentum_half_life)::float8 * 1e6,
			m.epoch) END AS momentum,
		CASE WHEN s.caps IS NULL THEN s.stage_stored
			ELSE leadscore.pending_stages(s.stage_stored, s.caps, m.at) END AS stages) e
	-- A model's bands, ascending (the floor first: src/sql/bands.sql).
	LEFT JOIN (SELECT b.model_id,
			pg_catalog.array_agg(b.name ORDER BY b.min_score NULLS FIRST) AS names,
			pg_catalog.array_agg(b.channel ORDER BY b.min_score NULLS FIRST) AS channels,
			pg_catalog.array_agg(coalesce(b.min_score, '-Infinity') ORDER BY b.min_score NULLS FIRST) AS mins
		FROM leadscore.bands b GROUP BY b.model_id) bb ON bb.model_id = m.id
	CROSS JOIN LATERAL (SELECT leadscore.band_of(e.stored, m.weight, bb.mins,
		coalesce(m.max_score, 'NaN')) AS i) bi;
	COMMENT ON VIEW leadscore.lead_scores IS
		'every lead''s current score, stage and status per model; ORDER BY score_rank DESC, score_key DESC within one model_id is the order of the score, from an index';
	GRANT SELECT ON leadscore.lead_scores TO PUBLIC;
	-- The hottest leads of a model from the (score_rank, model_id) index:
	-- the planner cannot know that ORDER BY score follows the stored sum.
	-- The index scan yields whole ranks, the few leads of the top ones are
	-- sorted by stored (an incremental sort).  jit off: a generic plan of
	-- the view looks costly enough to JIT, which would take a hundred times
	-- longer than the index scan.
	CREATE FUNCTION leadscore.top_leads(model text, n integer DEFAULT 50)
		RETURNS SETOF leadscore.lead_scores
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
	DECLARE
		mid integer := leadscore._model_id(model);
		lim integer := leadscore._row_limit(n);
		link float8[] := (SELECT pl.link FROM leadscore.probability_links pl WHERE pl.model_id = mid);
	BEGIN
		-- By probability when the model's link weighs grades.  Within a
		-- grade the link orders leads as their score does, so the n most
		-- likely graded leads are among each grade's n best by score: at
		-- most 13 n rows of the lead_state_grade index, however many leads
		-- there are.  Leads without a grade (no lead row) have no entries
		-- there: of them, only those whose score can still reach the n-th
		-- best probability of the graded ones (link[16] is their weight)
		-- are read, an index range.  Otherwise the score's order is the
		-- probability's, from the index.
		IF link IS NOT NULL AND link[2] > 0 AND (SELECT max(x) - min(x) FROM unnest(link[3:]) x) > 0 THEN
			RETURN QUERY
			WITH graded AS MATERIALIZED (
				SELECT t.* FROM generate_series(0, 12) r
				CROSS JOIN LATERAL (SELECT ls.* FROM leadscore.lead_scores ls
					WHERE ls.model_id = mid AND ls.grade = 'F'::leadscore.grade + r
					ORDER BY ls.score_rank DESC, ls.score_key DESC LIMIT lim) t),
			bound AS (SELECT CASE WHEN count(*) = lim THEN min(b.probability) END AS p
				FROM (SELECT g.probability FROM graded g ORDER BY g.probability DESC LIMIT lim) b)
			SELECT u.* FROM (
				SELECT g.* FROM graded g
				UNION ALL
				(SELECT ls.* FROM leadscore.lead_scores ls
				 WHERE ls.model_id = mid AND ls.grade IS NULL AND ls.score_rank >= (SELECT
					CASE WHEN b.p > 0 AND b.p < 1 THEN leadscore.score_rank((ln(b.p / (1 - b.p)) - link[1] - link[16])
						/ link[2] * leadscore.stored_weight(m.half_life, m.epoch)) ELSE -2147483648 END
					FROM bound b, leadscore.models m WHERE m.id = mid)
				 ORDER BY ls.score_rank DESC, ls.score_key DESC LIMIT lim)) u
			ORDER BY u.probability DESC, u.score_key DESC LIMIT lim;
			RETURN;
		END IF;
		RETURN QUERY SELECT ls.* FROM leadscore.lead_scores ls WHERE ls.model_id = mid
			ORDER BY ls.score_rank DESC, ls.score_key DESC LIMIT lim;
	END $$;
	-- The leads heating up fastest.  In a model that ranks its momentum
	-- (set_momentum_ranking), as top_leads() from the (momentum_rank,
	-- model_id) index, which holds the leads of such models only; in the
	-- others (every rank 0) the model's leads sorted by momentum.  PL/pgSQL:
	-- Citus plans no parameter of a SQL function across shards.
	CREATE FUNCTION leadscore.top_momentum(model text, n integer DEFAULT 50)
		RETURNS SETOF leadscore.lead_scores
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
	DECLARE
		mid integer := leadscore._model_id(model);
		lim integer := leadscore._row_limit(n);
	BEGIN
		IF (SELECT m.momentum_ranking FROM leadscore.models m WHERE m.id = mid) THEN
			RETURN QUERY SELECT ls.* FROM leadscore.lead_scores ls WHERE ls.model_id = mid AND ls.momentum_rank <> 0
				ORDER BY ls.momentum_rank DESC, ls.momentum_key DESC LIMIT lim;
		ELSE
			RETURN QUERY SELECT ls.* FROM leadscore.lead_scores ls WHERE ls.model_id = mid
				ORDER BY ls.momentum_key DESC LIMIT lim;
		END IF;
	END $$;
	-- Reactivation candidates: leads that reached MQL once, cooled down
	-- below it and have done nothing for `idle`, from a partial index of
	-- exactly such leads (as last reported: tick() keeps that current).
	CREATE FUNCTION leadscore.stale_leads(model text, idle interval DEFAULT '60 days')
		RETURNS SETOF leadscore.lead_scores
	LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
	DECLARE
		mid integer := leadscore._model_id(model);
	BEGIN
		IF idle IS NULL OR idle < interval '0' THEN
			RAISE EXCEPTION 'idle must be a positive interval, not %', coalesce(idle::text, 'NULL')
				USING ERRCODE = CASE WHEN idle IS NULL THEN '22004' ELSE '22023' END;
		END IF;
		RETURN QUERY
		SELECT ls.* FROM leadscore.lead_state s
		JOIN leadscore.lead_scores ls ON ls.model_id = s.model_id AND ls.lead_id = s.lead_id
		WHERE s.model_id = mid AND s.status = 'nurture' AND s.mql_at IS NOT NULL
			AND s.last_activity_at < now() - idle AND ls.status = 'nurture'
		ORDER BY s.last_activity_at, s.lead_id;
	END $$;
	-- Accounts decay with twice the half-life (src/core/lead/account_score.hpp).
	CREATE VIEW leadscore.account_scores AS
	SELECT m.name AS model,
		a.account_id,
		a.stored / w.weight AS score,
		a.members AS engaged_leads,
		leadscore.stage_of(a.stage_stored, m.stages, w.weight, m.stage_min_points) AS stage,
		CASE WHEN a.stored >= m.account_threshold * w.weight THEN 'hot' ELSE 'cold' END AS status,
		a.hot_at,
		m.id AS model_id,
		a.stored AS score_key
	FROM leadscore.account_state a
	JOIN leadscore.models m ON m.id = a.model_id
	CROSS JOIN LATERAL (SELECT leadscore.stored_weight(m.half_life * 2, m.epoch) AS weight) w;
	COMMENT ON VIEW leadscore.account_scores IS
		'every account''s current score per model: the sum over its leads of sqrt(mql_threshold * lead score); ORDER BY score_key within one model_id follows the (model_id, stored) index';
	GRANT SELECT ON leadscore.account_scores TO PUBLIC;
	CREATE FUNCTION leadscore.top_accounts(model text, n integer DEFAULT 50)
		RETURNS SETOF leadscore.account_scores
	LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
		SELECT a.* FROM leadscore.account_scores a
		WHERE a.model_id = leadscore._model_id(top_accounts.model)
		ORDER BY a.score_key DESC
		LIMIT leadscore._row_limit(top_accounts.n)
	$$;
	IF as_member THEN
		ALTER EXTENSION leadscore ADD VIEW leadscore.lead_scores;
		ALTER EXTENSION leadscore ADD FUNCTION leadscore.top_leads(text, integer);
		ALTER EXTENSION leadscore ADD FUNCTION leadscore.top_momentum(text, integer);
		ALTER EXTENSION leadscore ADD FUNCTION leadscore.stale_leads(text, interval);
		ALTER EXTENSION leadscore ADD VIEW leadscore.account_scores;
		ALTER EXTENSION leadscore ADD FUNCTION leadscore.top_accounts(text, integer);
	END IF;
	-- On Citus they read the shards' parts too (citus.sql).
	IF pg_catalog.to_regprocedure('leadscore._citus_views()') IS NOT NULL THEN
		PERFORM leadscore._citus_views();
	END IF;
END $f$;

CREATE OR REPLACE FUNCTION leadscore.top_leads(model text, n integer DEFAULT 50)
	RETURNS SETOF leadscore.lead_scores
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
	DECLARE
		mid integer := leadscore._model_id(model);
		lim integer := leadscore._row_limit(n);
		link float8[] := (SELECT pl.link FROM leadscore.probability_links pl WHERE pl.model_id = mid);
	BEGIN
		-- By probability when the model's link weighs grades.  Within a
		-- grade the link orders leads as their score does, so the n most
		-- likely graded leads are among each grade's n best by score: at
		-- most 13 n rows of the lead_state_grade index, however many leads
		-- there are.  Leads without a grade (no lead row) have no entries
		-- there: of them, only those whose score can still reach the n-th
		-- best probability of the graded ones (link[16] is their weight)
		-- are read, an index range.  Otherwise the score's order is the
		-- probability's, from the index.
		IF link IS NOT NULL AND link[2] > 0 AND (SELECT max(x) - min(x) FROM unnest(link[3:]) x) > 0 THEN
			RETURN QUERY
			WITH graded AS MATERIALIZED (
				SELECT t.* FROM generate_series(0, 12) r
				CROSS JOIN LATERAL (SELECT ls.* FROM leadscore.lead_scores ls
					WHERE ls.model_id = mid AND ls.grade = 'F'::leadscore.grade + r
					ORDER BY ls.score_rank DESC, ls.score_key DESC LIMIT lim) t),
			bound AS (SELECT CASE WHEN count(*) = lim THEN min(b.probability) END AS p
				FROM (SELECT g.probability FROM graded g ORDER BY g.probability DESC LIMIT lim) b)
			SELECT u.* FROM (
				SELECT g.* FROM graded g
				UNION ALL
				(SELECT ls.* FROM leadscore.lead_scores ls
				 WHERE ls.model_id = mid AND ls.grade IS NULL AND ls.score_rank >= (SELECT
					CASE WHEN b.p > 0 AND b.p < 1 THEN leadscore.score_rank((ln(b.p / (1 - b.p)) - link[1] - link[16])
						/ link[2] * leadscore.stored_weight(m.half_life, m.epoch)) ELSE -2147483648 END
					FROM bound b, leadscore.models m WHERE m.id = mid)
				 ORDER BY ls.score_rank DESC, ls.score_key DESC LIMIT lim)) u
			ORDER BY u.probability DESC, u.score_key DESC LIMIT lim;
			RETURN;
		END IF;
		RETURN QUERY SELECT ls.* FROM leadscore.lead_scores ls WHERE ls.model_id = mid
			ORDER BY ls.score_rank DESC, ls.score_key DESC LIMIT lim;
	END $$;
CREATE FUNCTION leadscore.top_momentum(model text, n integer DEFAULT 50)
	RETURNS SETOF leadscore.lead_scores
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
	DECLARE
		mid integer := leadscore._model_id(model);
		lim integer := leadscore._row_limit(n);
	BEGIN
		IF (SELECT m.momentum_ranking FROM leadscore.models m WHERE m.id = mid) THEN
			RETURN QUERY SELECT ls.* FROM leadscore.lead_scores ls WHERE ls.model_id = mid AND ls.momentum_rank <> 0
				ORDER BY ls.momentum_rank DESC, ls.momentum_key DESC LIMIT lim;
		ELSE
			RETURN QUERY SELECT ls.* FROM leadscore.lead_scores ls WHERE ls.model_id = mid
				ORDER BY ls.momentum_key DESC LIMIT lim;
		END IF;
	END $$;
COMMENT ON VIEW leadscore.lead_scores IS
	'every lead''s current score, stage and status per model; ORDER BY score_rank DESC, score_key DESC within one model_id is the order of the score, from an index';
CREATE OR REPLACE FUNCTION leadscore.stale_leads(model text, idle interval DEFAULT '60 days')
	RETURNS SETOF leadscore.lead_scores
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
	DECLARE
		mid integer := leadscore._model_id(model);
	BEGIN
		IF idle IS NULL OR idle < interval '0' THEN
			RAISE EXCEPTION 'idle must be a positive interval, not %', coalesce(idle::text, 'NULL')
				USING ERRCODE = CASE WHEN idle IS NULL THEN '22004' ELSE '22023' END;
		END IF;
		RETURN QUERY
		SELECT ls.* FROM leadscore.lead_state s
		JOIN leadscore.lead_scores ls ON ls.model_id = s.model_id AND ls.lead_id = s.lead_id
		WHERE s.model_id = mid AND s.status = 'nurture' AND s.mql_at IS NOT NULL
			AND s.last_activity_at < now() - idle AND ls.status = 'nurture'
		ORDER BY s.last_activity_at, s.lead_id;
	END $$;
CREATE OR REPLACE FUNCTION leadscore.top_accounts(model text, n integer DEFAULT 50)
	RETURNS SETOF leadscore.account_scores
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
		SELECT a.* FROM leadscore.account_scores a
		WHERE a.model_id = leadscore._model_id(top_accounts.model)
		ORDER BY a.score_key DESC
		LIMIT leadscore._row_limit(top_accounts.n)
	$$;

CREATE OR REPLACE FUNCTION leadscore.dna(lead_id anyelement) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	key_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
	attrs jsonb;
	models jsonb := '[]';
	r record;
BEGIN
	IF lead_id IS NULL THEN
		RAISE EXCEPTION 'lead_id must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF key_type IS NOT NULL AND pg_typeof(lead_id) <> key_type
		AND NOT (key_type = 'text'::regtype AND pg_typeof(lead_id) = 'character varying'::regtype) THEN
		RAISE EXCEPTION 'lead_id has type %, but this database''s lead keys are %', pg_typeof(lead_id), key_type
			USING ERRCODE = '42804', HINT = format('Cast it: leadscore.dna(%L::%s).', lead_id, key_type);
	END IF;
	attrs := leadscore._lead_attributes(lead_id);
	FOR r IN
		SELECT ls.*, m.proposition, m.grade_profile
		FROM leadscore.lead_scores ls JOIN leadscore.models m ON m.id = ls.model_id
		WHERE ls.lead_id = dna.lead_id ORDER BY ls.model
	LOOP
		models := models || jsonb_build_object(
			'model', r.model,
			'proposition', r.proposition,
			'score', round(r.score::numeric, 2),
			'grade', r.grade,
			'band', r.band,
			'channel', r.channel,
			'label', r.label,
			'stage', r.stage,
			'status', r.status,
			'fit_priority', r.fit_priority,
			'activities', r.activity_count,
			'last_activity_at', r.last_activity_at,
			'mql_at', r.mql_at,
			'sql_at', r.sql_at,
			'account', (SELECT jsonb_build_object('account_id', a.account_id, 'score', round(a.score::numeric, 2),
					'engaged_leads', a.engaged_leads, 'stage', a.stage, 'status', a.status)
				FROM leadscore.account_scores a WHERE a.model_id = r.model_id AND a.account_id = r.account_id),
			'top_reasons', coalesce((
				SELECT jsonb_agg(jsonb_build_object('rule', e.rule, 'activities', e.counted,
					'points_now', round(e.points_now::numeric, 2), 'share', round(e.share::numeric, 3))
					ORDER BY abs(e.points_now) DESC, e.rule)
				FROM (SELECT * FROM leadscore.explain(r.model, dna.lead_id) x WHERE x.counted > 0
					ORDER BY abs(x.points_now) DESC, x.rule LIMIT 3) e), '[]'),
			'grade_reasons', CASE WHEN r.grade_profile IS NOT NULL AND attrs IS NOT NULL THEN coalesce((
				SELECT jsonb_agg(jsonb_build_object('criterion', g.criterion, 'steps', g.steps) ORDER BY g.criterion)
				FROM leadscore.explain_grade(r.grade_profile, attrs) g WHERE g.matched), '[]') END,
			'recent_events', coalesce((
				SELECT jsonb_agg(jsonb_build_object('kind', e.kind, 'from', e.from_value, 'to', e.to_value,
					'at', e.at, 'cause', e.cause) ORDER BY e.at DESC, e.id DESC)
				FROM (SELECT * FROM leadscore.events ev WHERE ev.model = r.model AND ev.lead_id = dna.lead_id
					ORDER BY ev.at DESC, ev.id DESC LIMIT 5) e), '[]'));
	END LOOP;
	RETURN jsonb_build_object('lead_id', lead_id, 'attributes', attrs, 'models', models);
END $$;

-- Tables attached before 0.3 get the triggers that score what logical
-- replication applies (attach_*() put them on every table from 0.3 on).
SELECT leadscore._add_replica_triggers(a.tbl, a.kind)
FROM leadscore.attachments a JOIN pg_catalog.pg_class c ON c.oid = a.tbl::oid
WHERE a.kind IN ('activities', 'leads')
ORDER BY a.tbl::oid;


------------------------------------------------------------------------
-- Rules that know time and value: frequency windows, points from a value,
-- rules over every type, rules changed in place (issue 13).
------------------------------------------------------------------------

ALTER TABLE leadscore.rules ALTER COLUMN activity_type DROP NOT NULL, ALTER COLUMN points DROP NOT NULL,
	ADD COLUMN min_count integer, ADD COLUMN within interval, ADD COLUMN cooldown interval,
	ADD COLUMN points_expression text,
	ADD CONSTRAINT rules_points_given CHECK ((points IS NULL) <> (points_expression IS NULL)),
	ADD COLUMN response_types text[], ADD COLUMN in_a_row integer;

DROP FUNCTION leadscore._check_rule(text, text[], text[], text, text, float8, text, text, integer);
DROP FUNCTION leadscore.add_rule(text, text, float8, text, text, integer, text);
CREATE FUNCTION leadscore._check_rule(model text, stages text[], rule_names text[], name text, activity_type text,
		points float8, stage text, condition text, max_count integer, min_count integer, within_us float8,
		cooldown_us float8, points_expression text) RETURNS text[]
	AS 'MODULE_PATHNAME', 'leadscore_check_rule' LANGUAGE C;
-- After a rule of `mid` changed: a new model version, every backend's
-- plans rebuilt, the tables checked, the user told.
CREATE FUNCTION leadscore._rules_changed(model text, mid integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	UPDATE leadscore.models SET version = version + 1 WHERE id = mid;
	PERFORM leadscore._check_tables();
	PERFORM leadscore._invalidate();
	PERFORM leadscore._rule_change_notice(model);
END $$;

CREATE FUNCTION leadscore.add_rule(
	model text,
	activity_type text,
	points float8,
	stage text DEFAULT NULL,
	condition text DEFAULT NULL,
	max_count integer DEFAULT NULL,
	name text DEFAULT NULL,
	min_count integer DEFAULT NULL,
	within interval DEFAULT NULL,
	cooldown interval DEFAULT NULL,
	points_expression text DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
	names text[];
	stages text[];
	base text := coalesce(activity_type, 'any_type');
	r leadscore.rules;
	normalized text[];
BEGIN
	IF activity_type = '' THEN
		RAISE EXCEPTION 'activity_type must not be empty' USING ERRCODE = '22023',
			HINT = 'Use NULL for a rule over every type.';
	END IF;
	-- One rule change at a time per model: names and versions stay unique.
	SELECT m.stages INTO stages FROM leadscore.models m WHERE m.id = mid FOR UPDATE;
	SELECT coalesce(array_agg(x.name), '{}') INTO names FROM leadscore.rules x WHERE x.model_id = mid;
	r.name := name;
	IF r.name IS NULL THEN
		r.name := base;
		WHILE r.name = ANY (names) LOOP
			r.name := base || '_' || (SELECT count(*) + 1 FROM unnest(names) n
				WHERE n = base OR n LIKE base || '\_%');
		END LOOP;
	END IF;
	r.model_id := mid;
	r.activity_type := activity_type;
	r.points := points;
	r.stage := stage;
	r.condition := condition;
	r.max_count := max_count;
	r.min_count := min_count;
	r.within := within;
	r.cooldown := coalesce(cooldown, within);
	r.points_expression := points_expression;
	normalized := leadscore._check_rule(model, stages, names, r.name, r.activity_type, r.points, r.stage,
		r.condition, r.max_count, r.min_count, extract(epoch FROM r.within) * 1000000,
		extract(epoch FROM r.cooldown) * 1000000, r.points_expression);
	INSERT INTO leadscore.rules (model_id, name, activity_type, points, stage, condition, max_count,
		min_count, within, cooldown, points_expression)
	VALUES (mid, r.name, r.activity_type, r.points, r.stage, normalized[1], r.max_count,
		r.min_count, r.within, r.cooldown, normalized[2])
	RETURNING id INTO r.id;
	PERFORM leadscore._rules_changed(model, mid);
	RETURN r.id;
END $$;

-- The opening update_rule() and update_absence_rule() share: the rule,
-- re-read once its model is locked (a concurrent change of the model's rules
-- waits for that lock, and the rule read before it may be stale), with its
-- model's name and stages and the names of the model's other rules.
CREATE FUNCTION leadscore._rule_to_update(id integer, silence boolean, OUT r leadscore.rules, OUT model text,
		OUT stages text[], OUT names text[])
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION 'a rule id is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	SELECT x.* INTO r FROM leadscore.rules x WHERE x.id = _rule_to_update.id;
	IF r.id IS NULL THEN
		RAISE EXCEPTION '% % does not exist', CASE WHEN silence THEN 'silence rule' ELSE 'rule' END, id
			USING ERRCODE = '42704';
	END IF;
	IF silence AND r.response_types IS NULL THEN
		RAISE EXCEPTION 'rule % is not a silence rule', r.name USING ERRCODE = '42704',
			HINT = 'update_rule() changes it.';
	END IF;
	IF NOT silence AND r.response_types IS NOT NULL THEN
		RAISE EXCEPTION 'rule % is a silence rule', r.name USING ERRCODE = '22023',
			HINT = 'update_absence_rule() changes it.';
	END IF;
	SELECT m.name, m.stages INTO model, stages FROM leadscore.models m WHERE m.id = r.model_id FOR UPDATE;
	SELECT x.* INTO r FROM leadscore.rules x WHERE x.id = _rule_to_update.id;
	SELECT coalesce(array_agg(x.name), '{}') INTO names FROM leadscore.rules x
		WHERE x.model_id = r.model_id AND x.id <> r.id;
END $$;

-- Changes a rule in place; an argument left NULL keeps its value.  To
-- remove a setting: condition => '' (every row of the type), stage => ''
-- (no stage), max_count => 0 (no cap), min_count => 0 (no window; within
-- and cooldown go with it).
CREATE FUNCTION leadscore.update_rule(
	id integer,
	points float8 DEFAULT NULL,
	condition text DEFAULT NULL,
	max_count integer DEFAULT NULL,
	stage text DEFAULT NULL,
	name text DEFAULT NULL,
	min_count integer DEFAULT NULL,
	within interval DEFAULT NULL,
	cooldown interval DEFAULT NULL,
	points_expression text DEFAULT NULL
) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	opened record := leadscore._rule_to_update(id, false);
	r leadscore.rules := opened.r;
	model text := opened.model;
	names text[] := opened.names;
	stages text[] := opened.stages;
	normalized text[];
BEGIN
	IF points IS NOT NULL AND points_expression IS NOT NULL THEN
		RAISE EXCEPTION 'rule % needs either points or points_expression, not both', r.name
			USING ERRCODE = '22023';
	END IF;
	-- Points replace an expression and an expression replaces points.
	r.points := CASE WHEN points_expression IS NOT NULL THEN NULL ELSE coalesce(points, r.points) END;
	r.points_expression := CASE WHEN points IS NOT NULL THEN NULL
		ELSE coalesce(points_expression, r.points_expression) END;
	r.condition := CASE WHEN condition = '' THEN NULL ELSE coalesce(condition, r.condition) END;
	r.max_count := CASE WHEN max_count = 0 THEN NULL ELSE coalesce(max_count, r.max_count) END;
	r.stage := CASE WHEN stage = '' THEN NULL ELSE coalesce(stage, r.stage) END;
	r.name := coalesce(name, r.name);
	IF min_count = 0 THEN
		IF within IS NOT NULL OR cooldown IS NOT NULL THEN
			RAISE EXCEPTION 'min_count => 0 removes the window: within and cooldown must be NULL'
				USING ERRCODE = '22023';
		END IF;
		r.min_count := NULL;
		r.within := NULL;
		r.cooldown := NULL;
	ELSE
		r.min_count := coalesce(min_count, r.min_count);
		r.cooldown := coalesce(cooldown, CASE WHEN r.within IS NULL THEN within END, r.cooldown);
		r.within := coalesce(within, r.within);
	END IF;
	normalized := leadscore._check_rule(model, stages, names, r.name, r.activity_type, r.points, r.stage,
		r.condition, r.max_count, r.min_count, extract(epoch FROM r.within) * 1000000,
		extract(epoch FROM r.cooldown) * 1000000, r.points_expression);
	UPDATE leadscore.rules x SET points = r.points, condition = normalized[1], max_count = r.max_count,
		stage = r.stage, name = r.name, min_count = r.min_count, within = r.within, cooldown = r.cooldown,
		points_expression = normalized[2]
	WHERE x.id = r.id;
	PERFORM leadscore._rules_changed(model, r.model_id);
END $$;

-- Silence rules: checks in C (src/core/model/scoring_model.cpp,
-- ValidateSilence), like _check_rule's.
CREATE FUNCTION leadscore._check_absence_rule(model text, stages text[], rule_names text[], name text,
		activity_type text, response_types text[], within_us float8, points float8, in_a_row integer, stage text)
	RETURNS void AS 'MODULE_PATHNAME', 'leadscore_check_absence_rule' LANGUAGE C;

-- A rule that scores silence: each time in_a_row activities of
-- activity_type in a row get no activity of a response type within
-- `within`, at the moment the last one's window closes.
CREATE FUNCTION leadscore.add_absence_rule(
	model text,
	activity_type text,
	response_types text[],
	within interval,
	points float8,
	in_a_row integer DEFAULT 1,
	name text DEFAULT NULL,
	stage text DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
	names text[];
	stages text[];
	rule_name text := coalesce(name, 'no_' || array_to_string(response_types, '_or_') || '_after_' || activity_type);
	new_id integer;
BEGIN
	SELECT m.stages INTO stages FROM leadscore.models m WHERE m.id = mid FOR UPDATE;
	SELECT coalesce(array_agg(x.name), '{}') INTO names FROM leadscore.rules x WHERE x.model_id = mid;
	PERFORM leadscore._check_absence_rule(model, stages, names, rule_name, activity_type, response_types,
		extract(epoch FROM within) * 1000000, points, in_a_row, stage);
	INSERT INTO leadscore.rules (model_id, name, activity_type, points, stage, within, response_types, in_a_row)
	VALUES (mid, rule_name, activity_type, points, stage, within, response_types, in_a_row)
	RETURNING id INTO new_id;
	PERFORM leadscore._rules_changed(model, mid);
	RETURN new_id;
END $$;

-- Changes a silence rule in place; an argument left NULL keeps its value.
CREATE FUNCTION leadscore.update_absence_rule(
	id integer,
	response_types text[] DEFAULT NULL,
	within interval DEFAULT NULL,
	points float8 DEFAULT NULL,
	in_a_row integer DEFAULT NULL,
	name text DEFAULT NULL,
	stage text DEFAULT NULL
) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	opened record := leadscore._rule_to_update(id, true);
	r leadscore.rules := opened.r;
	model text := opened.model;
	names text[] := opened.names;
	stages text[] := opened.stages;
BEGIN
	r.response_types := coalesce(response_types, r.response_types);
	r.within := coalesce(within, r.within);
	r.points := coalesce(points, r.points);
	r.in_a_row := coalesce(in_a_row, r.in_a_row);
	r.name := coalesce(name, r.name);
	r.stage := CASE WHEN stage = '' THEN NULL ELSE coalesce(stage, r.stage) END;
	PERFORM leadscore._check_absence_rule(model, stages, names, r.name, r.activity_type, r.response_types,
		extract(epoch FROM r.within) * 1000000, r.points, r.in_a_row, r.stage);
	UPDATE leadscore.rules x SET response_types = r.response_types, within = r.within, points = r.points,
		in_a_row = r.in_a_row, name = r.name, stage = r.stage
	WHERE x.id = r.id;
	PERFORM leadscore._rules_changed(model, r.model_id);
END $$;

-- Rows a points_expression gave no value, counted per table.
ALTER TABLE leadscore.ingest_log ADD COLUMN points_unscored bigint NOT NULL DEFAULT 0;
-- Per attached table, the rows the triggers could not score; per model,
-- the activity rows scored.
CREATE OR REPLACE VIEW leadscore.stats AS
SELECT a.tbl AS source, NULL::text AS model, NULL::bigint AS rows_scored,
	coalesce(sum(l.rows_skipped), 0)::bigint AS rows_skipped,
	coalesce(sum(l.unknown_types), 0)::bigint AS unknown_types,
	coalesce(sum(l.points_unscored), 0)::bigint AS points_unscored
FROM leadscore.attachments a
LEFT JOIN leadscore.ingest_log l ON l.tbl = a.tbl
WHERE a.kind IN ('activities', 'leads')
GROUP BY a.tbl
UNION ALL
SELECT NULL, m.name, coalesce(sum(s.activity_count), 0)::bigint, NULL, NULL, NULL
FROM leadscore.models m
LEFT JOIN leadscore.lead_state s ON s.model_id = m.id
GROUP BY m.name;

-- Lead DNA as a picture (src/sql/dna_svg.sql).
-- Any text the CRM or a model's author chose (lead keys and attributes,
-- model, stage and rule names, account keys) goes through this before it
-- enters the SVG: cut to max_chars so it cannot run off the card, the five
-- XML specials escaped, and control characters, which XML 1.0 forbids even
-- escaped, made spaces (as are U+FFFE and U+FFFF).  The ellipsis is a
-- character reference so the card is the same in every database encoding.
-- IMMUTABLE: a reader's helper, which PUBLIC may run (src/sql/privileges.sql).
CREATE FUNCTION leadscore._svg_text(t text, max_chars integer DEFAULT 60) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN replace(replace(replace(replace(replace(
		regexp_replace(left(t, CASE WHEN length(t) > max_chars THEN max_chars - 1 ELSE max_chars END),
			'[\x01-\x1f\ufffe\uffff]', ' ', 'g'),
		'&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&apos;')
	|| CASE WHEN length(t) > max_chars THEN '&#8230;' ELSE '' END;

-- One card per model, 600 px wide: score, grade, the buyer stage on the
-- model's stage line, status, the top reasons with their share of the score
-- and the account's score (its status only where the model has an
-- account_threshold).  Everything comes from dna(), which also checks the
-- key; only the models' stage lists and account thresholds are read here.
CREATE FUNCTION leadscore.dna_svg(lead_id anyelement) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	card_height constant integer := 196;
	d jsonb := leadscore.dna(lead_id);
	m jsonb;
	r jsonb;
	model record;
	svg text := '';
	attrs text;
	y integer := 80;
	i integer;
	n integer;
	x integer;
	share float8;
	status_colour text;
BEGIN
	-- The lead row's first six attributes that are not NULL, three a line.
	SELECT string_agg(format('<tspan x="12" y="%s">', 50 + 16 * (a.n / 3)) || a.items || '</tspan>', '' ORDER BY a.n)
	INTO attrs
	FROM (SELECT min(a.n) AS n, string_agg(leadscore._svg_text(a.key, 14) || ': '
				|| leadscore._svg_text(a.value #>> '{}', 18), ' &#183; ' ORDER BY a.n) AS items
		FROM (SELECT a.key, a.value, (row_number() OVER (ORDER BY a.key) - 1)::integer AS n
			FROM jsonb_each(CASE jsonb_typeof(d -> 'attributes') WHEN 'object' THEN d -> 'attributes' ELSE '{}' END) a WHERE jsonb_typeof(a.value) <> 'null'
			ORDER BY a.key LIMIT 6) a
		GROUP BY a.n / 3) a;

	FOR m IN SELECT e FROM jsonb_array_elements(d -> 'models') e LOOP
		SELECT mm.stages, mm.account_threshold INTO model FROM leadscore.models mm WHERE mm.name = m ->> 'model';
		status_colour := CASE m ->> 'status' WHEN 'sql' THEN '#15803d' WHEN 'mql' THEN '#c2410c' ELSE '#6b7280' END;
		svg := svg || format('<g class="model" data-model="%s" transform="translate(12,%s)">'
			'<rect width="576" height="%s" rx="8" fill="#f8fafc" stroke="#cbd5e1"/>'
			'<text x="14" y="24" font-size="15" font-weight="bold">%s<tspan font-weight="normal" fill="#64748b">%s</tspan></text>'
			'<rect x="486" y="9" width="76" height="21" rx="10" fill="%s"/>'
			'<text class="status" x="524" y="24" font-size="12" font-weight="bold" fill="#ffffff" text-anchor="middle">%s</text>%s',
			leadscore._svg_text(m ->> 'model', 200), y, card_height, leadscore._svg_text(m ->> 'model', 40),
			CASE WHEN m ->> 'proposition' IS NOT NULL
				THEN '  ' || leadscore._svg_text(m ->> 'proposition', 34) ELSE '' END,
			status_colour, upper(m ->> 'status'),
			CASE WHEN (m ->> 'fit_priority')::boolean
				THEN '<text x="478" y="24" font-size="11" fill="#15803d" text-anchor="end">fit priority</text>' ELSE '' END);
		-- Score, grade and band (with its channel, where the model has
		-- bands: src/sql/bands.sql).
		svg := svg || format('<text class="score" x="14" y="66" font-size="28" font-weight="bold">%s</text>'
			'<text x="14" y="82" font-size="11" fill="#64748b">score</text>'
			'<text class="grade" x="130" y="66" font-size="24" font-weight="bold">%s</text>'
			'<text x="130" y="82" font-size="11" fill="#64748b">grade</text>%s',
			round((m ->> 'score')::numeric, 1), coalesce(m ->> 'grade', '&#8211;'),
			-- On the account's line, right-aligned: short enough not to meet it.
			CASE WHEN m ->> 'band' IS NOT NULL THEN format(
				'<text class="band" x="562" y="%s" font-size="11" fill="#1d4ed8" text-anchor="end">band %s%s</text>',
				card_height - 14, leadscore._svg_text(m ->> 'band', 12),
				CASE WHEN m ->> 'channel' IS NOT NULL
					THEN ' &#183; ' || leadscore._svg_text(m ->> 'channel', 16) ELSE '' END) ELSE '' END);
		-- The buyer stage on the model's stage line: every stage in order, the
		-- lead's filled.
		n := coalesce(cardinality(model.stages), 0);
		svg := svg || '<g class="stages"><text x="242" y="44" font-size="11" fill="#64748b">buyer stage</text>';
		IF n > 0 THEN
			svg := svg || format('<line x1="%s" y1="58" x2="%s" y2="58" stroke="#94a3b8" stroke-width="2"/>',
				CASE WHEN n = 1 THEN 390 ELSE 262 END, CASE WHEN n = 1 THEN 390 ELSE 520 END);
		END IF;
		FOR i IN 1 .. n LOOP
			x := CASE WHEN n = 1 THEN 390 ELSE 262 + (258 * (i - 1)) / (n - 1) END;
			svg := svg || CASE WHEN model.stages[i] = m ->> 'stage'
				THEN format('<circle class="current" cx="%s" cy="58" r="8" fill="#1d4ed8"/>'
					'<text x="%s" y="82" font-size="11" font-weight="bold" fill="#1d4ed8" text-anchor="middle">%s</text>',
					x, x, leadscore._svg_text(model.stages[i], greatest(6, 40 / n)))
				ELSE format('<circle cx="%s" cy="58" r="6" fill="#ffffff" stroke="#94a3b8" stroke-width="2"/>'
					'<text x="%s" y="82" font-size="11" fill="#475569" text-anchor="middle">%s</text>',
					x, x, leadscore._svg_text(model.stages[i], greatest(6, 40 / n))) END;
		END LOOP;
		svg := svg || CASE WHEN m ->> 'stage' IS NULL
			THEN '<text x="312" y="44" font-size="11" fill="#64748b">none reached yet</text>' ELSE '' END || '</g>';
		-- The top reasons: rule, points now, and a bar of the share of the
		-- score (negative rules in red; a share above 1 when negative rules
		-- pull the score down is drawn full).
		svg := svg || format('<g class="reasons"><text x="14" y="106" font-size="11" fill="#64748b">top reasons: points now, share of the score</text>'
			'<text class="activities" x="562" y="106" font-size="11" fill="#64748b" text-anchor="end">%s activit%s%s</text>',
			m ->> 'activities', CASE WHEN m ->> 'activities' = '1' THEN 'y' ELSE 'ies' END,
			CASE WHEN m ->> 'last_activity_at' IS NOT NULL
				THEN ', the last on ' || left(m ->> 'last_activity_at', 10) ELSE '' END);
		i := 0;
		FOR r IN SELECT e FROM jsonb_array_elements(m -> 'top_reasons') e LOOP
			share := coalesce((r ->> 'share')::float8, 0);
			svg := svg || format('<text x="14" y="%s" font-size="12">%s</text>'
				'<rect x="230" y="%s" width="%s" height="12" rx="2" fill="%s"/>'
				'<text x="%s" y="%s" font-size="12">%s%s pts &#183; %s %%</text>',
				124 + 20 * i, leadscore._svg_text(r ->> 'rule', 30),
				114 + 20 * i, round(200 * least(abs(share), 1)), CASE WHEN share < 0 THEN '#dc2626' ELSE '#3b82f6' END,
				238 + round(200 * least(abs(share), 1)), 124 + 20 * i,
				CASE WHEN (r ->> 'points_now')::float8 > 0 THEN '+' ELSE '' END,
				round((r ->> 'points_now')::numeric, 1), round(100 * share::numeric));
			i := i + 1;
		END LOOP;
		IF i = 0 THEN
			svg := svg || '<text x="14" y="124" font-size="12" fill="#64748b">no activity counts</text>';
		END IF;
		svg := svg || '</g>';
		svg := svg || format('<text class="account" x="14" y="%s" font-size="11">%s</text></g>', card_height - 14,
			CASE WHEN m -> 'account' IS NULL OR jsonb_typeof(m -> 'account') = 'null' THEN 'no account'
			ELSE format('account %s: score %s from %s engaged lead%s%s', leadscore._svg_text(m -> 'account' ->> 'account_id', 16),
				round((m -> 'account' ->> 'score')::numeric, 1), m -> 'account' ->> 'engaged_leads',
				CASE WHEN m -> 'account' ->> 'engaged_leads' = '1' THEN '' ELSE 's' END,
				CASE WHEN model.account_threshold IS NOT NULL
					THEN format(', %s (threshold %s)', m -> 'account' ->> 'status', model.account_threshold) ELSE '' END) END);
		y := y + card_height + 12;
	END LOOP;
	IF jsonb_array_length(d -> 'models') = 0 THEN
		svg := '<text x="12" y="100" font-size="13" fill="#64748b">no score in any model</text>';
		y := y + 36;
	END IF;
	RETURN format('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="%s" viewBox="0 0 600 %s" '
		'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" role="img">'
		'<title>Lead DNA of %s</title><rect width="600" height="%s" fill="#ffffff"/>'
		'<text class="lead" x="12" y="28" font-size="18" font-weight="bold">Lead %s</text>'
		'<text class="attributes" font-size="11" fill="#475569">%s</text>%s</svg>',
		y, y, leadscore._svg_text(d ->> 'lead_id', 200), y, leadscore._svg_text(d ->> 'lead_id', 60),
		coalesce(attrs, '<tspan x="12" y="50">no lead row</tspan>'), svg);
END $$;
COMMENT ON FUNCTION leadscore.dna_svg(anyelement) IS
	'dna() as a self-contained SVG, 600 px wide: per model score, grade, band and channel, buyer stage on the stage line, status, top reasons with their share, the account''s score';

------------------------------------------------------------------------
-- Score history (README "Score history"): a lead's score at past times,
-- recomputed from its rows up to each time, as evaluate() scores a
-- backtest.  Readers (STABLE): they read the lead's CRM rows with the
-- rights explain() reads them with.
------------------------------------------------------------------------

CREATE FUNCTION leadscore.score_at(model text, lead_id anyelement, at timestamptz) RETURNS float8
	AS 'MODULE_PATHNAME', 'leadscore_score_at' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.score_at(text, anyelement, timestamptz) IS
	'the lead''s score at `at`: its activity up to then, decayed to then, with caps, windows and silence scorings due by then; clamped at max_score';

-- band: the one the score reaches (the bands of today).  status: the SQL gate uses the
-- lead's grade today (grades are not historised), as evaluate() does.
CREATE FUNCTION leadscore.score_history(model text, lead_id anyelement, since timestamptz, until timestamptz,
		step interval)
	RETURNS TABLE (at timestamptz, score float8, band text, status text)
	AS 'MODULE_PATHNAME', 'leadscore_score_history' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.score_history(text, anyelement, timestamptz, timestamptz, interval) IS
	'the lead''s score and status at since, since + step, ... up to until (at most 100000 points), as score_at() computes each';

------------------------------------------------------------------------
-- The handoff queue (src/sql/handoffs.sql): a lead that becomes SQL is
-- handed to its lead row's owner (attach_leads' owner_column) or to the
-- pool's rep with room, with the model's handoff_sla; sales accept or
-- reject it, tick() expires it.  Closes are events of kind 'handoff'.
------------------------------------------------------------------------
ALTER TABLE leadscore.models ADD COLUMN handoff_sla interval;
ALTER TABLE leadscore.attachments ADD COLUMN owner_column name;
ALTER TABLE leadscore.events DROP CONSTRAINT events_kind_check, DROP CONSTRAINT events_cause_check,
	ADD CONSTRAINT events_kind_check CHECK (kind IN ('status', 'stage', 'grade', 'band', 'handoff')),
	ADD CONSTRAINT events_cause_check CHECK (cause IN ('activity', 'lead', 'decay', 'rescore', 'sales', 'sla'));

CREATE OR REPLACE FUNCTION leadscore._fix_key_type(kind text, tbl regclass, col name, key_type regtype) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	current regtype;
	wanted regtype := CASE WHEN key_type = 'character varying'::regtype THEN 'text'::regtype ELSE key_type END;
	columns text[] := CASE kind
		WHEN 'lead' THEN '{lead_state.lead_id,events.lead_id,lead_accounts.lead_id,handoffs.lead_id}'::text[]
		ELSE '{lead_accounts.account_id,account_state.account_id,account_events.account_id}'::text[] END;
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

DROP FUNCTION leadscore.attach_leads(regclass, name, name);
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

DROP FUNCTION leadscore.create_model(text, interval, float8, float8, leadscore.grade, text[], text, text, float8,
	float8, leadscore.grade, boolean, float8);
CREATE FUNCTION leadscore.create_model(
	name text,
	half_life interval DEFAULT '30 days',
	mql_threshold float8 DEFAULT 50,
	sql_threshold float8 DEFAULT 100,
	sql_min_grade leadscore.grade DEFAULT 'B',
	stages text[] DEFAULT '{awareness,consideration,decision}',
	proposition text DEFAULT NULL,
	grade_profile text DEFAULT NULL,
	max_score float8 DEFAULT NULL,
	stage_min_points float8 DEFAULT 10,
	fit_min_grade leadscore.grade DEFAULT 'A-',
	active boolean DEFAULT true,
	account_threshold float8 DEFAULT NULL,
	handoff_sla interval DEFAULT NULL,
	momentum_half_life interval DEFAULT '7 days',
	momentum_ranking boolean DEFAULT false
) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id integer;
	stage text;
BEGIN
	PERFORM leadscore._check_name('model name', name);
	IF btrim(name) = '' THEN
		RAISE EXCEPTION 'model name must not be empty' USING ERRCODE = '22023';
	END IF;
	FOREACH stage IN ARRAY coalesce(stages, '{}') LOOP
		PERFORM leadscore._check_name('stage name', coalesce(stage, ''));
	END LOOP;
	IF EXISTS (SELECT 1 FROM leadscore.models m WHERE m.name = create_model.name) THEN
		RAISE EXCEPTION 'model "%" already exists', name USING ERRCODE = '42710';
	END IF;
	PERFORM leadscore._check_model(name, half_life, mql_threshold, sql_threshold, coalesce(stages, '{}'),
		stage_min_points, max_score);
	IF grade_profile IS NOT NULL THEN
		PERFORM leadscore._profile_id(grade_profile);
	END IF;
	IF fit_min_grade IS NULL THEN
		RAISE EXCEPTION 'fit_min_grade must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF active IS NULL THEN
		RAISE EXCEPTION 'active must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	-- At most 1e15: times an account weight (up to 2^600) it must stay
	-- finite where account_scores compares it (the other thresholds:
	-- _check_model).
	IF account_threshold IS NOT NULL AND NOT (account_threshold > 0 AND account_threshold <= 1e15) THEN
		RAISE EXCEPTION 'account_threshold must be a positive number%, not %', CASE WHEN account_threshold > 1e15 AND account_threshold < 'Infinity' THEN ' up to 1e+15' ELSE '' END, account_threshold USING ERRCODE = '22023',
			HINT = 'Use NULL for a model whose accounts have no status.';
	END IF;
	PERFORM leadscore._check_handoff_sla(handoff_sla);
	PERFORM leadscore._check_momentum_half_life(momentum_half_life);
	IF momentum_ranking IS NULL THEN
		RAISE EXCEPTION 'momentum_ranking must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	INSERT INTO leadscore.models (name, half_life, mql_threshold, sql_threshold, sql_min_grade, stages,
		stage_min_points, proposition, grade_profile, max_score, fit_min_grade, active, account_threshold, epoch,
		handoff_sla, momentum_half_life, momentum_ranking)
	VALUES (name, half_life, mql_threshold, sql_threshold, sql_min_grade, coalesce(stages, '{}'),
		stage_min_points, proposition, grade_profile, max_score, fit_min_grade, active,
		account_threshold, date_trunc('second', now()), handoff_sla, momentum_half_life, momentum_ranking)
	RETURNING id INTO new_id;
	-- The profile's criteria against the attached lead tables: a column
	-- they lack fails here, not in the CRM's next lead insert.
	IF grade_profile IS NOT NULL THEN
		PERFORM leadscore._check_lead_tables();
	END IF;
	PERFORM leadscore._invalidate();
	RETURN new_id;
END $$;

-- The pool of a model's reps: capacity is the most open handoffs a rep
-- may hold.  last_assigned_at breaks ties between equally loaded reps.
CREATE TABLE leadscore.owners (
	model text NOT NULL REFERENCES leadscore.models (name) ON UPDATE CASCADE ON DELETE CASCADE,
	owner text NOT NULL,
	capacity integer NOT NULL CHECK (capacity >= 0),
	last_assigned_at timestamptz,
	PRIMARY KEY (model, owner)
);

-- One row per handoff; history, like leadscore.events (no foreign key: it
-- outlives its model and its rep).  lead_id is retyped with lead_state's.
-- owner NULL: nobody could take it (no owner on the lead row, every rep
-- at capacity).  due_by NULL: the model has no handoff_sla.
CREATE TABLE leadscore.handoffs (
	id bigserial PRIMARY KEY,
	model text NOT NULL,
	lead_id bigint NOT NULL,
	owner text,
	created_at timestamptz NOT NULL,
	due_by timestamptz,
	status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected', 'expired')),
	reason text,                             -- reject_handoff()'s
	closed_at timestamptz,
	CONSTRAINT handoffs_closed CHECK ((status = 'open') = (closed_at IS NULL))
);
-- At most one open handoff per lead and model, whatever races.  Led by
-- lead_id: led by model, it looked as good to a planner without
-- statistics for counting a rep's load, and a bulk load that qualified
-- thousands of leads counted every open handoff of the model per rep
-- and lead (quadratic).
CREATE UNIQUE INDEX handoffs_open ON leadscore.handoffs (lead_id, model) WHERE status = 'open';
-- A rep's load (and the handoffs waiting for one: owner NULL), and a
-- rep's latest handoff: the pool's choice.
CREATE INDEX handoffs_owner_open ON leadscore.handoffs (owner, model) WHERE status = 'open';
CREATE INDEX handoffs_owner ON leadscore.handoffs (model, owner, id);
-- tick(): the open handoffs past their SLA.
CREATE INDEX handoffs_due ON leadscore.handoffs (due_by) WHERE status = 'open';
-- handoff_stats(): a model's handoffs since a time.
CREATE INDEX handoffs_created ON leadscore.handoffs (model, created_at);

-- lead_id has the database's lead key type, as events' (an upgraded
-- database may have fixed it already).
DO $$
DECLARE
	key_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
BEGIN
	IF key_type IS NOT NULL THEN
		EXECUTE format('ALTER TABLE leadscore.handoffs ALTER COLUMN lead_id TYPE %s', key_type);
	END IF;
END $$;

SELECT pg_catalog.pg_extension_config_dump('leadscore.owners', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.handoffs', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.handoffs_id_seq', '');

-- A handoff SLA is a positive time or NULL (no SLA).
CREATE FUNCTION leadscore._check_handoff_sla(sla interval) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF sla IS NOT NULL AND NOT (sla > interval '0' AND isfinite(now() + sla)) THEN
		RAISE EXCEPTION 'handoff_sla must be a positive interval, not %', sla USING ERRCODE = '22023',
			HINT = 'Use NULL for handoffs without a due time.';
	END IF;
END $$;

-- New handoffs are due sla after they open; open ones keep their due_by.
CREATE FUNCTION leadscore.set_handoff_sla(model text, sla interval) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	PERFORM leadscore._check_handoff_sla(sla);
	UPDATE leadscore.models m SET handoff_sla = sla WHERE m.id = mid;
END $$;

-- Adds a rep to a model's pool, or changes a rep's capacity.
CREATE FUNCTION leadscore.add_owner(model text, owner text, capacity integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	IF owner IS NULL OR capacity IS NULL THEN
		RAISE EXCEPTION 'add_owner needs an owner and a capacity, not NULL' USING ERRCODE = '22004';
	END IF;
	IF btrim(owner) = '' THEN
		RAISE EXCEPTION 'owner must not be empty' USING ERRCODE = '22023';
	END IF;
	IF capacity < 0 THEN
		RAISE EXCEPTION 'capacity must not be negative, not %', capacity USING ERRCODE = '22023',
			HINT = 'Capacity is the most open handoffs the rep may hold; 0 takes the rep out of the rotation.';
	END IF;
	-- The name first: Citus runs no subquery in an INSERT's VALUES.
	model := (SELECT m.name FROM leadscore.models m WHERE m.id = mid);
	INSERT INTO leadscore.owners AS o (model, owner, capacity) VALUES (model, owner, capacity)
	ON CONFLICT ON CONSTRAINT owners_pkey DO UPDATE SET capacity = excluded.capacity;
END $$;

-- Takes a rep out of the pool; the handoffs they hold stay theirs.
CREATE FUNCTION leadscore.remove_owner(model text, owner text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	IF owner IS NULL THEN
		RAISE EXCEPTION 'remove_owner needs an owner, not NULL' USING ERRCODE = '22004';
	END IF;
	DELETE FROM leadscore.owners o USING leadscore.models m
	WHERE m.id = mid AND o.model = m.name AND o.owner = remove_owner.owner;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'owner "%" is not in the pool of model "%"', owner, model USING ERRCODE = '42704',
			HINT = 'leadscore.owners lists the pool.';
	END IF;
END $$;

-- Who gets a handoff of `lead`: the lead row's owner (the owner_column of
-- an attached lead table, read as the table's owner like every read of a
-- CRM table), else the pool's rep with the fewest open handoffs below
-- capacity (then the oldest last assignment, then the name), else nobody
-- (NULL).  A lead row that cannot be read (its owner column dropped or
-- renamed since) leaves the choice to the pool.
--
-- Cost: a bulk load that qualifies thousands of leads in one transaction
-- must stay linear, and every version of a row it updates stays until it
-- commits: so a rep's load is counted up to capacity only, and a rep's
-- row is updated once a transaction (last_assigned_at, the transaction's
-- time); within a transaction the rep whose latest handoff is older goes
-- first.
--
-- The pool's rows are locked in name order before the count, so two
-- writers cannot both give a rep its last free place.  A writer waits at
-- most lock_timeout for another's pool lock (held to its commit), then
-- fails here and its caller leaves the handoff unassigned: a writer that
-- holds a lead the other one needs next would otherwise deadlock with it,
-- and the deadlock detector would fail one of the CRM's transactions.
CREATE FUNCTION leadscore._handoff_owner(handoff_model text, lead anyelement) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET lock_timeout = '500ms' AS $$
DECLARE
	a record;
	who text;
BEGIN
	FOR a IN SELECT t.tbl, t.lead_column, t.owner_column FROM leadscore.attachments t
			WHERE t.kind = 'leads' AND t.owner_column IS NOT NULL ORDER BY t.tbl::oid LOOP
		BEGIN
			SELECT r.o INTO who FROM leadscore._read_as_owner(a.tbl,
				format('SELECT %I::text FROM %s WHERE %I = %L AND %I IS NOT NULL LIMIT 1',
					a.owner_column, a.tbl, a.lead_column, lead, a.owner_column)) AS r(o text);
		EXCEPTION WHEN OTHERS THEN
			who := NULL;
		END;
		EXIT WHEN who IS NOT NULL;
	END LOOP;
	IF who IS NULL THEN
		PERFORM 1 FROM leadscore.owners o WHERE o.model = handoff_model ORDER BY o.owner FOR UPDATE;
		IF leadscore._distributed() THEN
			-- On Citus (tick() assigns every handoff there:
			-- src/pg/state/lifecycle_store.cpp) no subquery over the
			-- distributed queue correlates with the pool: the reps' loads in
			-- one aggregate.
			SELECT o.owner INTO who FROM leadscore.owners o
				LEFT JOIN (SELECT h.owner, count(*) FILTER (WHERE h.status = 'open') AS n, max(h.id) AS id
					FROM leadscore.handoffs h WHERE h.model = handoff_model GROUP BY h.owner) l ON l.owner = o.owner
			WHERE o.model = handoff_model AND coalesce(l.n, 0) < o.capacity
			ORDER BY coalesce(l.n, 0), o.last_assigned_at NULLS FIRST, l.id NULLS FIRST, o.owner
			LIMIT 1;
		ELSE
			SELECT o.owner INTO who FROM leadscore.owners o
				CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT FROM leadscore.handoffs h
					WHERE h.model = o.model AND h.owner = o.owner AND h.status = 'open' LIMIT o.capacity) c) l
				CROSS JOIN LATERAL (SELECT max(h.id) AS id FROM leadscore.handoffs h
					WHERE h.model = o.model AND h.owner = o.owner) last
			WHERE o.model = handoff_model AND l.n < o.capacity
			ORDER BY l.n, o.last_assigned_at NULLS FIRST, last.id NULLS FIRST, o.owner
			LIMIT 1;
		END IF;
	END IF;
	UPDATE leadscore.owners o SET last_assigned_at = now()
	WHERE o.model = handoff_model AND o.owner = who AND o.last_assigned_at IS DISTINCT FROM now();
	RETURN who;
END $$;

-- Opens the handoff of a lead that has just become sales-qualified, in
-- the writer's transaction, with its owner (_handoff_owner).  It never
-- fails the CRM's write: whatever goes wrong leaves the handoff unassigned
-- (or, failing that too, not opened, with a WARNING).
--
-- No handoff when the lead is not sales-qualified any more (a batch of
-- history that crossed SQL and decayed since; a pg_restore, which loads
-- events before lead_state) or already has an open one (the unique index
-- handoffs_open).  A rejected lead gets a new one only after an event
-- that moves it back to sql, which needs a move below sql first.
--
-- A SERIALIZABLE writer reads nothing of the queue's: its reads of lead
-- state, handoffs and the pool took predicate locks that writers of other
-- leads conflict with, and one of two writers qualifying leads at once
-- failed at commit.  Its handoff opens unassigned (only the unique index
-- keeps it single, and ON CONFLICT takes no predicate lock); tick()
-- assigns it.
CREATE FUNCTION leadscore._open_handoff(handoff_model text, lead anyelement) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	who text;
	sla interval;
BEGIN
	SELECT m.handoff_sla INTO sla FROM leadscore.models m WHERE m.name = handoff_model;
	IF current_setting('transaction_isolation') <> 'serializable' THEN
		IF NOT EXISTS (SELECT 1 FROM leadscore.lead_state s JOIN leadscore.models m ON m.id = s.model_id
				WHERE m.name = handoff_model AND s.lead_id = lead AND s.status = 'sql')
			OR EXISTS (SELECT 1 FROM leadscore.handoffs h
				WHERE h.model = handoff_model AND h.lead_id = lead AND h.status = 'open') THEN
			RETURN;
		END IF;
		BEGIN
			who := leadscore._handoff_owner(handoff_model, lead);
		EXCEPTION WHEN OTHERS THEN
			who := NULL;
		END;
	END IF;
	BEGIN
		INSERT INTO leadscore.handoffs (model, lead_id, owner, created_at, due_by)
		VALUES (handoff_model, lead, who, now(), now() + sla)
		ON CONFLICT (lead_id, model) WHERE status = 'open' DO NOTHING;
	EXCEPTION WHEN OTHERS THEN
		RAISE WARNING 'leadscore: no handoff for lead % of model "%": %', lead, handoff_model, SQLERRM;
	END;
END $$;

-- The handoffs of the leads one INSERT into events made sales-qualified
-- (every move to sql but rescore()'s), in event order.  A lead that has
-- nobody to be chosen for it (no lead table with an owner column, no pool
-- for its model) opens unassigned, and all such leads of the statement in
-- one INSERT: a sync batch that qualifies thousands of leads paid a
-- function call with four queries and two subtransactions for each
-- (bench/README.md, "The sync batch's slowdown").  The others go one by one through
-- _open_handoff, whose choice of owner reads and locks.
CREATE FUNCTION leadscore._handoffs_on_sql() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	e record;
	owner_column boolean;
	serializable boolean := current_setting('transaction_isolation') = 'serializable';
BEGIN
	-- Most inserts of events qualify nobody.
	IF NOT EXISTS (SELECT FROM new_events n WHERE n.kind = 'status' AND n.to_value = 'sql' AND n.cause <> 'rescore') THEN
		RETURN NULL;
	END IF;
	owner_column := EXISTS (SELECT FROM leadscore.attachments t WHERE t.kind = 'leads' AND t.owner_column IS NOT NULL);
	FOR e IN SELECT n.model, n.lead_id FROM new_events n
			WHERE n.kind = 'status' AND n.to_value = 'sql' AND n.cause <> 'rescore'
				AND (owner_column OR EXISTS (SELECT FROM leadscore.owners o WHERE o.model = n.model))
			ORDER BY n.id LOOP
		PERFORM leadscore._open_handoff(e.model, e.lead_id);
	END LOOP;
	IF owner_column THEN
		RETURN NULL;
	END IF;
	BEGIN
		INSERT INTO leadscore.handoffs (model, lead_id, owner, created_at, due_by)
		SELECT n.model, n.lead_id, NULL, now(), now() + m.handoff_sla
		FROM new_events n JOIN leadscore.models m ON m.name = n.model
		WHERE n.kind = 'status' AND n.to_value = 'sql' AND n.cause <> 'rescore'
			AND NOT EXISTS (SELECT FROM leadscore.owners o WHERE o.model = n.model)
			AND (serializable OR EXISTS (SELECT FROM leadscore.lead_state s
				WHERE s.model_id = m.id AND s.lead_id = n.lead_id AND s.status = 'sql'))
		ORDER BY n.id
		ON CONFLICT (lead_id, model) WHERE status = 'open' DO NOTHING;
	EXCEPTION WHEN OTHERS THEN
		RAISE WARNING 'leadscore: no handoffs for % leads: %',
			(SELECT count(*) FROM new_events n WHERE n.kind = 'status' AND n.to_value = 'sql'), SQLERRM;
	END;
	RETURN NULL;
END $$;

-- ALWAYS: a subscriber scores replicated rows with session_replication_role
-- = replica (replica_rows.hpp), and its handoffs to sales are handoffs too.
CREATE TRIGGER handoff_on_sql AFTER INSERT ON leadscore.events
	REFERENCING NEW TABLE AS new_events
	FOR EACH STATEMENT EXECUTE FUNCTION leadscore._handoffs_on_sql();
ALTER TABLE leadscore.events ENABLE ALWAYS TRIGGER handoff_on_sql;

-- The event of a handoff's close (kind 'handoff', from 'open' to its new
-- status), with the lead's score and grade then.
CREATE FUNCTION leadscore._handoff_event(h leadscore.handoffs, cause text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	s record;
BEGIN
	-- Read, then written: Citus inserts no row built from a distributed read.
	SELECT ls.score, ls.grade INTO s FROM leadscore.lead_scores ls
	WHERE ls.model = h.model AND ls.lead_id = h.lead_id LIMIT 1;
	INSERT INTO leadscore.events (model, lead_id, kind, from_value, to_value, score, grade, at, cause)
	VALUES (h.model, h.lead_id, 'handoff', 'open', h.status, coalesce(s.score, 0), s.grade, h.closed_at,
		_handoff_event.cause);
END $$;

CREATE FUNCTION leadscore._close_handoff(handoff bigint, status text, reason text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	h leadscore.handoffs;
BEGIN
	IF handoff IS NULL THEN
		RAISE EXCEPTION 'a handoff id is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	-- Found, then locked by its lead too: on Citus the queue is distributed
	-- by lead, and no FOR UPDATE runs across its shards.
	SELECT x.* INTO h FROM leadscore.handoffs x WHERE x.id = handoff;
	SELECT x.* INTO h FROM leadscore.handoffs x WHERE x.lead_id = h.lead_id AND x.id = handoff FOR UPDATE;
	IF h.id IS NULL THEN
		RAISE EXCEPTION 'handoff % does not exist', handoff USING ERRCODE = '42704',
			HINT = 'leadscore.handoffs lists the handoffs.';
	END IF;
	IF h.status <> 'open' THEN
		RAISE EXCEPTION 'handoff % is % already', handoff, h.status USING ERRCODE = '55000',
			DETAIL = format('It was closed at %s.', h.closed_at);
	END IF;
	UPDATE leadscore.handoffs x SET status = _close_handoff.status, reason = _close_handoff.reason,
		closed_at = now()
	WHERE x.lead_id = h.lead_id AND x.id = handoff
	RETURNING x.* INTO h;
	PERFORM leadscore._handoff_event(h, 'sales');
END $$;

CREATE FUNCTION leadscore.accept_handoff(id bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT leadscore._close_handoff(id, 'accepted', NULL) $$;

CREATE FUNCTION leadscore.reject_handoff(id bigint, reason text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF reason IS NULL THEN
		RAISE EXCEPTION 'a reason is needed, not NULL' USING ERRCODE = '22004',
			HINT = 'The monthly review counts rejections by reason (handoff_stats()).';
	END IF;
	PERFORM leadscore._close_handoff(id, 'rejected', reason);
END $$;

-- The open handoffs without an owner get one if there is one now, the
-- oldest first, up to `n`.  On Citus no FOR UPDATE runs across the
-- queue's shards: they are read unlocked (the UPDATE of each takes its
-- row).
CREATE FUNCTION leadscore._assign_handoffs(n integer, distributed boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	h leadscore.handoffs;
	who text;
BEGIN
	FOR h IN EXECUTE 'SELECT x.* FROM leadscore.handoffs x WHERE x.status = ''open'' AND x.owner IS NULL'
			' ORDER BY x.id LIMIT $1' || CASE WHEN distributed THEN '' ELSE ' FOR UPDATE SKIP LOCKED' END USING n LOOP
		BEGIN
			who := leadscore._handoff_owner(h.model, h.lead_id);
			UPDATE leadscore.handoffs x SET owner = who
			WHERE x.lead_id = h.lead_id AND x.id = h.id AND x.status = 'open' AND x.owner IS NULL;
		EXCEPTION WHEN OTHERS THEN
			NULL;  -- a pool another transaction holds: the next tick()
		END;
	END LOOP;
END $$;

-- tick(): the open handoffs past due_by by `now` expire, each an event and
-- an escalation NOTIFY (sent at commit; none with settings.notify 'off';
-- only the handoff's id with notify_payload 'id' or when the full payload
-- would be too long).  A handoff that sales hold (accepting or rejecting
-- it) is skipped: the next tick() expires it if they did not close it.
-- Then the open handoffs without an owner (SERIALIZABLE writers', those
-- that found every rep full) get one if there is one now, at most 100 a
-- tick; returns the handoffs expired.
--
-- On Citus every handoff opens without an owner (src/pg/state/
-- lifecycle_store.cpp): those get theirs first, up to 1000 a tick, so that
-- a handoff expires with the owner it has on one server.  No FOR UPDATE
-- runs across the queue's shards: every due handoff expires, tick()
-- waiting for those that sales hold.
CREATE FUNCTION leadscore._tick_handoffs(now timestamptz) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	h leadscore.handoffs;
	mode text;
	payload text;
	expired bigint := 0;
	distributed boolean := leadscore._distributed();
BEGIN
	SELECT s.notify, s.notify_payload INTO mode, payload FROM leadscore.settings s;
	IF distributed THEN
		PERFORM leadscore._assign_handoffs(1000, true);
	END IF;
	FOR h IN EXECUTE CASE WHEN distributed
		THEN 'WITH x AS (UPDATE leadscore.handoffs x SET status = ''expired'', closed_at = $1'
			' WHERE x.status = ''open'' AND x.due_by <= $1 RETURNING x.*) SELECT x.* FROM x ORDER BY x.id'
		ELSE 'UPDATE leadscore.handoffs x SET status = ''expired'', closed_at = $1'
			' WHERE x.id IN (SELECT y.id FROM leadscore.handoffs y'
			' WHERE y.status = ''open'' AND y.due_by <= $1 ORDER BY y.id FOR UPDATE SKIP LOCKED) RETURNING x.*' END
		USING _tick_handoffs.now
	LOOP
		PERFORM leadscore._handoff_event(h, 'sla');
		expired := expired + 1;
		CONTINUE WHEN mode = 'off';
		DECLARE
			full_payload text := json_build_object('kind', 'escalation', 'handoff_id', h.id, 'model', h.model,
				'lead_id', h.lead_id, 'owner', h.owner, 'due_by', h.due_by)::text;
		BEGIN
			PERFORM pg_notify('leadscore', CASE
				WHEN payload IS DISTINCT FROM 'id' AND octet_length(full_payload) < 8000 THEN full_payload
				ELSE json_build_object('kind', 'escalation', 'handoff_id', h.id)::text END);
		END;
	END LOOP;
	IF NOT distributed THEN
		PERFORM leadscore._assign_handoffs(100, false);
	END IF;
	RETURN expired;
END $$;

-- The monthly review: per rep (owner NULL, overall false: the unassigned
-- handoffs) and overall (owner NULL, overall true, last), the handoffs
-- opened since `since`: how many, how they ended, the rejections by
-- reason, and the median time from handoff to acceptance.
CREATE FUNCTION leadscore.handoff_stats(model text, since timestamptz)
RETURNS TABLE (owner text, overall boolean, handed_off bigint, open bigint, accepted bigint, rejected bigint,
	rejected_by_reason jsonb, expired bigint, median_time_to_accept interval)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
	name text;
BEGIN
	SELECT m.name INTO name FROM leadscore.models m WHERE m.id = leadscore._model_id(handoff_stats.model);
	IF since IS NULL THEN
		RAISE EXCEPTION 'since is needed, not NULL' USING ERRCODE = '22004',
			HINT = 'Use ''-infinity'' for every handoff.';
	END IF;
	RETURN QUERY
	WITH h AS (SELECT x.* FROM leadscore.handoffs x WHERE x.model = name AND x.created_at >= since),
	g AS (
		SELECT h.owner, GROUPING(h.owner) = 1 AS overall, count(*) AS handed_off,
			count(*) FILTER (WHERE h.status = 'open') AS open,
			count(*) FILTER (WHERE h.status = 'accepted') AS accepted,
			count(*) FILTER (WHERE h.status = 'rejected') AS rejected,
			count(*) FILTER (WHERE h.status = 'expired') AS expired,
			percentile_cont(0.5) WITHIN GROUP (ORDER BY h.closed_at - h.created_at)
				FILTER (WHERE h.status = 'accepted') AS median_time_to_accept
		FROM h GROUP BY GROUPING SETS ((h.owner), ())
	)
	SELECT g.owner, g.overall, g.handed_off, g.open, g.accepted, g.rejected,
		(SELECT coalesce(jsonb_object_agg(r.reason, r.n), '{}') FROM (SELECT h.reason, count(*) AS n FROM h
			WHERE h.status = 'rejected' AND (g.overall OR h.owner IS NOT DISTINCT FROM g.owner)
			GROUP BY h.reason) r),
		g.expired, g.median_time_to_accept
	FROM g ORDER BY g.overall, g.owner NULLS LAST;
END $$;
COMMENT ON FUNCTION leadscore.handoff_stats(text, timestamptz) IS
	'the handoffs of a model opened since a time, per rep and overall: handed off, open, accepted, rejected (by reason), expired, median time to accept';

------------------------------------------------------------------------
-- Adjustments and resets (src/sql/adjustments.sql): sales' manual ledger
-- of a lead's score; adjust() and reset() write events of their causes.
------------------------------------------------------------------------
ALTER TABLE leadscore.events DROP CONSTRAINT events_cause_check,
	ADD CONSTRAINT events_cause_check
	CHECK (cause IN ('activity', 'lead', 'decay', 'rescore', 'sales', 'sla', 'adjustment', 'reset'));
ALTER TABLE leadscore.account_events DROP CONSTRAINT account_events_cause_check,
	ADD CONSTRAINT account_events_cause_check
	CHECK (cause IN ('activity', 'lead', 'decay', 'rescore', 'adjustment', 'reset'));

CREATE OR REPLACE FUNCTION leadscore._fix_key_type(kind text, tbl regclass, col name, key_type regtype) RETURNS void
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

-- One row per adjustment or reset; lead_id is retyped with lead_state's
-- when the first attachment fixes the lead key type.  Until then it is
-- text, not bigint like the other tables' keys: pg_restore loads tables in
-- name order, this one before the attachments that fix the key type, and
-- its rows convert from text (adjust() needs a key type, so a database
-- has rows here only then).  The rows belong to their model's scoring and
-- go with it (a model of the same name made later starts without them).
CREATE TABLE leadscore.adjustments (
	id bigserial PRIMARY KEY,
	model text NOT NULL REFERENCES leadscore.models (name) ON UPDATE CASCADE ON DELETE CASCADE,
	lead_id text NOT NULL,
	kind text NOT NULL CHECK (kind IN ('adjust', 'reset')),
	points float8 CHECK ((kind = 'adjust') = (points IS NOT NULL) AND points::text NOT IN ('NaN', 'Infinity', '-Infinity')),
	reason text NOT NULL,
	at timestamptz NOT NULL,
	made_by name NOT NULL
);
-- A lead's ledger (recomputes), and the model's (verify(), rescore()).
CREATE INDEX adjustments_lead ON leadscore.adjustments (model, lead_id, at);

-- lead_id has the database's lead key type (an upgraded database may have
-- fixed it already).
DO $$
DECLARE
	key_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
BEGIN
	IF key_type IS NOT NULL THEN
		EXECUTE format('ALTER TABLE leadscore.adjustments ALTER COLUMN lead_id TYPE %s USING lead_id::%s',
			key_type, key_type);
	END IF;
END $$;

SELECT pg_catalog.pg_extension_config_dump('leadscore.adjustments', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.adjustments_id_seq', '');

-- Recomputes lead `lead` of model `model_id` from its history and ledger
-- and writes its state and lifecycle, as a writer's reload does, under the
-- writer's lock of the lead, as of `at`; `kind` names the events' cause.
-- Called for ledger row `entry` as read from `ledger`, the table it lives
-- in: on Citus the lead's shard of adjustments, where the call runs with
-- the lead's other shards (src/pg/admin/ledger_functions.cpp).
CREATE FUNCTION leadscore._reload_lead(ledger oid, entry bigint, model_id integer, lead anyelement, kind text,
	at timestamptz) RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_reload_lead' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;

-- Writes a ledger row and rescores the lead.  The lead key is given as the
-- CRM has it: integers for integer keys, text or varchar for text keys;
-- any other type is a mistake worth naming (42804), as in score_at().
CREATE FUNCTION leadscore._ledger_entry(model text, lead anyelement, kind text, points float8, reason text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer;
	model_name text;
	made_by name;
	key_type regtype;
	given regtype := pg_typeof(lead);
	row_id bigint;
	first boolean;
BEGIN
	PERFORM leadscore._on_coordinator(kind);
	mid := leadscore._model_id(model);
	model_name := (SELECT m.name FROM leadscore.models m WHERE m.id = mid);
	made_by := (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = leadscore._calling_role());
	key_type := (SELECT s.lead_key_type FROM leadscore.settings s);
	IF lead IS NULL OR reason IS NULL OR (kind = 'adjust' AND points IS NULL) THEN
		RAISE EXCEPTION '% needs a lead_id%a reason, not NULL', kind,
			CASE WHEN kind = 'adjust' THEN ', points and ' ELSE ' and ' END USING ERRCODE = '22004';
	END IF;
	IF points::text IN ('NaN', 'Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'points must be finite, not %', points USING ERRCODE = '22023';
	END IF;
	IF key_type IS NULL THEN
		RAISE EXCEPTION 'no lead key type yet' USING ERRCODE = '55000',
			HINT = 'Attach an activity table first (leadscore.attach_activities()).';
	END IF;
	IF given <> key_type AND NOT (given IN ('smallint', 'integer', 'bigint') AND key_type IN ('integer', 'bigint'))
			AND NOT (given IN ('text', 'character varying') AND key_type = 'text'::regtype) THEN
		RAISE EXCEPTION 'lead_id has type %, but this database''s lead keys are %', given, key_type
			USING ERRCODE = '42804', HINT = format('Cast it: lead_id::%s.', key_type);
	END IF;
	-- The first ledger row (or reset) of a model changes what its writers
	-- and recomputes read (ModelSpec::ledger, resets), from the commit on:
	-- a writer already running would not look the reset up, nor its
	-- reloads read the ledger.  (On Citus, each shard group's first too:
	-- _reload_lead.)
	first := NOT EXISTS (SELECT 1 FROM leadscore.adjustments a
		WHERE a.model = model_name AND (a.kind = 'reset' OR _ledger_entry.kind = 'adjust'));
	IF first THEN
		PERFORM leadscore._hold_writers();
	END IF;
	-- Plain values: Citus takes no subquery in an INSERT's VALUES.
	INSERT INTO leadscore.adjustments (model, lead_id, kind, points, reason, at, made_by)
	VALUES (model_name, lead, kind, points, reason, now(), made_by)
	RETURNING id INTO row_id;
	IF first THEN
		PERFORM leadscore._invalidate();
	END IF;
	-- By the lead and the id: on Citus a query of the lead's shard, which
	-- runs the reload there.
	PERFORM leadscore._reload_lead(a.tableoid, a.id, mid, a.lead_id, a.kind, a.at)
	FROM leadscore.adjustments a WHERE a.lead_id = lead AND a.id = row_id;
END $$;

CREATE FUNCTION leadscore.adjust(model text, lead_id anyelement, points float8, reason text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT leadscore._ledger_entry(model, lead_id, 'adjust', points, reason) $$;
COMMENT ON FUNCTION leadscore.adjust(text, anyelement, float8, text) IS
	'adds points to a lead''s score in a model now, decaying with the model like an activity';

CREATE FUNCTION leadscore.reset(model text, lead_id anyelement, reason text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT leadscore._ledger_entry(model, lead_id, 'reset', NULL, reason) $$;
COMMENT ON FUNCTION leadscore.reset(text, anyelement, text) IS
	'starts a lead over in a model: its activity and adjustments dated before now count no more';

-- calibrate(), evaluate() and evaluate_leads() anew, as the install
-- script has them (a new argument makes a new function): populations
-- (leads => regclass), calibrate()'s confidence, evaluate()'s handoff rows
-- (a comment) and evaluate_leads()'s handoff column.
DROP FUNCTION leadscore.calibrate(text, timestamptz, timestamptz, interval, integer);
DROP FUNCTION leadscore.evaluate(text, timestamptz, interval, name, regclass);
DROP FUNCTION leadscore.evaluate_leads(text, timestamptz, interval, name, regclass);
CREATE FUNCTION leadscore.calibrate(model text, since timestamptz, until timestamptz,
		horizon interval DEFAULT NULL, min_leads integer DEFAULT 30, leads regclass DEFAULT NULL,
		confidence float8 DEFAULT 0.95)
	RETURNS TABLE (kind text, name text, activity_type text, current_points float8, leads bigint,
		converted bigint, conversion_rate float8, base_rate float8, lift float8, lift_low float8,
		lift_high float8, low_confidence boolean, suggested_points float8, points_per_doubling float8,
		current_steps integer, suggested_steps integer, steps_per_doubling float8)
	AS 'MODULE_PATHNAME', 'leadscore_calibrate' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.calibrate(text, timestamptz, timestamptz, interval, integer, regclass, float8) IS
	'per activity type, rule and grade criterion: leads active in [since, until) before converting (or a population, each lead up to its as_of), their conversion rate, lift with a Wilson interval at confidence, suggested points or steps';

CREATE FUNCTION leadscore.evaluate(model text, as_of timestamptz, horizon interval,
		source_column name DEFAULT NULL, source_table regclass DEFAULT NULL, leads regclass DEFAULT NULL)
	RETURNS TABLE (scope text, source text, segment text, threshold float8, leads bigint, converted bigint,
		conversion_rate float8, lift float8, "precision" float8, recall float8, roc_auc float8,
		avg_deal_value float8, median_days_to_convert float8, brier float8, log_loss float8)
	AS 'MODULE_PATHNAME', 'leadscore_evaluate' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.evaluate(text, timestamptz, interval, name, regclass, regclass) IS
	'scores as they stood at as_of (or each lead of a population at its own as_of) against conversions in (as_of, as_of + horizon]: rates above/below MQL and SQL (with today''s grade against sql_min_grade), lift, precision, recall, ROC AUC, deal value, days, and with a probability link ROC AUC by probability, Brier score and log loss; per lead source too; per handoff outcome and rejection reason';

CREATE FUNCTION leadscore.evaluate_leads(model text, as_of timestamptz, horizon interval,
		source_column name DEFAULT NULL, source_table regclass DEFAULT NULL, leads regclass DEFAULT NULL)
	RETURNS TABLE (lead_id text, source text, score float8, status text, converted boolean,
		converted_at timestamptz, days_to_convert float8, deal_value float8, grade leadscore.grade, handoff text,
		probability float8)
	AS 'MODULE_PATHNAME', 'leadscore_evaluate_leads' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.evaluate_leads(text, timestamptz, interval, name, regclass, regclass) IS
	'the per-lead rows behind evaluate(): score and status at as_of (sql also needs today''s grade), converted in the horizon or not, the latest handoff up to as_of as it stands now, the probability from the model''s link';

-- The probability of converting (src/pg/insight/probability_functions.cpp).
-- fit_probability fits a model's link from score and grade on a population
-- and stores it (an admin function: it writes probability_links; the
-- population must be one the caller may read).
CREATE FUNCTION leadscore.fit_probability(model text, horizon interval, leads regclass,
		as_of timestamptz DEFAULT NULL)
	RETURNS TABLE (term text, grade leadscore.grade, weight float8, standard_error float8, leads bigint,
		converted bigint)
	AS 'MODULE_PATHNAME', 'leadscore_fit_probability' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION leadscore.fit_probability(text, interval, regclass, timestamptz) IS
	'fits the model''s probability link, P(converting within horizon) from score and grade, on the leads of a population (each at its as_of), and stores it: lead_scores.probability';

CREATE FUNCTION leadscore.drop_probability(model text) RETURNS boolean
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	WITH gone AS (DELETE FROM leadscore.probability_links l WHERE l.model_id = leadscore._model_id(model) RETURNING 1)
	SELECT EXISTS (SELECT FROM gone)
$$;
COMMENT ON FUNCTION leadscore.drop_probability(text) IS
	'removes the model''s probability link (lead_scores.probability becomes NULL); true if it had one';

CREATE FUNCTION leadscore.evaluate_calibration(model text, horizon interval, leads regclass DEFAULT NULL,
		bins integer DEFAULT 10, as_of timestamptz DEFAULT NULL)
	RETURNS TABLE (bin integer, leads bigint, converted bigint, mean_predicted float8, mean_score float8,
		observed_rate float8, lift float8, cumulative_share float8)
	AS 'MODULE_PATHNAME', 'leadscore_evaluate_calibration' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.evaluate_calibration(text, interval, regclass, integer, timestamptz) IS
	'the judged leads in bins of equal size by predicted probability (by score without a link), highest first: mean prediction against observed rate, lift, cumulative share of conversions';

------------------------------------------------------------------------
-- Momentum (the columns and lead_scores.momentum: above, with the view):
-- the momentum half-life's check and setter, _drop_views() for
-- top_momentum(), and every lead's momentum computed from its history.
------------------------------------------------------------------------
CREATE FUNCTION leadscore._check_momentum_half_life(h interval) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF h IS NULL THEN
		RAISE EXCEPTION 'momentum_half_life must not be NULL' USING ERRCODE = '22004',
			HINT = 'Momentum always decays; the default is 7 days.';
	END IF;
	IF NOT (h >= interval '1 minute' AND isfinite(now() + h)) THEN
		RAISE EXCEPTION 'momentum_half_life must be at least 1 minute, not %', h USING ERRCODE = '22023';
	END IF;
END $$;

CREATE FUNCTION leadscore.set_momentum_half_life(model text, half_life interval) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	PERFORM leadscore._check_momentum_half_life(half_life);
	UPDATE leadscore.models m SET momentum_half_life = set_momentum_half_life.half_life, version = version + 1
		WHERE m.id = mid;
	PERFORM leadscore._invalidate();
	PERFORM leadscore.rescore(model);
END $$;

CREATE OR REPLACE FUNCTION leadscore._drop_views() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
	SET citus.enable_ddl_propagation = off AS $$
BEGIN
	ALTER EXTENSION leadscore DROP FUNCTION leadscore.top_leads(text, integer);
	ALTER EXTENSION leadscore DROP FUNCTION leadscore.top_momentum(text, integer);
	ALTER EXTENSION leadscore DROP FUNCTION leadscore.stale_leads(text, interval);
	ALTER EXTENSION leadscore DROP FUNCTION leadscore.top_accounts(text, integer);
	ALTER EXTENSION leadscore DROP VIEW leadscore.lead_scores;
	ALTER EXTENSION leadscore DROP VIEW leadscore.account_scores;
	DROP FUNCTION leadscore.top_leads(text, integer);
	DROP FUNCTION leadscore.top_momentum(text, integer);
	DROP FUNCTION leadscore.stale_leads(text, interval);
	DROP FUNCTION leadscore.top_accounts(text, integer);
	DROP VIEW leadscore.lead_scores;
	DROP VIEW leadscore.account_scores;
END $$;

-- top_momentum()'s index is an opt-in (configuration.sql says why): the
-- ranking switch, and the rank every writer computes from it.
ALTER TABLE leadscore.models ADD COLUMN momentum_ranking boolean NOT NULL DEFAULT false;
-- The scale of learned points (configuration.sql).
ALTER TABLE leadscore.models ADD COLUMN points_per_doubling float8
	CHECK (points_per_doubling > 0 AND points_per_doubling < 'Infinity');
-- top_momentum()'s key: in a model that ranks its momentum
-- (models.momentum_ranking), score_rank(momentum), with 1 for a momentum of
-- 0 (between the negative ranks and the positive ones); else 0, which the
-- index leaves out.  Momentum moves with every activity, so a rank of it
-- would take the activity's state update off HOT and add an index entry;
-- a constant 0 does neither.  Inlined, as score_rank.
CREATE FUNCTION leadscore.momentum_rank(momentum float8, ranked boolean) RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN ranked IS NOT TRUE THEN 0 WHEN momentum = 0 THEN 1 ELSE leadscore.score_rank(momentum) END;


-- Waits for the running writers of every attached activity and lead table
-- and holds new ones (in OID order, as DROP EXTENSION locks them) until the
-- commit: what changes how writers score (a model's first ledger row, its
-- momentum ranking) takes effect for all of them at once, as rescore()
-- does, rather than for the writers that started after it.
CREATE FUNCTION leadscore._hold_writers() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	t regclass;
BEGIN
	FOR t IN SELECT a.tbl FROM leadscore.attachments a WHERE a.kind IN ('activities', 'leads')
			ORDER BY a.tbl::oid LOOP
		EXECUTE format('LOCK TABLE %s IN SHARE MODE', t);
	END LOOP;
END $$;

-- Turns top_momentum()'s index on or off for a model.  Off (the default),
-- every lead's momentum_rank is 0 and an activity's state update can stay
-- HOT; top_momentum() then sorts the model's leads by momentum.  On, the
-- index orders them, at the price of an index entry with nearly every
-- activity (momentum moves with each).  Either way lead_scores.momentum is
-- exact; this rewrites the model's ranks, once.
CREATE FUNCTION leadscore.set_momentum_ranking(model text, ranking boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	IF ranking IS NULL THEN
		RAISE EXCEPTION 'momentum_ranking must be true or false, not NULL' USING ERRCODE = '22004';
	END IF;
	PERFORM leadscore._hold_writers();
	UPDATE leadscore.models m SET momentum_ranking = set_momentum_ranking.ranking, version = version + 1
		WHERE m.id = mid;
	PERFORM leadscore._invalidate();
	UPDATE leadscore.lead_state s SET momentum_rank = leadscore.momentum_rank(s.momentum, ranking)
		WHERE s.model_id = mid AND s.momentum_rank <> leadscore.momentum_rank(s.momentum, ranking);
END $$;

CREATE FUNCTION leadscore._recompute_momentum() RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_recompute_momentum' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
-- The leads scored so far have momentum 0: computed from their history,
-- their scores and records left exactly as they are.
SELECT leadscore._invalidate();
SELECT leadscore._recompute_momentum();

------------------------------------------------------------------------
-- Back-filled history: the queue of leads whose mql_at and sql_at tick()
-- takes from their history (state_tables.sql says more).
------------------------------------------------------------------------
CREATE TABLE leadscore.history_walks (
	model_id integer NOT NULL REFERENCES leadscore.models (id) ON DELETE CASCADE,
	lead_id bigint NOT NULL,
	since timestamptz NOT NULL,
	PRIMARY KEY (model_id, lead_id)
);
-- lead_id has the database's lead key type (fixed already or not).
DO $$
DECLARE
	key_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
BEGIN
	IF key_type IS NOT NULL THEN
		EXECUTE format('ALTER TABLE leadscore.history_walks ALTER COLUMN lead_id TYPE %s', key_type);
	END IF;
END $$;
SELECT pg_catalog.pg_extension_config_dump('leadscore.history_walks', '');

-- Learned points (src/pg/insight/learn_function.cpp): the rule points and
-- grade steps that predict conversion within `horizon` on the population's
-- leads, fitted jointly, into a shadow candidate model.  An admin function:
-- it creates a model; the population must be one the caller may read.
CREATE FUNCTION leadscore.learn(model text, horizon interval, leads regclass, candidate text DEFAULT NULL,
		as_of timestamptz DEFAULT NULL, points_per_doubling float8 DEFAULT NULL)
	RETURNS TABLE (kind text, name text, activity_type text, current float8, learned float8,
		standard_error float8, leak boolean, note text)
	AS 'MODULE_PATHNAME', 'leadscore_learn' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION leadscore.learn(text, interval, regclass, text, timestamptz, float8) IS
	'fits the model''s rule points, grade steps and intercept jointly (penalised logistic regression, penalty and half-life by cross-validation) on a population, into a shadow candidate model with a probability link; one row per rule and criterion';

-- The scale of a model's learned points: this many points double the odds.
CREATE FUNCTION leadscore.set_points_per_doubling(model text, points_per_doubling float8) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT (points_per_doubling > 0 AND points_per_doubling < 'Infinity') THEN
		RAISE EXCEPTION 'points_per_doubling must be a positive number, not %', coalesce(points_per_doubling::text, 'NULL')
			USING ERRCODE = CASE WHEN points_per_doubling IS NULL THEN '22004' ELSE '22023' END;
	END IF;
	UPDATE leadscore.models m SET points_per_doubling = set_points_per_doubling.points_per_doubling
		WHERE m.id = leadscore._model_id(model);
END $$;

-- learn()'s candidate (src/pg/insight/learn_function.cpp): a copy of model
-- `source` named `candidate`, a shadow (active false), with half-life
-- `new_half_life`, points_per_doubling `scale`, each rule's points from
-- `rule_points` (by rule name; a rule not named keeps its own), its bands,
-- and, when the source has a grade profile, a copy of it named `candidate`
-- with the steps of `criterion_steps`
-- (by criterion name; a criterion learned to 0 steps is left out).  A
-- shadow model of that name (an earlier candidate) and its profile are
-- replaced; a live one is refused.  Columns are copied by name, so what a
-- later version adds to models or rules follows.
CREATE FUNCTION leadscore._create_learned(source integer, candidate text, new_half_life interval,
		scale float8, rule_points jsonb, criterion_steps jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	target integer;
	profile text;
	new_profile integer;
	src_profile text := (SELECT m.grade_profile FROM leadscore.models m WHERE m.id = source);
BEGIN
	IF EXISTS (SELECT FROM leadscore.models m WHERE m.name = candidate AND (m.active OR m.id = source)) THEN
		RAISE EXCEPTION 'model "%" exists and is live', candidate USING ERRCODE = '42710',
			HINT = 'learn() replaces only a shadow model it made; name another candidate.';
	END IF;
	IF EXISTS (SELECT FROM leadscore.models m WHERE m.name = candidate) THEN
		PERFORM leadscore.drop_model(candidate);
	END IF;
	IF src_profile IS NOT NULL THEN
		IF EXISTS (SELECT FROM leadscore.models m WHERE m.grade_profile = candidate) THEN
			RAISE EXCEPTION 'grade profile "%" is in use', candidate USING ERRCODE = '42710',
				HINT = 'learn() names the candidate''s profile after it; name another candidate.';
		END IF;
		DELETE FROM leadscore.grade_profiles g WHERE g.name = candidate;
		-- Its id kept, not read back in the next INSERT: Citus runs no
		-- subquery beside a reference table there.
		INSERT INTO leadscore.grade_profiles (name, base)
			SELECT candidate, g.base FROM leadscore.grade_profiles g WHERE g.name = src_profile
			RETURNING id INTO new_profile;
		INSERT INTO leadscore.grade_criteria (profile_id, name, condition, steps)
			SELECT new_profile, c.name, c.condition,
				coalesce((criterion_steps ->> c.name)::integer, c.steps)
			FROM leadscore.grade_criteria c JOIN leadscore.grade_profiles g ON g.id = c.profile_id
			WHERE g.name = src_profile AND coalesce((criterion_steps ->> c.name)::integer, c.steps) <> 0
			ORDER BY c.id;
		profile := candidate;
	END IF;
	target := leadscore._copy_rows('models', 'id', source, NULL,
		jsonb_build_object('name', candidate, 'active', false, 'half_life', new_half_life,
			'grade_profile', profile, 'points_per_doubling', scale, 'version', 1,
			'created_at', now()));
	PERFORM leadscore._copy_rows('rules', 'model_id', source, target, NULL, rule_points);
	PERFORM leadscore._copy_rows('bands', 'model_id', source, target, NULL);
	PERFORM leadscore._invalidate();
	RETURN target;
END $$;

-- Copies the rows of leadscore.<tbl> whose `key` is `source`: `key` set to
-- `target` (NULL: the row's new serial id, returned), columns named in
-- `set` to its values, and, with `points`, a rule's points to
-- points ->> its name where named (a points-expression rule keeps NULL).
-- Every other column as it is, by name; serial ids are new.
CREATE FUNCTION leadscore._copy_rows(tbl text, key text, source integer, target integer, set jsonb,
		points jsonb DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	cols text;
	vals text;
	made integer;
BEGIN
	SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
		string_agg(CASE
			WHEN a.attname = key AND target IS NOT NULL THEN format('%s::%s', target, format_type(a.atttypid, NULL))
			WHEN set ? a.attname THEN format('(%L::jsonb ->> %L)::%s', set, a.attname, format_type(a.atttypid, a.atttypmod))
			WHEN a.attname = 'points' AND points IS NOT NULL
				THEN format('CASE WHEN t.points IS NOT NULL AND %L::jsonb ? t.name THEN (%L::jsonb ->> t.name)::float8 ELSE t.points END',
					points, points)
			ELSE 't.' || quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
	INTO cols, vals
	FROM pg_attribute a
	WHERE a.attrelid = format('leadscore.%I', tbl)::regclass AND a.attnum > 0 AND NOT a.attisdropped
		AND NOT (a.attname = 'id' AND (a.attname <> key OR target IS NULL));
	EXECUTE format('INSERT INTO leadscore.%I AS x (%s) SELECT %s FROM leadscore.%I t WHERE t.%I = $1 RETURNING %s',
		tbl, cols, vals, tbl, key, CASE WHEN target IS NULL THEN 'x.id' ELSE 'NULL::integer' END)
		INTO made USING source;
	RETURN made;
END $$;
