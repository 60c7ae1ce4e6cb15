#!/usr/bin/env bash
# What a CRM sync costs: a batch of one new activity row for every lead
# that already has history (a nightly sync, a replication catch-up), into
# an unscored table and into an attached one, as a ratio.
#
# One throw-away cluster, one run.  bench/ingest/setup.sql makes the tables
# and the benchmarks' model; ROWS history rows over LEADS leads are loaded
# into (a) bench.act_plain and (b) bench.act_leadscore (not timed); then
# each of REPS runs inserts one row per lead into both with one
# INSERT ... SELECT (timed, commit included, after a checkpoint).  Every
# run adds to what is there, as syncs do.  Ends with verify().
#
# A benchmark, not a test: it prints figures and ratios, asserts no timing,
# and exits non-zero only when a state is wrong.
#
# Run as root:  bash bench/sync_batch.sh
# Environment: ROWS=1000000 LEADS=100000 REPS=3; SKIP_BUILD=1 uses the
# installed leadscore; LEADSCORE_PG_BIN picks the PostgreSQL installation.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
source "$top/bench/lib.sh"
require_root

ROWS=${ROWS:-1000000}
LEADS=${LEADS:-100000}
REPS=${REPS:-3}
SKIP_BUILD=${SKIP_BUILD:-0}

install_packages
[ "$SKIP_BUILD" = 1 ] || build_and_install "$top"
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)

start_throwaway_cluster sync
files=$cluster/sync
mkdir -p "$files"
cp "$top"/bench/ingest/*.sql "$files/"
chown -R postgres:postgres "$files"

tune_for_loads

log "loading $ROWS history rows over $LEADS leads into both tables"
pg -v lead_index=0 -f "$files/setup.sql" >/dev/null
pg -v rows="$ROWS" -v leads="$LEADS" -v copy_file="$files/unused.copy" -f "$files/generate.sql" >/dev/null
columns="lead_id, kind, occurred_at, url, duration_s"
for t in plain leadscore; do
	pg -c "INSERT INTO bench.act_$t ($columns) SELECT $columns FROM bench.staging"
done
pg -c "VACUUM ANALYZE" >/dev/null

# One new row per lead: a page view of the pricing page now.
batch="INSERT INTO bench.TABLE ($columns)
SELECT l, 'page_view', now(), '/pricing', 45 FROM pg_catalog.generate_series(1, $LEADS) l"

results=$(mktemp)
for rep in $(seq 1 "$REPS"); do
	for t in plain leadscore; do
		s=$(timed_sql "${batch/TABLE/act_$t}")
		echo "$t $s" >>"$results"
		printf 'run %d  %-10s %8.3f s\n' "$rep" "$t" "$s"
	done
done

median() {
	awk -v v="$1" '$1 == v { print $2 }' "$results" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
plain=$(median plain)
scored=$(median leadscore)
log "sync batch: $LEADS rows, one per existing lead, after $ROWS rows of history; median of $REPS"
echo "leadscore: tree $commit; PostgreSQL $("$LEADSCORE_PG_BIN/postgres" --version | awk '{ print $3 }'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '(a) plain      %8.3f s  1.00x\n' "$plain"
printf '(b) leadscore  %8.3f s  %.2fx\n' "$scored" "$(awk -v a="$scored" -v b="$plain" 'BEGIN { print a / b }')"

log "state checks (bad rows; 0 is right)"
bad=$(pg -At -c "SELECT count(*) FROM leadscore.verify()")
echo "verify $bad"
[ "$bad" = 0 ]
