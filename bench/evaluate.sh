#!/usr/bin/env bash
# evaluate() against the plain-SQL query a user would write (issue 6's
# benchmark), as a ratio in one run.
#
# One throw-away cluster: ROWS (default 1,000,000) activity rows of LEADS
# (default 100,000) leads and a table of won deals (bench/evaluate/setup.sql;
# bench/ingest's model: 30-day half-life, ten rules with conditions, caps and
# a negative one).  Both compute the same thing as of 2025-10-01 with a
# 90-day horizon: every lead's decayed score at as_of, the population and
# labels, and per segment (all, above/below MQL and SQL) leads, conversions,
# rate, lift, precision and recall:
#   * leadscore.evaluate('bench', as_of, '90 days') (which also computes ROC
#     AUC, average deal value and median days to convert);
#   * bench/evaluate/plain.sql: window functions for the caps, power() for
#     the decay, GROUP BY for the scores and the segments.
# First bench/evaluate/check.sql checks that both give the same numbers
# (exit 1 if not); then each is timed REPS times (median) with work_mem at
# PostgreSQL's default 4MB and at 256MB.  A benchmark, not a test: it prints
# medians and ratios and asserts no time.
#
# Run as root:  bash bench/evaluate.sh       (ROWS=100000 LEADS=10000 for a quick run)
# SKIP_BUILD=1: use the installed extension.  LEAD_INDEX=0: no index on
# (lead_id, occurred_at) (a CRM's activity table usually has one).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
require_root
install_packages
[ "${SKIP_BUILD:-0}" = 1 ] || build_and_install "$top"
ROWS=${ROWS:-1000000}
LEADS=${LEADS:-100000}
REPS=${REPS:-3}
LEAD_INDEX=${LEAD_INDEX:-1}
AS_OF='2025-10-01 00:00:00+00'
HORIZON='90 days'

start_throwaway_cluster evaluate
psql() {
	runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -d postgres -v ON_ERROR_STOP=1 \
		-v as_of="$AS_OF" -v horizon="$HORIZON" "$@"
}
psql -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET autovacuum = off" >/dev/null
restart_cluster "$cluster"

log "loading $ROWS activity rows of $LEADS leads"
psql -v rows="$ROWS" -v leads="$LEADS" -v lead_index="$LEAD_INDEX" -f "$top/bench/evaluate/setup.sql"

log "checking that evaluate() and the plain-SQL query agree (as of $AS_OF, horizon $HORIZON)"
check=$({ echo "CREATE TEMP TABLE plain_result AS"; cat "$top/bench/evaluate/plain.sql"; echo ";";
	cat "$top/bench/evaluate/check.sql"; } | psql 2>&1)
echo "$check"
grep -q "^evaluate() and the plain-SQL query agree$" <<<"$check" || exit 1

# Milliseconds of one run of the SQL on stdin with work_mem $1, rows discarded.
run_ms() {
	{ printf "SET work_mem = '%s';\n\\\\o /dev/null\n\\\\timing on\n" "$1"; cat; echo ";"; } | psql |
		awk '/^Time:/ { print $2 }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A ms
for wm in 4MB 256MB; do
	eval_runs=() plain_runs=()
	for i in $(seq 1 "$REPS"); do
		# Alternate, so that neither always runs on a warmer cache.
		eval_runs+=("$(echo "SELECT * FROM leadscore.evaluate('bench', :'as_of', :'horizon')" | run_ms "$wm")")
		plain_runs+=("$(run_ms "$wm" <"$top/bench/evaluate/plain.sql")")
	done
	ms[evaluate,$wm]=$(printf '%s\n' "${eval_runs[@]}" | median)
	ms[plain,$wm]=$(printf '%s\n' "${plain_runs[@]}" | median)
	echo "work_mem $wm: evaluate() ${eval_runs[*]} ms; plain SQL ${plain_runs[*]} ms"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
log "median of $REPS runs, milliseconds ($ROWS rows, $LEADS leads, lead index: $LEAD_INDEX)"
printf '%-30s %16s %16s\n' "" "work_mem 4MB" "work_mem 256MB"
printf '%-30s %16s %16s\n' "leadscore.evaluate()" "${ms[evaluate,4MB]}" "${ms[evaluate,256MB]}"
printf '%-30s %16s %16s\n' "plain SQL (window, GROUP BY)" "${ms[plain,4MB]}" "${ms[plain,256MB]}"
printf '%-30s %15sx %15sx\n' "ratio evaluate / plain SQL" "$(ratio "${ms[evaluate,4MB]}" "${ms[plain,4MB]}")" \
	"$(ratio "${ms[evaluate,256MB]}" "${ms[plain,256MB]}")"
