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
		WHEN 'lead' THEN '{lead_state.lead_id,events.lead_id,lead_accounts.lead_id}'::text[]
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
$$;

-- Raises the first problem that concerns one of `rels`, attached or
-- related.
CREATE FUNCTION leadscore._refuse_attachment_problems(rels oid[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	p record;
BEGIN
	SELECT * INTO p FROM leadscore._attachment_problems() x
	WHERE x.tbl = ANY (rels) OR x.other = ANY (rels) ORDER BY x.sqlstate LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '%', p.problem USING ERRCODE = p.sqlstate, HINT = p.hint;
	END IF;
END $$;

-- rescore(): an attachment whose table is gone is forgotten (nothing is
-- left to read of it); one that would make the recompute wrong stops it.
CREATE FUNCTION leadscore._attachments_for_rescore() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	gone oid[];
	p record;
BEGIN
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
	fn text := CASE kind WHEN 'activities' THEN 'leadscore.activity_trigger()' ELSE 'leadscore.lead_trigger()' END;
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
	PERFORM leadscore._refuse_attachment_problems(ARRAY[tbl::oid]);
	PERFORM leadscore._invalidate();
	PERFORM leadscore._check_tables();
	-- Statement-level triggers with transition tables; PG 15
	-- allows one event per trigger when transition tables are used.
	EXECUTE format('CREATE TRIGGER leadscore_activity_insert AFTER INSERT ON %s'
		' REFERENCING NEW TABLE AS leadscore_new FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_activity_update AFTER UPDATE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old NEW TABLE AS leadscore_new'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_activity_delete AFTER DELETE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old FOR EACH STATEMENT EXECUTE FUNCTION leadscore.activity_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_activity_truncate AFTER TRUNCATE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.truncate_trigger()', tbl);
	-- Loads the library before the statement ends (src/pg/ingest/deferred_reloads.hpp).
	EXECUTE format('CREATE TRIGGER leadscore_activity_load BEFORE INSERT OR UPDATE OR DELETE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.load_trigger()', tbl);
	PERFORM leadscore._add_replica_triggers(tbl, 'activities');
	-- The history already in the table is scored now.
	scored := leadscore.rescore();
	RETURN scored;
END $$;

CREATE FUNCTION leadscore.attach_leads(
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
	PERFORM leadscore._refuse_attachment_problems(ARRAY[tbl::oid]);
	PERFORM leadscore._invalidate();
	PERFORM leadscore._check_lead_tables();
	EXECUTE format('CREATE TRIGGER leadscore_lead_insert AFTER INSERT ON %s'
		' REFERENCING NEW TABLE AS leadscore_new FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_lead_update AFTER UPDATE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old NEW TABLE AS leadscore_new'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_lead_delete AFTER DELETE ON %s'
		' REFERENCING OLD TABLE AS leadscore_old FOR EACH STATEMENT EXECUTE FUNCTION leadscore.lead_trigger()', tbl);
	EXECUTE format('CREATE TRIGGER leadscore_lead_truncate AFTER TRUNCATE ON %s'
		' FOR EACH STATEMENT EXECUTE FUNCTION leadscore.truncate_trigger()', tbl);
	PERFORM leadscore._add_replica_triggers(tbl, 'leads');
	-- The leads already in the table are graded now.
	PERFORM leadscore.rescore();
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
	IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = tbl) THEN
		NULL;  -- gone, and its triggers with it
	ELSIF kind = 'activities' THEN
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_insert ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_update ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_delete ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_truncate ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_activity_load ON %s', tbl);
		PERFORM leadscore._drop_replica_triggers(tbl, 'activities');
	ELSIF kind = 'leads' THEN
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_lead_insert ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_lead_update ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_lead_delete ON %s', tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS leadscore_lead_truncate ON %s', tbl);
		PERFORM leadscore._drop_replica_triggers(tbl, 'leads');
	END IF;
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

CREATE FUNCTION leadscore._detach_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	dropped oid[];
BEGIN
	SELECT array_agg(d.objid) INTO dropped
	FROM pg_event_trigger_dropped_objects() d
	WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0;
	IF dropped IS NULL OR NOT EXISTS (SELECT 1 FROM leadscore.attachments a WHERE a.tbl::oid = ANY (dropped)) THEN
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
-- UNLOGGED, a nondeterministic collation on a key column, an UNLOGGED
-- partition of an attached table, an attached column dropped or renamed
-- (other columns may come and go: scans read columns by name,
-- src/pg/catalog/model_catalog.hpp).
CREATE FUNCTION leadscore._refuse_altered_attachments() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	altered oid[];
BEGIN
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

CREATE EVENT TRIGGER leadscore_refuse_altered ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW', 'ALTER FOREIGN TABLE')
	EXECUTE FUNCTION leadscore._refuse_altered_attachments();
