-- Reading scores: the decay weight, the lead_scores and account_scores views
-- and the functions that return their rows, stats and explain().  After
-- every table the views read (state_tables.sql, accounts.sql) and _model_id
-- (models.sql), which the SQL functions here call.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- 2^((t - E)/h): the stored sum that equals one point at time t.  1 for a
-- model without decay.  Scores now = stored / weight; thresholds compare as
-- stored >= threshold * weight, which orders as the (score_rank, model_id)
-- index does (state_tables.sql).  Weights saturate at 2^600
-- (src/core/model/decay.hpp: with points up to 1e12 every stored sum, and
-- every score read from one, stays finite).
-- The view's thresholds and scores use this function, the triggers the C++
-- one: the two clamp at the same exponent.
CREATE FUNCTION leadscore.stored_weight(half_life interval, epoch timestamptz, at timestamptz DEFAULT now())
	RETURNS float8 LANGUAGE sql STABLE PARALLEL SAFE
	-- A standard SQL body is bound when created (no search_path at call
	-- time) and can be inlined into the view.
	RETURN CASE WHEN half_life IS NULL THEN 1::float8
		ELSE pg_catalog.power(2::float8, LEAST(600::float8,
			extract(epoch FROM at - epoch)::float8 / extract(epoch FROM half_life)::float8)) END;

CREATE FUNCTION leadscore.stage_of(stage_stored float8[], stages text[], weight float8, min_points float8)
	RETURNS text AS 'MODULE_PATHNAME', 'leadscore_stage_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

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

-- lead_scores.probability from a model's link, the score shown and the
-- grade (NULL: none); NULL without a link (src/pg/insight/probability_functions.cpp).
CREATE FUNCTION leadscore.link_probability(link float8[], score float8, grade leadscore.grade) RETURNS float8
	AS 'MODULE_PATHNAME', 'leadscore_link_probability' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- lead_scores is (re)created when the first attachment fixes the lead key
-- type, so lead_id has the CRM's own type.
-- as_member: add them to the extension (when called after CREATE EXTENSION),
-- so DROP EXTENSION still removes everything.  On a Citus coordinator the
-- rebuild stays local (citus.enable_ddl_propagation, a placeholder without
-- Citus): sent to the workers as DDL of its own, it would drop their
-- extension's copies, which they refuse (test/t/016_citus.pl).
CREATE FUNCTION leadscore._create_views(as_member boolean) RETURNS void
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
SELECT leadscore._create_views(false);

-- Before a key type is fixed: the views and the functions that return their
-- rows go, and _create_views() makes them again with the new types.
CREATE FUNCTION leadscore._drop_views() RETURNS void
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

-- Per attached table, the rows the triggers could not score; per model,
-- the activity rows scored.
CREATE VIEW leadscore.stats AS
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

-- Reads and changes nothing: STABLE, so the privilege rule makes it a
-- reader's function.
CREATE FUNCTION leadscore.explain(model text, lead_id anyelement)
	RETURNS TABLE (rule text, activity_type text, points float8, stage text, activities bigint,
		counted bigint, raw_points float8, points_now float8, share float8)
	AS 'MODULE_PATHNAME', 'leadscore_explain' LANGUAGE C STABLE
	SET search_path = pg_catalog, pg_temp STRICT;
COMMENT ON FUNCTION leadscore.explain(text, anyelement) IS
	'per rule of the model: the lead''s matching activities, those that count (caps), raw points, points now after decay, share of the score';
