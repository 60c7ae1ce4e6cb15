-- bench/evaluate.sh: what a user would write instead of leadscore.evaluate():
-- every lead's decayed score as of :'as_of' from the history by window
-- functions and GROUP BY, the population and labels of evaluate() (active
-- at or before as_of, not converted by then; converted: first deal in
-- (as_of, as_of + horizon]), and the segments' leads, conversions, rates,
-- lift, precision and recall.  (evaluate() computes more: ROC AUC, average
-- deal value and median days to convert; this query does not.)  score_sum
-- is no user's figure: it lets bench/evaluate/check.sql compare the scores.
--
-- The rules of bench/evaluate/setup.sql, spelled out: every matching rule
-- scores; a capped rule counts the lead's N most recent matching rows;
-- each row is worth points * 2^(-age / 30 days); NULLs never match.
-- psql variables: as_of, horizon.
WITH rules (rule, kind, points, cap) AS (
	VALUES ('page_view', 'page_view', 2::float8, 20), ('pricing_page', 'page_view', 15, NULL),
	       ('blog_read', 'blog_read', 5, 5), ('email_open', 'email_open', 1, 10),
	       ('email_click', 'email_click', 8, NULL), ('webinar', 'webinar', 25, NULL),
	       ('whitepaper', 'whitepaper', 20, NULL), ('pricing_view', 'pricing_view', 35, NULL),
	       ('demo_request', 'demo_request', 50, NULL), ('unsubscribe', 'unsubscribe', -40, NULL)
), hits AS (
	SELECT a.lead_id, r.points, r.cap, a.occurred_at,
	       row_number() OVER (PARTITION BY a.lead_id, r.rule ORDER BY a.occurred_at DESC) AS recency
	FROM bench.activities a JOIN rules r ON r.kind = a.kind
	WHERE a.occurred_at <= :'as_of'::timestamptz
	  AND CASE r.rule WHEN 'pricing_page' THEN a.url LIKE '/pricing%' AND a.duration_s >= 30
	                  WHEN 'webinar' THEN a.duration_s >= 600 ELSE true END
), scores AS (
	SELECT lead_id,
	       sum(points * power(2::float8, -extract(epoch FROM :'as_of'::timestamptz - occurred_at)::float8 / 2592000)) AS score
	FROM hits WHERE cap IS NULL OR recency <= cap GROUP BY lead_id
), first_deal AS (
	SELECT lead_id, min(won_at) AS won_at FROM bench.deals GROUP BY lead_id
), leads AS (
	SELECT p.lead_id, coalesce(s.score, 0) AS score,
	       coalesce(d.won_at <= :'as_of'::timestamptz + :'horizon'::interval, false) AS converted
	FROM (SELECT DISTINCT lead_id FROM bench.activities WHERE occurred_at <= :'as_of'::timestamptz) p
	LEFT JOIN scores s USING (lead_id)
	LEFT JOIN first_deal d USING (lead_id)
	WHERE d.won_at IS NULL OR d.won_at > :'as_of'::timestamptz
), segments AS (
	SELECT v.segment, count(*) AS leads, count(*) FILTER (WHERE l.converted) AS converted, sum(l.score) AS score_sum
	FROM leads l, LATERAL (VALUES ('all', true), ('above_mql', l.score >= 50), ('below_mql', l.score < 50),
	                              ('above_sql', l.score >= 100), ('below_sql', l.score < 100)) v(segment, inside)
	WHERE v.inside GROUP BY v.segment
)
SELECT s.segment, s.leads, s.converted, s.converted::float8 / s.leads AS conversion_rate,
       (s.converted::float8 / s.leads) / (a.converted::float8 / a.leads) AS lift,
       CASE WHEN s.segment LIKE 'above%' THEN s.converted::float8 / s.leads END AS "precision",
       CASE WHEN s.segment LIKE 'above%' THEN s.converted::float8 / a.converted END AS recall,
       s.score_sum
FROM segments s, segments a WHERE a.segment = 'all'
ORDER BY s.segment
