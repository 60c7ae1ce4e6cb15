-- The lifecycle: the NOTIFY payload of an event, the notify modes, tick()
-- and reset_tick().  After the events and state tables (event_payload() takes
-- an events row).

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- The JSON payload of NOTIFY leadscore for one event.
CREATE FUNCTION leadscore.event_payload(e leadscore.events) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT json_build_object('event_id', e.id, 'model', e.model, 'lead_id', e.lead_id, 'kind', e.kind,
		'from', e.from_value, 'to', e.to_value, 'score', e.score, 'grade', e.grade, 'at', e.at,
		'cause', e.cause)::text
$$;

-- mode: who sends NOTIFY leadscore (leadscore.settings); payload: 'full'
-- (the event as JSON) or 'id'; NULL keeps the current one.
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

CREATE FUNCTION leadscore.tick(now timestamptz DEFAULT now()) RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_tick' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.tick(timestamptz) IS
	'reports the status and stage changes decay caused by now, relays handoff notifications, re-bases decay epochs; returns the transitions reported';

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
