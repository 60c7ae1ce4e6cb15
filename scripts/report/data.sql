-- The report's data, from the extension's own functions and views on the
-- demo's database (scripts/demo.sql), written into the current directory
-- as tab-separated files for the gnuplot scripts beside this one, with the
-- three leads whose DNA cards the page shows.  scripts/report/report.sh runs it.
\set ON_ERROR_STOP on
\set QUIET on
SET TimeZone = 'UTC';
\set model marketplace_seller
\set model_30d marketplace_seller_30d
\set graded marketplace_seller_graded

-- Score distribution: per 20-point bin, the share of converted leads (won
-- a deal) and of the others, so the two groups compare whatever their size.
COPY (
	WITH s AS (
		SELECT ls.score, d.contact_id IS NOT NULL AS won
		FROM leadscore.lead_scores ls LEFT JOIN crm.deals d ON d.contact_id = ls.lead_id
		WHERE ls.model = :'model')
	SELECT floor(score / 20) * 20 AS bin,
		round(100.0 * count(*) FILTER (WHERE won) / (SELECT count(*) FROM s WHERE won), 2),
		round(100.0 * count(*) FILTER (WHERE NOT won) / (SELECT count(*) FROM s WHERE NOT won), 2),
		20
	FROM s GROUP BY 1 ORDER BY 1
) TO STDOUT
\g scores.tsv

-- Lift per rule with its 95 % interval, as in demo.sql section 11.
COPY (
	SELECT name, round(lift::numeric, 3), round(lift_low::numeric, 3), round(lift_high::numeric, 3)
	FROM leadscore.calibrate(:'model', '2017-06-01', '2018-03-01', horizon => '120 days')
	WHERE kind = 'rule' AND lift > 0
) TO STDOUT
\g lift.tsv

-- The gains curve: leads as evaluate() saw them on 2018-03-01, best score
-- first, and the share of the next 90 days' conversions among the first
-- x %; a point per 20 leads is enough for a curve 640 px wide.
COPY (
	WITH l AS (
		SELECT row_number() OVER (ORDER BY score DESC, lead_id) AS n, count(*) OVER () AS leads,
			sum(converted::integer) OVER (ORDER BY score DESC, lead_id) AS hits,
			sum(converted::integer) OVER () AS conversions
		FROM leadscore.evaluate_leads(:'model_30d', '2018-03-01', '90 days'))
	SELECT 0, 0
	UNION ALL
	SELECT round(100.0 * n / leads, 2), round(100.0 * hits / nullif(conversions, 0), 2)
	FROM l WHERE n % 20 = 0 OR n = leads
) TO STDOUT
\g gains.tsv
SELECT round(roc_auc::numeric, 3) AS auc FROM leadscore.evaluate(:'model_30d', '2018-03-01', '90 days')
WHERE scope = 'all' AND segment = 'all' \gset
\o auc.txt
\qecho :auc
\o

-- The status funnel of the main model, ending in the SQLs that won a deal.
COPY (
	SELECT step, leads FROM (
		SELECT 1, 'all leads', count(*) FROM leadscore.lead_scores WHERE model = :'model'
		UNION ALL SELECT 2, 'MQL or SQL', count(*) FILTER (WHERE status <> 'nurture')
			FROM leadscore.lead_scores WHERE model = :'model'
		UNION ALL SELECT 3, 'SQL', count(*) FILTER (WHERE status = 'sql')
			FROM leadscore.lead_scores WHERE model = :'model'
		UNION ALL SELECT 4, 'SQL and won', count(*)
			FROM leadscore.lead_scores ls JOIN crm.deals d ON d.contact_id = ls.lead_id
			WHERE ls.model = :'model' AND ls.status = 'sql'
	) f(n, step, leads) ORDER BY n
) TO STDOUT
\g funnel.tsv

-- The evaluate() table the page shows beside the gains curve.
\pset format html
\pset tuples_only off
\pset footer off
\pset null ''
\o evaluate.html
SELECT segment, threshold, leads, converted, round(100 * conversion_rate::numeric, 1) AS "rate %",
	round(lift::numeric, 2) AS lift, round(precision::numeric, 2) AS precision, round(recall::numeric, 2) AS recall
FROM leadscore.evaluate(:'model_30d', '2018-03-01', '90 days') ORDER BY segment <> 'all', threshold, segment;
\o

-- Three lead DNA cards: the graded model's best SQL, its best MQL held back
-- by its grade, and a good fit still below MQL (fit_priority).
CREATE TEMP VIEW cards AS
	(SELECT lead_id, 1 AS n, 'the best sales-qualified lead of the graded model' AS caption
	FROM leadscore.lead_scores WHERE model = :'graded' AND status = 'sql' ORDER BY score DESC, lead_id LIMIT 1)
	UNION ALL
	(SELECT lead_id, 2, 'a high score held at MQL by its grade (SQL needs B or better)'
	FROM leadscore.lead_scores WHERE model = :'graded' AND status = 'mql' AND grade < 'B'
	ORDER BY score DESC, lead_id LIMIT 1)
	UNION ALL
	(SELECT lead_id, 3, 'a good fit below MQL, flagged for a call (fit_priority)'
	FROM leadscore.lead_scores WHERE model = :'graded' AND fit_priority ORDER BY score DESC, lead_id LIMIT 1);
COPY (SELECT lead_id, caption FROM cards ORDER BY n) TO STDOUT
\g dna.tsv
