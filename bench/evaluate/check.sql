-- bench/evaluate.sh: evaluate() against the plain-SQL query (its rows in
-- the temporary table plain_result): per segment the same leads and
-- conversions, rates and lift to 1e-12 / 1e-9 relative, and the same scores
-- (the sum of evaluate_leads' scores per segment against the sum of the
-- plain-SQL scores, 1e-9 relative).  psql variables: as_of, horizon.
\set ON_ERROR_STOP 1
CREATE TEMP TABLE check_result AS
WITH e AS (
	SELECT * FROM leadscore.evaluate('bench', :'as_of', :'horizon') WHERE scope = 'all'
), l AS (
	SELECT v.segment, sum(x.score) AS score_sum
	FROM leadscore.evaluate_leads('bench', :'as_of', :'horizon') x,
	     LATERAL (VALUES ('all', true), ('above_mql', x.status <> 'nurture'), ('below_mql', x.status = 'nurture'),
	                     ('above_sql', x.status = 'sql'), ('below_sql', x.status <> 'sql')) v(segment, inside)
	WHERE v.inside GROUP BY v.segment
)
SELECT e.segment, e.leads, p.leads AS plain_leads, e.converted, p.converted AS plain_converted,
       round(e.conversion_rate::numeric, 4) AS rate, round(e.lift::numeric, 3) AS lift,
       round(e.roc_auc::numeric, 4) AS roc_auc,
       coalesce(e.leads = p.leads AND e.converted = p.converted
           AND abs(e.conversion_rate - p.conversion_rate) <= 1e-12
           AND abs(e.lift - p.lift) <= 1e-9 * p.lift
           AND (e.precision IS NULL) = (p.precision IS NULL) AND coalesce(abs(e.precision - p.precision) <= 1e-12, true)
           AND (e.recall IS NULL) = (p.recall IS NULL) AND coalesce(abs(e.recall - p.recall) <= 1e-12, true)
           AND abs(l.score_sum - p.score_sum) <= 1e-9 * greatest(1, abs(p.score_sum)), false) AS same
FROM e LEFT JOIN plain_result p USING (segment) LEFT JOIN l USING (segment);
SELECT segment, leads, plain_leads, converted, plain_converted, rate, lift, roc_auc, same
FROM check_result ORDER BY segment;
SELECT count(*) = 5 AND bool_and(same) AS all_same FROM check_result \gset
\if :all_same
\echo evaluate() and the plain-SQL query agree
\else
\echo MISMATCH between evaluate() and the plain-SQL query
\endif
