-- bench/ingest.sh, step 1: the four activity tables, the scoring model and
-- the two hand-written PL/pgSQL triggers (issue 4, "Benchmark").
--
--   (a) bench.act_plain      no scoring
--   (b) bench.act_leadscore  leadscore.attach_activities: statement triggers in C++
--   (c) bench.act_row        bench.row_trigger(): PL/pgSQL, FOR EACH ROW
--   (d) bench.act_stmt       bench.stmt_trigger(): PL/pgSQL, FOR EACH STATEMENT
--                            over a transition table, set-based
--
-- psql variables: lead_index (0/1): also index (lead_id, occurred_at).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS leadscore;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- The CRM's activity table, four times.  A surrogate key, as CRMs have; no
-- other index unless LEAD_INDEX=1 (a plainer baseline makes every ratio
-- larger, so the targets are judged against the harder one).
CREATE TABLE bench.act_plain (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lead_id bigint NOT NULL,
	kind text NOT NULL,
	occurred_at timestamptz NOT NULL,
	url text,
	duration_s integer
);
CREATE TABLE bench.act_leadscore (LIKE bench.act_plain INCLUDING ALL);
CREATE TABLE bench.act_row (LIKE bench.act_plain INCLUDING ALL);
CREATE TABLE bench.act_stmt (LIKE bench.act_plain INCLUDING ALL);
SELECT :lead_index = 1 AS want_lead_index \gset
\if :want_lead_index
CREATE INDEX ON bench.act_plain (lead_id, occurred_at);
CREATE INDEX ON bench.act_leadscore (lead_id, occurred_at);
CREATE INDEX ON bench.act_row (lead_id, occurred_at);
CREATE INDEX ON bench.act_stmt (lead_id, occurred_at);
\endif

------------------------------------------------------------------------
-- (b) leadscore.  Ten activity types; login scores nothing (counted in
-- leadscore.stats as an unknown type).  Every matching rule adds up.
--
--   type          points  stage          condition                                  cap
--   page_view        2    awareness      -                                          20
--   page_view       15    consideration  url LIKE '/pricing%' AND duration_s >= 30   -
--   blog_read        5    awareness      -                                           5
--   email_open       1    -              -                                          10
--   email_click      8    awareness      -                                           -
--   webinar         25    consideration  duration_s >= 600                           -
--   whitepaper      20    consideration  -                                           -
--   pricing_view    35    decision       -                                           -
--   demo_request    50    decision       -                                           -
--   unsubscribe    -40    -              -                                           -
--   login            no rule
------------------------------------------------------------------------
\ir model.sql
SELECT leadscore.attach_activities('bench.act_leadscore', 'lead_id', 'kind', 'occurred_at');

------------------------------------------------------------------------
-- (c) and (d): the same scoring by hand, as a careful engineer would write
-- it for this one model: float8 arithmetic, the rules spelled out in the
-- code (no rules table to look up per row), a state table keyed by
-- (model_id, lead_id) with an upsert, the same epoch-relative sum
-- (stored = sum(points * 2^((t - E)/h)), E and h read from leadscore's
-- model) and the same (model_id, stored) index that makes top-N an index
-- scan.  State columns are leadscore.lead_state's, so the three can be
-- compared row by row (bench/ingest/check.sql).
--
-- Caps are exact for INSERT: per (model, lead, capped rule) a window holds
-- the N newest times; a new time that enters a full window pushes the
-- oldest out, and the rule's contribution changes by
-- points * (Weight(new) - Weight(evicted)).  That is all an insert-only
-- workload needs.  The hand triggers handle INSERT only: leadscore also
-- takes UPDATE and DELETE back out exactly (it keeps N + a reserve of times
-- and can re-read history); doing that by hand would cost them more.
------------------------------------------------------------------------

CREATE TABLE bench.row_state (
	model_id integer NOT NULL,
	lead_id bigint NOT NULL,
	stored float8 NOT NULL,
	stage_stored float8[] NOT NULL,          -- {awareness, consideration, decision}
	activity_count bigint NOT NULL,
	last_activity_at timestamptz,
	PRIMARY KEY (model_id, lead_id)
);
CREATE INDEX ON bench.row_state (model_id, stored);
CREATE TABLE bench.row_caps (
	model_id integer NOT NULL,
	lead_id bigint NOT NULL,
	cap smallint NOT NULL,                   -- 1 page_view, 2 blog_read, 3 email_open
	times timestamptz[] NOT NULL,            -- the N newest, newest first
	prev_times timestamptz[] NOT NULL,       -- before the last upsert (see below)
	PRIMARY KEY (model_id, lead_id, cap)
);
CREATE TABLE bench.stmt_state (LIKE bench.row_state INCLUDING ALL);
CREATE TABLE bench.stmt_caps (LIKE bench.row_caps INCLUDING ALL);

-- Weight(t) = 2^((t - E)/h) in float8 with leadscore's E and h as
-- constants.  LANGUAGE sql and STABLE (as date_part on timestamptz is), so
-- the planner inlines it into every expression that calls it.
SELECT format($f$CREATE FUNCTION bench.weight(t timestamptz) RETURNS float8
	LANGUAGE sql STABLE PARALLEL SAFE
	AS 'SELECT pg_catalog.power(2::float8, (pg_catalog.date_part(''epoch'', t) - %s::float8) / %s::float8)'$f$,
	date_part('epoch', m.epoch), date_part('epoch', m.half_life))
FROM leadscore.models m WHERE m.name = 'bench' \gexec

-- The n newest of two windows, newest first.
CREATE FUNCTION bench.cap_merge(a timestamptz[], b timestamptz[], n integer) RETURNS timestamptz[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT pg_catalog.array_agg(x ORDER BY x DESC)
	FROM (SELECT x FROM pg_catalog.unnest(a || b) AS x ORDER BY x DESC LIMIT n) s
$$;

-- (c) FOR EACH ROW.  One upsert of the lead's state per scored row; a row
-- of a capped rule first upserts its window.  The window upsert is atomic
-- (ON CONFLICT locks the row and sees the latest version), so two writers
-- on one lead cannot lose a time: SET's right-hand sides read the old row,
-- so prev_times = c.times keeps the window as it was, and RETURNING gives
-- both.  The window grew: the new time is in and nothing left.  It changed
-- at full size: the new time is in and the old window's last one left.  It
-- did not change: the new time is older than all N.
CREATE FUNCTION bench.row_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	w float8 := bench.weight(NEW.occurred_at);
	p float8 := 0;           -- uncapped points
	st integer := 0;         -- their stage (0: none)
	cap_rule smallint;       -- capped rule of the row, if any
	cap_n integer;
	cap_points float8;
	cap_stage integer;
	cap_delta float8;
	delta float8 := 0;
	stages float8[] := '{0,0,0}';
	new_times timestamptz[];
	old_times timestamptz[];
BEGIN
	CASE NEW.kind
	WHEN 'page_view' THEN
		cap_rule := 1; cap_n := 20; cap_points := 2; cap_stage := 1;
		IF NEW.url LIKE '/pricing%' AND NEW.duration_s >= 30 THEN
			p := 15; st := 2;
		END IF;
	WHEN 'blog_read' THEN cap_rule := 2; cap_n := 5; cap_points := 5; cap_stage := 1;
	WHEN 'email_open' THEN cap_rule := 3; cap_n := 10; cap_points := 1; cap_stage := 0;
	WHEN 'email_click' THEN p := 8; st := 1;
	WHEN 'webinar' THEN
		IF NOT coalesce(NEW.duration_s >= 600, false) THEN
			RETURN NULL;     -- matches no rule: not an activity of the model
		END IF;
		p := 25; st := 2;
	WHEN 'whitepaper' THEN p := 20; st := 2;
	WHEN 'pricing_view' THEN p := 35; st := 3;
	WHEN 'demo_request' THEN p := 50; st := 3;
	WHEN 'unsubscribe' THEN p := -40;
	ELSE
		RETURN NULL;         -- login and unknown types score nothing
	END CASE;

	delta := p * w;
	IF st > 0 THEN
		stages[st] := delta;
	END IF;
	IF cap_rule IS NOT NULL THEN
		INSERT INTO bench.row_caps AS c (model_id, lead_id, cap, times, prev_times)
		VALUES (1, NEW.lead_id, cap_rule, ARRAY[NEW.occurred_at], '{}')
		ON CONFLICT (model_id, lead_id, cap) DO UPDATE
			SET prev_times = c.times, times = bench.cap_merge(c.times, excluded.times, cap_n)
		RETURNING c.times, c.prev_times INTO new_times, old_times;
		IF cardinality(new_times) > cardinality(old_times) THEN
			cap_delta := cap_points * w;
		ELSIF new_times <> old_times THEN
			cap_delta := cap_points * (w - bench.weight(old_times[cap_n]));
		ELSE
			cap_delta := 0;
		END IF;
		delta := delta + cap_delta;
		IF cap_stage > 0 THEN
			stages[cap_stage] := stages[cap_stage] + cap_delta;
		END IF;
	END IF;

	INSERT INTO bench.row_state AS s (model_id, lead_id, stored, stage_stored, activity_count, last_activity_at)
	VALUES (1, NEW.lead_id, delta, stages, 1, NEW.occurred_at)
	ON CONFLICT (model_id, lead_id) DO UPDATE SET
		stored = s.stored + excluded.stored,
		stage_stored = ARRAY[s.stage_stored[1] + excluded.stage_stored[1],
		                     s.stage_stored[2] + excluded.stage_stored[2],
		                     s.stage_stored[3] + excluded.stage_stored[3]],
		activity_count = s.activity_count + 1,
		last_activity_at = GREATEST(s.last_activity_at, excluded.last_activity_at);
	RETURN NULL;
END $$;

CREATE TRIGGER score_row AFTER INSERT ON bench.act_row
	FOR EACH ROW EXECUTE FUNCTION bench.row_trigger();

-- (d) FOR EACH STATEMENT over the transition table: one SQL statement per
-- INSERT statement.  Each row is classified once (its uncapped points and
-- stage, its capped rule); capped rows are grouped per (lead, rule) and
-- merged into the windows by one sorted upsert (same prev_times device as
-- above, so the change of each window's sum is known without a race); then
-- one sorted upsert per lead of the uncapped sums plus the windows' changes.
CREATE FUNCTION bench.stmt_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	WITH r AS (
		SELECT n.lead_id, n.occurred_at AS t, bench.weight(n.occurred_at) AS w,
			CASE n.kind
				WHEN 'page_view' THEN CASE WHEN n.url LIKE '/pricing%' AND n.duration_s >= 30 THEN 15 ELSE 0 END
				WHEN 'email_click' THEN 8 WHEN 'webinar' THEN 25 WHEN 'whitepaper' THEN 20
				WHEN 'pricing_view' THEN 35 WHEN 'demo_request' THEN 50 WHEN 'unsubscribe' THEN -40
				ELSE 0 END::float8 AS p,
			CASE n.kind
				WHEN 'email_click' THEN 1
				WHEN 'page_view' THEN CASE WHEN n.url LIKE '/pricing%' AND n.duration_s >= 30 THEN 2 ELSE 0 END
				WHEN 'webinar' THEN 2 WHEN 'whitepaper' THEN 2
				WHEN 'pricing_view' THEN 3 WHEN 'demo_request' THEN 3
				ELSE 0 END AS st,
			CASE n.kind WHEN 'page_view' THEN 1 WHEN 'blog_read' THEN 2 WHEN 'email_open' THEN 3 END::smallint AS cap
		FROM bench_new n
		WHERE n.kind IN ('page_view', 'blog_read', 'email_open', 'email_click', 'webinar', 'whitepaper',
		                 'pricing_view', 'demo_request', 'unsubscribe')
		  AND (n.kind <> 'webinar' OR n.duration_s >= 600)
	), windows AS (
		INSERT INTO bench.stmt_caps AS c (model_id, lead_id, cap, times, prev_times)
		SELECT 1, r.lead_id, r.cap,
			(array_agg(r.t ORDER BY r.t DESC))[1:CASE r.cap WHEN 1 THEN 20 WHEN 2 THEN 5 ELSE 10 END], '{}'
		FROM r WHERE r.cap IS NOT NULL
		GROUP BY r.lead_id, r.cap
		ORDER BY r.lead_id, r.cap
		ON CONFLICT (model_id, lead_id, cap) DO UPDATE
			SET prev_times = c.times,
			    times = bench.cap_merge(c.times, excluded.times, CASE c.cap WHEN 1 THEN 20 WHEN 2 THEN 5 ELSE 10 END)
		RETURNING c.lead_id, c.cap, c.times, c.prev_times
	), capped AS (
		-- Each window's change: its times in, its previous times out.
		SELECT w.lead_id,
			sum(x.sign * CASE w.cap WHEN 1 THEN 2 WHEN 2 THEN 5 ELSE 1 END * bench.weight(x.t)) AS d,
			sum(x.sign * CASE w.cap WHEN 1 THEN 2 WHEN 2 THEN 5 ELSE 1 END * bench.weight(x.t))
				FILTER (WHERE w.cap IN (1, 2)) AS d1
		FROM windows w
		CROSS JOIN LATERAL (SELECT t, 1::float8 FROM unnest(w.times) AS t
		                    UNION ALL
		                    SELECT t, -1::float8 FROM unnest(w.prev_times) AS t) AS x (t, sign)
		GROUP BY w.lead_id
	), uncapped AS (
		SELECT r.lead_id, sum(r.p * r.w) AS d,
			coalesce(sum(r.p * r.w) FILTER (WHERE r.st = 1), 0) AS d1,
			coalesce(sum(r.p * r.w) FILTER (WHERE r.st = 2), 0) AS d2,
			coalesce(sum(r.p * r.w) FILTER (WHERE r.st = 3), 0) AS d3,
			count(*) AS c, max(r.t) AS last
		FROM r GROUP BY r.lead_id
	)
	INSERT INTO bench.stmt_state AS s (model_id, lead_id, stored, stage_stored, activity_count, last_activity_at)
	SELECT 1, u.lead_id, u.d + coalesce(k.d, 0), ARRAY[u.d1 + coalesce(k.d1, 0), u.d2, u.d3], u.c, u.last
	FROM uncapped u LEFT JOIN capped k ON k.lead_id = u.lead_id
	ORDER BY u.lead_id
	ON CONFLICT (model_id, lead_id) DO UPDATE SET
		stored = s.stored + excluded.stored,
		stage_stored = ARRAY[s.stage_stored[1] + excluded.stage_stored[1],
		                     s.stage_stored[2] + excluded.stage_stored[2],
		                     s.stage_stored[3] + excluded.stage_stored[3]],
		activity_count = s.activity_count + excluded.activity_count,
		last_activity_at = GREATEST(s.last_activity_at, excluded.last_activity_at);
	RETURN NULL;
END $$;

CREATE TRIGGER score_stmt AFTER INSERT ON bench.act_stmt
	REFERENCING NEW TABLE AS bench_new
	FOR EACH STATEMENT EXECUTE FUNCTION bench.stmt_trigger();
