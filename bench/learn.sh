#!/usr/bin/env bash
# learn(): held-out figures against hand-made points, calibrate()'s
# suggestions, the true law and scikit-learn, and its time and memory at
# scale.  A benchmark, not a test: it prints figures and asserts no time.
#
# One throw-away cluster, a database per part (PARTS, default all three):
#
#   synthetic  LEADS (default 20,000) leads whose conversion law is known
#              (bench/learn/synthetic.sql: decayed activity with a 30-day
#              half-life, a burst of visits, three lead attributes, a type
#              merely correlated with a causal one, two types that do not
#              matter), split 70/30 by a hash of the lead id.  On the test
#              split: (a) the hand-made model (equal points, a 90-day
#              half-life), (b) a model with calibrate()'s suggested points
#              and steps (and (b') the same with the law's half-life),
#              (c) learn()'s candidate, (d) the law itself
#              (bench/learn/synthetic_models.sql).
#   scale      learn() on SCALE_LEADS (default 100,000) leads with 30
#              features (24 rules, 6 grade criteria; bench/learn/scale.sql),
#              SCALE_REPS (default 2) times: seconds and the backend's peak
#              memory (bench/lib.sh's timed_session: VmHWM of
#              /proc/<backend>/status read by the backend after the call,
#              and that less the shared memory it touched); calibrate(),
#              rescore() of the candidate and fit_probability() once each
#              for comparison.
#   olist      the Olist funnel as a CRM (bench/learn/olist_load.sql: real
#              leads and won deals, the DERIVED activity stream with its
#              planted signal), each lead judged OLIST_OFFSET (7 days) after
#              its first contact against wins within OLIST_HORIZON (180
#              days), split 70/30 by a hash of the lead id.  On the test
#              split: the demo's hand-made model, calibrate()'s suggestions,
#              learn()'s candidate, learn() on the demo's rules plus an
#              email_sent rule and a criterion per origin
#              (bench/learn/olist_models.sql), and scikit-learn's
#              LogisticRegressionCV and HistGradientBoostingClassifier on
#              per-type counts and the origin (bench/learn/olist_sklearn.py).
#
# Every leadscore figure (ROC AUC, Brier score, log loss from evaluate(),
# the top-decile lift from evaluate_calibration()) is recomputed by
# bench/learn/metrics.py from the per-lead probabilities of
# evaluate_leads(); the script exits 1 if they disagree.
#
# Run as root:  bash bench/learn.sh        (about 5 minutes here)
# PARTS="synthetic olist": skip the scale part.  SKIP_BUILD=1: use the
# installed extension.  LEADSCORE_PG_BIN: another PostgreSQL 15's bin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
source "$top/bench/lib.sh"
require_root
install_packages
[ "${SKIP_BUILD:-0}" = 1 ] || build_and_install "$top"
PARTS=${PARTS:-"synthetic scale olist"}
LEADS=${LEADS:-20000}
SCALE_LEADS=${SCALE_LEADS:-100000}
SCALE_REPS=${SCALE_REPS:-2}
OLIST_OFFSET=${OLIST_OFFSET:-7 days}
OLIST_HORIZON=${OLIST_HORIZON:-180 days}
SYN_HORIZON='90 days'
HAND_HALF_LIFE='90 days'
started=$(date +%s)

start_throwaway_cluster learn
out=$cluster/out
mkdir -p "$out"
pg <<'SQL'
ALTER SYSTEM SET shared_buffers = '1GB';
ALTER SYSTEM SET autovacuum = off;
ALTER SYSTEM SET timezone = 'UTC';
SQL
restart_cluster "$cluster"

# db NAME [psql arguments]: psql into database NAME, stopping at the first error.
db() {
	local name=$1
	shift
	runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h "$cluster" -p "$port" -d "$name" \
		-v ON_ERROR_STOP=1 "$@"
}
# export DB QUERY FILE: the query's rows as CSV with a header.
export_csv() {
	db "$1" -c "COPY ($2) TO STDOUT (FORMAT csv, HEADER)" >"$3"
}
# predictions DB MODEL HORIZON POPULATION: per lead (in evaluate_leads()'
# order) its probability and label, as a SELECT.
predictions() {
	echo "SELECT e.lead_id, e.probability, e.converted::int AS converted
		FROM leadscore.evaluate_leads('$2', NULL, '$3', leads => '$4') WITH ORDINALITY e ORDER BY e.ordinality"
}
# own_figures HORIZON POPULATION MODEL=LABEL...: leadscore's own figures per
# model, named by its label in metrics.py's table.
own_figures() {
	local horizon=$1 population=$2 m label sep="" q=""
	shift 2
	for m in "$@"; do
		label=${m#*=}
		q+="$sep SELECT '${label//\'/\'\'}' AS model, e.roc_auc, e.brier, e.log_loss, c.lift AS top_decile_lift
			FROM leadscore.evaluate('${m%%=*}', NULL, '$horizon', leads => '$population') e,
				leadscore.evaluate_calibration('${m%%=*}', '$horizon', '$population') c
			WHERE e.scope = 'all' AND e.segment = 'all' AND c.bin = 1"
		sep=" UNION ALL"
	done
	echo "$q"
}
machine() {
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), tree $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')," \
		"$("$LEADSCORE_PG_BIN/postgres" --version), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
status=0

if [[ " $PARTS " == *" synthetic "* ]]; then
	log "synthetic: $LEADS leads with a known conversion law"
	db postgres -c "CREATE DATABASE learn_syn"
	db learn_syn -v leads="$LEADS" -v hand_half_life="$HAND_HALF_LIFE" -f "$top/bench/learn/synthetic.sql"
	db learn_syn -v horizon="$SYN_HORIZON" -v hand_half_life="$HAND_HALF_LIFE" \
		-f "$top/bench/learn/synthetic_models.sql"
	for m in syn_hand syn_calib syn_calib_30d syn_hand_learned; do
		export_csv learn_syn "$(predictions learn_syn $m "$SYN_HORIZON" syn.test)" "$out/syn_$m.csv"
	done
	export_csv learn_syn "SELECT e.lead_id, t.p AS probability, e.converted::int AS converted
		FROM leadscore.evaluate_leads('syn_hand', NULL, '$SYN_HORIZON', leads => 'syn.test') WITH ORDINALITY e
		JOIN syn.truth t ON t.lead_id = e.lead_id::bigint ORDER BY e.ordinality" "$out/syn_truth.csv"
	export_csv learn_syn "$(own_figures "$SYN_HORIZON" syn.test "syn_hand=(a) hand-made, equal points" \
		"syn_calib=(b) calibrate() points" "syn_calib_30d=(b') calibrate() points, the law's 30-day half-life" \
		"syn_hand_learned=(c) learn()")" "$out/syn_own.csv"
	log "synthetic: learn()'s candidate on the test split, calibration by decile of predicted probability"
	db learn_syn -c "SELECT bin, leads, converted, round(mean_predicted::numeric, 3) AS predicted,
		round(observed_rate::numeric, 3) AS observed, round(lift::numeric, 2) AS lift
		FROM leadscore.evaluate_calibration('syn_hand_learned', '$SYN_HORIZON', 'syn.test')"
	log "synthetic: the test split ($(machine))"
	/usr/bin/python3 "$top/bench/learn/metrics.py" --check "$out/syn_own.csv" --reference "(c) learn()" \
		"(a) hand-made, equal points=$out/syn_syn_hand.csv" \
		"(b) calibrate() points=$out/syn_syn_calib.csv" \
		"(b') calibrate() points, the law's 30-day half-life=$out/syn_syn_calib_30d.csv" \
		"(c) learn()=$out/syn_syn_hand_learned.csv" \
		"(d) the true law=$out/syn_truth.csv" || status=1
fi

if [[ " $PARTS " == *" scale "* ]]; then
	log "scale: $SCALE_LEADS leads, 30 features"
	# The scale part runs in the postgres database: bench/lib.sh's
	# timed_session connects there.
	pg -v leads="$SCALE_LEADS" -f "$top/bench/learn/scale.sql"
	log "scale: learn() $SCALE_REPS times, each in a new session after a CHECKPOINT ($(machine))"
	# timed STATEMENT LABEL: one line of seconds and peak memory.
	timed() {
		local r hwm own
		r=$(timed_session "$1")
		read -r _ hwm own <<<"$(sed -n 2p <<<"$r")"
		echo "$2: $(sed -n 1p <<<"$r") s; backend peak resident $((hwm / 1024)) MB, of it its own" \
			"(less the shared memory it touched) $((own / 1024)) MB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	}
	for i in $(seq 1 "$SCALE_REPS"); do
		timed "CREATE TABLE scale.learned_$i AS SELECT * FROM leadscore.learn('scale', '90 days', 'scale.population')" \
			"learn()"
	done
	pg -At -c "SELECT note FROM scale.learned_1 WHERE kind = 'model'"
	timed "SELECT count(*) FROM leadscore.calibrate('scale', NULL, NULL, '90 days', leads => 'scale.population')" \
		"for comparison, calibrate() on the same leads"
	timed "SELECT leadscore.rescore('scale_learned')" "rescore() of the candidate (part of learn())"
	timed "SELECT count(*) FROM leadscore.fit_probability('scale_learned', '90 days', 'scale.population')" \
		"fit_probability() of the candidate (part of learn())"
fi

if [[ " $PARTS " == *" olist "* ]]; then
	log "olist: each lead judged $OLIST_OFFSET after its first contact, wins within $OLIST_HORIZON"
	# The server reads the data files (COPY), as postgres.
	cp -r "$top/data" "$cluster/olist-data"
	chown -R postgres:postgres "$cluster/olist-data"
	db postgres -c "CREATE DATABASE learn_olist"
	db learn_olist -v datadir="$cluster/olist-data" -v offset="$OLIST_OFFSET" -f "$top/bench/learn/olist_load.sql"
	db learn_olist -v horizon="$OLIST_HORIZON" -f "$top/bench/learn/olist_models.sql"
	for m in seller seller_calib seller_learned seller_full_learned; do
		export_csv learn_olist "$(predictions learn_olist $m "$OLIST_HORIZON" olist.test)" "$out/olist_$m.csv"
	done
	export_csv learn_olist "$(own_figures "$OLIST_HORIZON" olist.test "seller=the demo's hand-made model" \
		"seller_calib=calibrate() points" "seller_learned=learn()" \
		"seller_full_learned=learn(), email_sent rule and a criterion per origin")" "$out/olist_own.csv"
	# The same leads and labels for scikit-learn, with per-type counts up to
	# each lead's as_of and its origin.
	for split in train test; do
		export_csv learn_olist "SELECT e.lead_id, e.converted::int AS converted, coalesce(c.origin, '') AS origin,
			$(for k in form_fill page_view email_sent email_open email_click content_download webinar demo_request \
				unsubscribe; do printf "count(a.id) FILTER (WHERE a.kind = '%s') AS %s, " $k $k; done)
			count(a.id) FILTER (WHERE a.kind = 'page_view' AND a.url LIKE '/blog/%') AS blog_view,
			count(a.id) FILTER (WHERE a.kind = 'page_view' AND a.url LIKE '/pricing%' AND a.duration_s >= 30)
				AS pricing_read,
			count(a.id) FILTER (WHERE a.kind = 'page_view' AND a.url LIKE '/careers%') AS careers_view,
			count(a.id) FILTER (WHERE a.kind = 'webinar' AND a.duration_s >= 600) AS webinar_attended
			FROM leadscore.evaluate_leads('seller', NULL, '$OLIST_HORIZON', leads => 'olist.$split') WITH ORDINALITY e
			JOIN olist.contacts c ON c.id = e.lead_id::bigint
			JOIN olist.$split s ON s.lead_id = c.id
			LEFT JOIN olist.activities a ON a.lead_id = c.id AND a.occurred_at <= s.as_of
			GROUP BY e.ordinality, e.lead_id, e.converted, c.origin ORDER BY e.ordinality" "$out/olist_$split.csv"
	done
	/usr/bin/python3 "$top/bench/learn/olist_sklearn.py" "$out/olist_train.csv" "$out/olist_test.csv" "$out"
	log "olist: the test split ($(machine))"
	/usr/bin/python3 "$top/bench/learn/metrics.py" --check "$out/olist_own.csv" --reference "learn()" \
		"the demo's hand-made model=$out/olist_seller.csv" \
		"calibrate() points=$out/olist_seller_calib.csv" \
		"learn()=$out/olist_seller_learned.csv" \
		"learn(), email_sent rule and a criterion per origin=$out/olist_seller_full_learned.csv" \
		"scikit-learn LogisticRegressionCV=$out/logistic_regression.csv" \
		"scikit-learn HistGradientBoosting=$out/gradient_boosting.csv" || status=1
fi

log "done in $(($(date +%s) - started)) s"
exit $status
