-- The independent plain-SQL recompute of bench/ingest's model, read by
-- bench/ingest/check.sql and bench/replication/check.sql:
--   bench.recompute(tbl)          each lead's state from an activity table
--                                 (rules as data, caps by row_number(); needs
--                                 bench.weight, bench/ingest/setup.sql)
--   bench.state_diff(state, tbl)  the leads whose state differs from it

CREATE OR REPLACE FUNCTION bench.recompute(tbl regclass)
RETURNS TABLE (lead_id bigint, stored float8, stage_stored float8[], activity_count bigint,
	last_activity_at timestamptz)
LANGUAGE plpgsql AS $f$
BEGIN
	RETURN QUERY EXECUTE format($q$
		WITH rules (rule, kind, points, stage, max_count) AS (VALUES
			('page_view', 'page_view', 2::float8, 1, 20),
			('pricing_page', 'page_view', 15, 2, NULL),
			('blog_read', 'blog_read', 5, 1, 5),
			('email_open', 'email_open', 1, NULL, 10),
			('email_click', 'email_click', 8, 1, NULL),
			('webinar', 'webinar', 25, 2, NULL),
			('whitepaper', 'whitepaper', 20, 2, NULL),
			('pricing_view', 'pricing_view', 35, 3, NULL),
			('demo_request', 'demo_request', 50, 3, NULL),
			('unsubscribe', 'unsubscribe', -40, NULL, NULL)
		), hits AS (
			SELECT a.id, a.lead_id, a.occurred_at, r.rule, r.points, r.stage, r.max_count,
				row_number() OVER (PARTITION BY a.lead_id, r.rule ORDER BY a.occurred_at DESC) AS newest
			FROM %s a JOIN rules r ON r.kind = a.kind
			WHERE CASE r.rule
				WHEN 'pricing_page' THEN a.url LIKE '/pricing%%' AND a.duration_s >= 30
				WHEN 'webinar' THEN a.duration_s >= 600
				ELSE true END
		), scored AS (
			SELECT h.*, CASE WHEN h.max_count IS NULL OR h.newest <= h.max_count
				THEN h.points * bench.weight(h.occurred_at) ELSE 0 END AS x
			FROM hits h
		)
		SELECT s.lead_id, sum(s.x),
			ARRAY[coalesce(sum(s.x) FILTER (WHERE s.stage = 1), 0),
			      coalesce(sum(s.x) FILTER (WHERE s.stage = 2), 0),
			      coalesce(sum(s.x) FILTER (WHERE s.stage = 3), 0)],
			count(DISTINCT s.id), max(s.occurred_at)
		FROM scored s GROUP BY s.lead_id
	$q$, tbl);
END $f$;

-- Differences between a state and the recompute; a float counts as equal
-- within 1e-9 relative (1e-9 absolute near 0): the sums add the same terms
-- in different orders.
CREATE OR REPLACE FUNCTION bench.state_diff(state regclass, tbl regclass)
RETURNS TABLE (lead_id bigint, what text)
LANGUAGE plpgsql AS $f$
BEGIN
	RETURN QUERY EXECUTE format($q$
		WITH st AS (
			SELECT s.lead_id, s.stored, s.stage_stored, s.activity_count, s.last_activity_at
			FROM %s s WHERE s.model_id = (SELECT m.id FROM leadscore.models m WHERE m.name = 'bench')
		), re AS (SELECT * FROM bench.recompute(%L))
		SELECT coalesce(st.lead_id, re.lead_id),
			CASE WHEN st.lead_id IS NULL THEN 'missing state'
				WHEN re.lead_id IS NULL THEN 'state without activity'
				ELSE concat_ws(' ',
					CASE WHEN abs(st.stored - re.stored) > 1e-9 * greatest(1, abs(re.stored))
						THEN format('stored %%s <> %%s', st.stored, re.stored) END,
					CASE WHEN EXISTS (SELECT 1 FROM generate_subscripts(re.stage_stored, 1) i
							WHERE abs(st.stage_stored[i] - re.stage_stored[i]) > 1e-9 * greatest(1, abs(re.stage_stored[i])))
						THEN format('stage_stored %%s <> %%s', st.stage_stored, re.stage_stored) END,
					CASE WHEN st.activity_count <> re.activity_count
						THEN format('activity_count %%s <> %%s', st.activity_count, re.activity_count) END,
					CASE WHEN st.last_activity_at IS DISTINCT FROM re.last_activity_at
						THEN format('last_activity_at %%s <> %%s', st.last_activity_at, re.last_activity_at) END)
			END
		FROM st FULL JOIN re ON re.lead_id = st.lead_id
		WHERE st.lead_id IS NULL OR re.lead_id IS NULL
			OR abs(st.stored - re.stored) > 1e-9 * greatest(1, abs(re.stored))
			OR EXISTS (SELECT 1 FROM generate_subscripts(re.stage_stored, 1) i
				WHERE abs(st.stage_stored[i] - re.stage_stored[i]) > 1e-9 * greatest(1, abs(re.stage_stored[i])))
			OR st.activity_count <> re.activity_count
			OR st.last_activity_at IS DISTINCT FROM re.last_activity_at
	$q$, state, tbl);
END $f$;

