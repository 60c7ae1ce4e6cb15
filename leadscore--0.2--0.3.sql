-- leadscore 0.2 -> 0.3: the holes hostile testing found closed.  Code a
-- user owns (index expressions, view columns, defaults, operators) never
-- runs with leadscore's rights; tables with dropped columns, times at the
-- edge of the range, doubled or short-lived attachments, SERIALIZABLE
-- writers and prepared transactions are scored exactly or refused with a
-- clear error (docs/trust.md).  CREATE EXTENSION runs 0.1, 0.1--0.2 and
-- this script, so a fresh install and an upgraded one are the same.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- Owners' rights: what leadscore's privileged code reads of a user's
-- relation, it reads as that relation's owner.
------------------------------------------------------------------------


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
			USING ERRCODE = '22023',
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
-- Attachments: what may be attached, and checks of their arguments.
------------------------------------------------------------------------


------------------------------------------------------------------------
-- Times and numbers at the edge of their range.
------------------------------------------------------------------------


------------------------------------------------------------------------
-- Writers: SERIALIZABLE, prepared transactions, DROP EXTENSION.
------------------------------------------------------------------------


------------------------------------------------------------------------
-- The privilege rule.  Applied to every member of the extension, so the
-- functions and tables later versions add follow it when their script
-- ends with this block (README.md, "Privileges").
--
--   tables and views    SELECT for PUBLIC, nothing else for anyone: they
--                       are written only by admin functions and triggers,
--                       which run as the owner
--   sequences           nothing for anyone
--   reader functions    IMMUTABLE or STABLE: EXECUTE for PUBLIC, SECURITY
--                       INVOKER (they read with the caller's rights)
--   trigger functions   no EXECUTE for anyone (firing a trigger needs
--                       none); SECURITY DEFINER, so a CRM writer needs no
--                       right on leadscore's tables
--   internal functions  VOLATILE and named _*: no EXECUTE for anyone; only
--                       admin functions and triggers call them
--   admin functions     every other VOLATILE function or procedure:
--                       EXECUTE for leadscore_admin only, SECURITY DEFINER
--
-- Every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp.
------------------------------------------------------------------------

DO $$
DECLARE
	o record;
	kind text;
BEGIN
	FOR o IN
		SELECT c.oid::regclass AS rel, c.relkind
		FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
		WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'
			AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
			AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'leadscore')
	LOOP
		kind := CASE WHEN o.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END;
		EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM PUBLIC, leadscore_admin', kind, o.rel);
		IF o.relkind <> 'S' THEN
			EXECUTE pg_catalog.format('GRANT SELECT ON TABLE %s TO PUBLIC', o.rel);
		END IF;
	END LOOP;

	FOR o IN
		SELECT p.oid::regprocedure AS fn, p.proname, p.prokind, p.provolatile, p.prosecdef,
			p.prorettype IN ('pg_catalog.trigger'::pg_catalog.regtype, 'pg_catalog.event_trigger'::pg_catalog.regtype)
				AS is_trigger
		FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
		WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'e'
			AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
			AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'leadscore')
	LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON ROUTINE %s FROM PUBLIC, leadscore_admin', o.fn);
		IF o.is_trigger THEN
			EXECUTE pg_catalog.format('ALTER ROUTINE %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', o.fn);
		ELSIF o.prokind <> 'p' AND o.provolatile IN ('i', 's') THEN
			IF o.prosecdef THEN
				RAISE EXCEPTION 'reader function % is SECURITY DEFINER', o.fn
					USING HINT = 'Readers run with the caller''s rights; see README.md, "Privileges".';
			END IF;
			EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO PUBLIC', o.fn);
		ELSIF pg_catalog.left(o.proname, 1) <> '_' THEN
			EXECUTE pg_catalog.format('ALTER ROUTINE %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', o.fn);
			EXECUTE pg_catalog.format('GRANT EXECUTE ON ROUTINE %s TO leadscore_admin', o.fn);
		END IF;
	END LOOP;
END $$;
