-- State: lead state, lifecycle events, the tick clock and the ingest log,
-- written by the triggers in the same transaction as the CRM rows they score.
-- After the configuration (lead_state rows belong to models) and before the
-- functions and views that read them.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

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

-- top_momentum()'s key: in a model that ranks its momentum
-- (models.momentum_ranking), score_rank(momentum), with 1 for a momentum of
-- 0 (between the negative ranks and the positive ones); else 0, which the
-- index leaves out.  Momentum moves with every activity, so a rank of it
-- would take the activity's state update off HOT and add an index entry;
-- a constant 0 does neither.  Inlined, as score_rank.
CREATE FUNCTION leadscore.momentum_rank(momentum float8, ranked boolean) RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN ranked IS NOT TRUE THEN 0 WHEN momentum = 0 THEN 1 ELSE leadscore.score_rank(momentum) END;

-- One row per (model, lead).  lead_id is retyped by the first attachment.
CREATE TABLE leadscore.lead_state (
	model_id integer NOT NULL,
	lead_id bigint NOT NULL,
	stored float8 NOT NULL,                  -- epoch-relative sum: ORDER BY stored = ORDER BY score
	stage_stored float8[] NOT NULL,          -- the same per stage of the model
	activity_count bigint NOT NULL,
	last_activity_at timestamptz,
	caps bigint[],                           -- cap windows of capped rules, then pending silence scorings (src/pg/state/state_codec.hpp)
	-- The grade from the attached lead table (models with a grade profile).
	grade leadscore.grade,
	-- The lifecycle as last reported in leadscore.events
	-- (src/core/lead/lead_lifecycle.hpp): status and stage then, when the lead
	-- last reached MQL / SQL, when it was last checked, and when decay
	-- alone next changes its status or stage (tick() visits due leads).
	status text NOT NULL DEFAULT 'nurture',
	stage text,
	mql_at timestamptz,
	sql_at timestamptz,
	checked_at timestamptz,
	due_at timestamptz,
	-- What the indexes read: columns that a lead's next activity leaves
	-- alone, so that its update can be HOT (a new row version on the same
	-- page, no index entry; see "The state's layout" in docs/design.md).
	-- A lower bound of due_at: an activity that moves due_at later keeps
	-- it, one that moves it earlier lowers it; tick() sets it to due_at.
	due_hint timestamptz,
	-- leadscore.score_rank(stored), written with it.
	score_rank integer NOT NULL DEFAULT 0,
	-- The band last reported (src/sql/bands.sql); NULL: none.  Last: 0.3
	-- added it after the two above (an upgraded install has it here).
	band text,
	-- Momentum: the same terms as stored with the model's
	-- momentum_half_life, epoch-relative too (src/core/lead/scoring_state.hpp),
	-- and leadscore.momentum_rank(momentum, ranked), top_momentum()'s key.
	-- 0.3 added them last.
	momentum float8 NOT NULL DEFAULT 0,
	momentum_rank integer NOT NULL DEFAULT 0,
	PRIMARY KEY (model_id, lead_id)
) WITH (fillfactor = 50); -- a sync batch updates every lead of a page: room for each row's next version
-- top_leads(): a model's leads by score_rank, the few of the top ranks
-- sorted by stored; model_id an index condition after it.  score_rank
-- first, so that a lookup of one lead by (model_id, lead_id) has only the
-- primary key to use, whatever the statistics say: led by model_id, this
-- index looked as good as the primary key to a planner whose statistics
-- had not seen the model yet, and the writers' walk over a batch's leads
-- (src/pg/state/state_store.hpp) read every row of the model for each lead.
CREATE INDEX lead_state_rank ON leadscore.lead_state (score_rank, model_id);
-- top_momentum(): the same for momentum, of the models that rank it (the
-- others' leads all rank 0: no entries, no index work on their writes).
CREATE INDEX lead_state_momentum ON leadscore.lead_state (momentum_rank, model_id) WHERE momentum_rank <> 0;
-- top_leads() by probability (a model whose probability link weighs
-- grades): each grade's leads of a model in score order.  Only graded
-- leads have entries; a lead's next activity leaves grade alone, so its
-- update stays HOT unless the rank moves, as before.
CREATE INDEX lead_state_grade ON leadscore.lead_state (grade, model_id, score_rank) WHERE grade IS NOT NULL;
-- tick(): the leads whose status or stage decay may change by now.
CREATE INDEX lead_state_due ON leadscore.lead_state (due_hint) WHERE due_hint IS NOT NULL;
-- stale_leads(): leads that reached MQL once and have cooled down since.
CREATE INDEX lead_state_cooled ON leadscore.lead_state (model_id, mql_at)
	WHERE status = 'nurture' AND mql_at IS NOT NULL;

-- Every status, stage, grade and band transition of a lead in a model.  Written
-- in the transaction that caused it (an activity or lead row, tick() for
-- decay, rescore()); lead_id is retyped with lead_state's.
CREATE TABLE leadscore.events (
	id bigserial PRIMARY KEY,
	model text NOT NULL,
	lead_id bigint NOT NULL,
	-- 'handoff': a handoff to sales closed (handoffs.sql), from 'open' to
	-- its new status, by sales (cause 'sales') or past its SLA ('sla').
	kind text NOT NULL CHECK (kind IN ('status', 'stage', 'grade', 'band', 'handoff')),
	from_value text,                         -- NULL: no stage / no grade / no band
	to_value text,
	score float8 NOT NULL,                   -- at `at`
	grade leadscore.grade,
	at timestamptz NOT NULL,
	-- 'adjustment', 'reset': adjust(), reset() (adjustments.sql).
	cause text NOT NULL CHECK (cause IN ('activity', 'lead', 'decay', 'rescore', 'sales', 'sla', 'adjustment', 'reset')),
	-- Handoffs to sales (status -> sql): when NOTIFY leadscore was sent;
	-- NULL while tick() has yet to relay it (settings.notify = 'tick').
	notified_at timestamptz
);
CREATE INDEX events_lead ON leadscore.events (model, lead_id, at);
CREATE INDEX events_at ON leadscore.events (at);
-- tick() relays every handoff left unsent (notify = 'tick', or a prepared
-- transaction's, which cannot NOTIFY), accounts' too, but never rescore()'s:
-- a rebuild is not news.  Its index leaves rescore()'s out, which stay
-- unsent for good (accounts.sql has the accounts' index).
CREATE INDEX events_unsent ON leadscore.events (id)
	WHERE notified_at IS NULL AND kind = 'status' AND to_value = 'sql' AND cause <> 'rescore';

-- The last tick(): a tick with an earlier `now` does nothing.
CREATE TABLE leadscore.tick_state (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	last_tick_at timestamptz
);
INSERT INTO leadscore.tick_state (last_tick_at) VALUES (NULL);

-- Rows the triggers could not score (NULL lead, type or time) and rows of
-- types no rule names, per attached table; appended per statement only when
-- there is something to count, summed by the view leadscore.stats.
CREATE TABLE leadscore.ingest_log (
	tbl regclass NOT NULL,
	at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	rows_skipped bigint NOT NULL,
	unknown_types bigint NOT NULL,
	-- Rows a rule matched whose points_expression gave no value (NULL, not
	-- finite, a division by zero).  Last: 0.3 added it.
	points_unscored bigint NOT NULL DEFAULT 0
);

-- Leads whose rows came dated before their lifecycle record (a first load,
-- a replicated backlog, late rows), whose mql_at and sql_at tick() is to
-- take from their history (src/pg/maintenance/queued_walks.hpp): the
-- writer queues them rather than read their history back.  `since`: the
-- earliest such row; lead_id is retyped with lead_state's.
CREATE TABLE leadscore.history_walks (
	model_id integer NOT NULL REFERENCES leadscore.models (id) ON DELETE CASCADE,
	lead_id bigint NOT NULL,
	since timestamptz NOT NULL,
	PRIMARY KEY (model_id, lead_id)
);
SELECT pg_catalog.pg_extension_config_dump('leadscore.history_walks', '');

-- pg_dump keeps all of it.  Events are history.  So are lead state's
-- lifecycle columns (the status and stage last reported, mql_at, sql_at,
-- due_at), not a function of the activity rows: a restore that rebuilt
-- them with rescore() would report every qualified lead's transition
-- again, dated the restore.  The ingest log keeps leadscore.stats' counts
-- of skipped rows.  (The order of these calls is an upgraded install's.)
SELECT pg_catalog.pg_extension_config_dump('leadscore.events', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_state', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.ingest_log', '');

-- The stage sums of a state row's upsert (src/pg/state/state_store.cpp).
CREATE FUNCTION leadscore.float8_array_add(float8[], float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'leadscore_float8_array_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
