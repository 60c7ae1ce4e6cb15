-- Adjustments and resets: sales' manual ledger of a lead's score.  An
-- adjustment scores like an activity at the time it was made (it decays
-- with the model); a reset makes the lead's activity and adjustments dated
-- before it count no more ("closed-lost": the lead starts over).  Every
-- recompute reads the ledger with the history (src/pg/ingest/lead_ledger.hpp),
-- so verify(), rescore(), explain(), evaluate() and score_at() honour it.
-- After the lifecycle: adjust() and reset() write events.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

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
