-- The handoff queue: a lead that becomes sales-qualified is handed to a
-- sales rep (its lead row's owner, or the pool of leadscore.owners with
-- capacities), with an SLA; sales accept or reject it, tick() expires it.
-- After the lifecycle: a status event opens a handoff (a trigger on
-- leadscore.events), a close is an event, and the sending of escalations
-- follows settings.notify as the handoffs' NOTIFY does.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

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
