#!/usr/bin/env bash
# top_leads(model, 50) at 1,000 leads vs at LEADS (default 1,000,000) leads,
# in one cluster and one state table: two models over the same activity
# table, the small one scoring only leads 1..1000.  top_leads reads the
# (score_rank, model_id) index and sorts the leads of the top ranks only,
# so both should take about as long unless very many leads share the top
# ranks (here every lead has one visit in the last 1,000 hours: the
# worst case, a third of the leads within a factor sqrt(2) of the best);
# the plain view query ORDER BY score (a sort of every lead) is printed
# beside it.  Then the same for two graded models whose probability link
# weighs grades: top_leads() ranks them by probability from each grade's
# top ranks (the (grade, model_id, score_rank) index).
# Run as root:  bash bench/top_leads.sh      (LEADS=100000 for a quick run; ~12 minutes here)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
require_root
install_packages
build_and_install "$top"
LEADS=${LEADS:-1000000}
REPEAT=${REPEAT:-200}

start_throwaway_cluster bench
psql() { runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"; }

log "loading $LEADS leads"
psql <<SQL
CREATE EXTENSION leadscore;
CREATE TABLE activities (lead_id bigint, kind text, occurred_at timestamptz);
SELECT leadscore.create_model('big', half_life => '30 days');
SELECT leadscore.create_model('small', half_life => '30 days');
SELECT leadscore.add_rule('big', 'visit', 10);
SELECT leadscore.add_rule('small', 'visit', 10, condition => 'lead_id <= 1000');
-- The same two with a grade profile (tiers -3..3: grades F to A+) and a
-- probability link that weighs grades heavily (0.5 log-odds a step against
-- 0.3 a point: a lead's grade moves it as much as 20 points would), set by
-- hand: top_leads() then ranks by probability, its cost independent of
-- how the link was fitted.
CREATE TABLE contacts (id bigint PRIMARY KEY, tier integer);
SELECT leadscore.create_grade_profile('fit', base => 'C');
SELECT leadscore.add_criterion('fit', c, s) FROM (VALUES ('tier > 0', 2), ('tier > 1', 2), ('tier > 2', 2),
	('tier < 0', -2), ('tier < -1', -2), ('tier < -2', -2)) v(c, s);
SELECT leadscore.create_model('big_graded', half_life => '30 days', grade_profile => 'fit');
SELECT leadscore.create_model('small_graded', half_life => '30 days', grade_profile => 'fit');
SELECT leadscore.add_rule('big_graded', 'visit', 10);
SELECT leadscore.add_rule('small_graded', 'visit', 10, condition => 'lead_id <= 1000');
SELECT leadscore.attach_activities('activities', 'lead_id', 'kind', 'occurred_at');
SELECT leadscore.attach_leads('contacts', 'id');
INSERT INTO contacts SELECT i, (i * 7919) % 7 - 3 FROM generate_series(1, $LEADS) AS i;
INSERT INTO activities
SELECT i, 'visit', now() - (i % 1000) * interval '1 hour' FROM generate_series(1, $LEADS) AS i;
DELETE FROM leadscore.lead_state s USING leadscore.models m
WHERE m.id = s.model_id AND m.name IN ('small', 'small_graded') AND s.stored = 0;
INSERT INTO leadscore.probability_links (model_id, horizon, link, leads, converted)
SELECT m.id, '90 days', ARRAY[-3, 0.3] || ARRAY(SELECT (r - 6) * 0.5 FROM generate_series(0, 12) r) || ARRAY[0::float8],
	$LEADS, 0
FROM leadscore.models m WHERE m.name LIKE '%_graded';
VACUUM ANALYZE leadscore.lead_state;
SQL

time_query() {  # time_query LABEL SQL: mean milliseconds over REPEAT runs
	local ms
	ms=$(psql -At 2>&1 <<SQL
DO \$\$
DECLARE t0 timestamptz; r record;
BEGIN
	t0 := clock_timestamp();
	FOR i IN 1..$REPEAT LOOP
		FOR r IN $2 LOOP END LOOP;
	END LOOP;
	RAISE NOTICE '%', round((extract(epoch FROM clock_timestamp() - t0) * 1000 / $REPEAT)::numeric, 3);
END \$\$;
SQL
	)
	printf '%-52s %8s ms\n' "$1" "${ms#NOTICE:  }"
}
log "mean milliseconds per query ($REPEAT runs each)"
psql -c "SELECT m.name AS model, count(*) AS leads FROM leadscore.lead_state s JOIN leadscore.models m ON m.id = s.model_id GROUP BY 1 ORDER BY 1"
for model in small big; do
	time_query "top_leads('$model', 50)" "SELECT * FROM leadscore.top_leads('$model', 50)"
	time_query "view, ORDER BY score_rank, score_key ($model)" "SELECT * FROM leadscore.lead_scores WHERE model_id = (SELECT id FROM leadscore.models WHERE name = '$model') ORDER BY score_rank DESC, score_key DESC LIMIT 50"
	time_query "view, ORDER BY score: sorts every lead ($model)" "SELECT * FROM leadscore.lead_scores WHERE model = '$model' ORDER BY score DESC LIMIT 50"
done
for model in small_graded big_graded; do
	time_query "top_leads('$model', 50), by probability" "SELECT * FROM leadscore.top_leads('$model', 50)"
	time_query "view, ORDER BY probability: sorts every lead ($model)" "SELECT * FROM leadscore.lead_scores WHERE model = '$model' ORDER BY probability DESC LIMIT 50"
done
psql -c "SELECT m AS model, (SELECT array_agg(probability) FROM leadscore.top_leads(m, 50))
	= (SELECT array_agg(probability) FROM (SELECT probability FROM leadscore.lead_scores WHERE model = m
		ORDER BY probability DESC LIMIT 50) t) AS same_probabilities_as_sorting_every_lead
FROM unnest(ARRAY['small_graded', 'big_graded']) m"
psql -c "EXPLAIN (COSTS OFF) SELECT lead_id FROM leadscore.lead_scores WHERE model_id = 1 ORDER BY score_rank DESC, score_key DESC LIMIT 50"
