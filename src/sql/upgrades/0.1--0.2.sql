-- leadscore 0.1 -> 0.2: who may do what (the leadscore_admin role and one
-- privilege rule for every object), a configuration that survives
-- pg_dump / pg_restore, and attached tables that detach themselves when
-- dropped.  The Makefile appends the privilege rule (src/sql/privileges.sql);
-- the 0.3 install script creates what this one does in its final form, and
-- sql/upgrade.sql checks that the two end the same.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- leadscore_admin: may change models, rules, grade profiles and criteria,
-- attachments and settings, and run rescore(), verify() and tick().
-- Roles belong to the cluster, not to a database or an extension: a second
-- database's CREATE EXTENSION finds it, and DROP EXTENSION leaves it.
------------------------------------------------------------------------

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'leadscore_admin') THEN
		CREATE ROLE leadscore_admin NOLOGIN;
	END IF;
END $$;
COMMENT ON ROLE leadscore_admin IS
	'may change leadscore models, rules, grade profiles, attachments and settings, and run rescore(), verify() and tick()';

------------------------------------------------------------------------
-- Attaching a CRM table needs rights on that table.
--
-- The admin functions run as the extension's owner (SECURITY DEFINER,
-- below), so without a check an admin could attach (and so read, through
-- the scores, and put triggers on) any table.  Every attachment row passes
-- this trigger: the role that called (not the owner the function runs as)
-- must have SELECT and TRIGGER on the table to attach it and TRIGGER to
-- detach it.
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
-- pg_dump / pg_restore.
--
-- leadscore.settings has one row, inserted by CREATE EXTENSION; restoring
-- the dumped row into a fresh install failed on the primary key, so the
-- notify mode and the lead key type were lost and the restored triggers
-- scored nothing.  An insert into a non-empty settings table now merges
-- into the row.
------------------------------------------------------------------------

CREATE FUNCTION leadscore._settings_merge() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM leadscore.settings) THEN
		RETURN NEW;
	END IF;
	IF NEW.lead_key_type IS NOT NULL THEN
		PERFORM leadscore._use_key_type(NULL, NULL, NEW.lead_key_type);
	END IF;
	IF NEW.account_key_type IS NOT NULL THEN
		PERFORM leadscore._fix_key_type('account', NULL, NULL, NEW.account_key_type);
	END IF;
	UPDATE leadscore.settings SET notify = NEW.notify;
	RETURN NULL;
END $$;

CREATE TRIGGER settings_merge BEFORE INSERT ON leadscore.settings
	FOR EACH ROW EXECUTE FUNCTION leadscore._settings_merge();

-- Lead state is dumped too: its lifecycle columns (the status and stage
-- last reported, mql_at, sql_at, due_at) are history, not a function of
-- the activity rows, and a restore that rebuilt them with rescore() would
-- report every qualified lead's transition again, dated the restore.  The
-- ingest log keeps leadscore.stats' counts of skipped rows.
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_state', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.ingest_log', '');
-- The same for accounts: their status as last reported, their events, and
-- which lead belongs to which account (an account taken from activity rows
-- sticks, and a rebuild could pick another).  account_events and
-- account_state come back before the attachments and the settings (pg_restore
-- loads data in name order), with their keys as text: fixing the account
-- key type converts them.
SELECT pg_catalog.pg_extension_config_dump('leadscore.account_state', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.account_events', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.account_events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_accounts', '');

------------------------------------------------------------------------
-- A dropped attached table detaches itself.  Before, its attachment stayed
-- behind, naming a table that no longer exists: rescore(), verify(),
-- add_rule() and detach() itself failed until a superuser deleted the row.
------------------------------------------------------------------------

CREATE FUNCTION leadscore._detach_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	dropped oid[];
BEGIN
	SELECT array_agg(d.objid) INTO dropped
	FROM pg_event_trigger_dropped_objects() d
	WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND d.object_type = 'table';
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

------------------------------------------------------------------------
-- explain() reads and changes nothing: STABLE, so the privilege rule below
-- makes it a reader's function.
------------------------------------------------------------------------

ALTER FUNCTION leadscore.explain(text, anyelement) STABLE;
