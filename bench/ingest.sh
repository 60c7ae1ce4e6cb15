#!/usr/bin/env bash
# The ingest benchmark of issue 4: what scoring costs an INSERT.
#
# One throw-away cluster, one run.  The same activity rows go into four
# tables that differ only in what scores them:
#   (a) plain      no scoring (the baseline)
#   (b) leadscore  leadscore.attach_activities: statement triggers in C++
#   (c) row        a hand-written PL/pgSQL FOR EACH ROW trigger
#   (d) stmt       a hand-written PL/pgSQL FOR EACH STATEMENT trigger over a
#                  transition table, set-based
# by three methods: one INSERT ... SELECT of ROWS rows from a staging table,
# one COPY FROM of the same rows from a file, and TXNS single-row
# transactions from pgbench with 2 clients.  Each measurement runs REPS
# times on empty tables; the median is reported with its ratio to (a).
# Afterwards every state is checked: leadscore.verify() and an independent
# SQL recompute of each state table (bench/ingest/check.sql).
#
# A benchmark, not a test (CONTRIBUTING.md, "Benchmarks"): it prints
# figures and ratios and asserts no timing.  It exits non-zero only when a
# state is wrong.
#
# Run as root:  bash bench/ingest.sh
# Environment (defaults: issue 4's workload):
#   ROWS=1000000 LEADS=100000 TXNS=20000 REPS=3
#   PGBENCH_MODE=prepared   pgbench -M: prepared (what drivers do) or simple
#   LEAD_INDEX=0            1: also index (lead_id, occurred_at) on every table
#   PROFILE=1               then restart with pg_stat_statements (track = all)
#                           and show where leadscore's time goes, per method
#   PERF=0                  1: perf record -a -g one leadscore COPY and one
#                           pgbench run, and print the top symbols
#   SKIP_BUILD=0            1: use the leadscore already installed
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
source "$top/bench/lib.sh"
require_root

ROWS=${ROWS:-1000000}
LEADS=${LEADS:-100000}
TXNS=${TXNS:-20000}
REPS=${REPS:-3}
PGBENCH_MODE=${PGBENCH_MODE:-prepared}
LEAD_INDEX=${LEAD_INDEX:-0}
PROFILE=${PROFILE:-1}
PERF=${PERF:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
per_client=$((TXNS / 2))

install_packages
if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then
	install_packages linux-perf
fi
[ "$SKIP_BUILD" = 1 ] || build_and_install "$top"

# Which build is measured: the installed module, and the tree it came from.
so=$("$LEADSCORE_PG_BIN/pg_config" --pkglibdir)/leadscore.so
so_stamp=$(stat -c %y "$so" | cut -d. -f1)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD -- src sql 2>/dev/null || commit="$commit+local changes"

start_throwaway_cluster ingest

# Scripts and data files where the postgres user can read (psql -f, pgbench
# -f) and the server can write (COPY TO) them.
files=$cluster/ingest
mkdir -p "$files"
cp "$top"/bench/ingest/*.sql "$files/"
copy_file=$files/activities.copy
chown -R postgres:postgres "$files"

tune_for_loads

log "creating the tables, the model and the hand-written triggers"
pg -v lead_index="$LEAD_INDEX" -f "$files/setup.sql" >/dev/null

log "generating $ROWS rows over $LEADS leads"
pg -v rows="$ROWS" -v leads="$LEADS" -v copy_file="$copy_file" -f "$files/generate.sql"

variants=(plain leadscore row stmt)
methods=(insert copy pgbench)
declare -A label=(
	[plain]="(a) plain" [leadscore]="(b) leadscore" [row]="(c) row trigger" [stmt]="(d) stmt trigger"
	[insert]="INSERT...SELECT" [copy]="COPY" [pgbench]="pgbench 1-row txns"
)
columns="lead_id, kind, occurred_at, url, duration_s"

for v in "${variants[@]}"; do
	sed "s/@TABLE@/bench.act_$v/" "$files/pgbench_insert.sql" >"$files/pgbench_$v.sql"
done
chown postgres:postgres "$files"/pgbench_*.sql

# Every table and state empty: TRUNCATE gives each a new, empty file (a
# DELETE would leave dead rows for the next run to step over).  Truncating
# act_leadscore fires leadscore's TRUNCATE trigger (a rescore of nothing).
reset_tables() {
	pg <<'SQL'
TRUNCATE bench.act_plain, bench.act_row, bench.act_stmt, bench.row_state, bench.row_caps,
	bench.stmt_state, bench.stmt_caps RESTART IDENTITY;
TRUNCATE bench.act_leadscore RESTART IDENTITY;
TRUNCATE leadscore.lead_state, leadscore.ingest_log;
SQL
}

# Seconds for TXNS single-row transactions: TXNS / pgbench's tps without the
# initial connection time.
timed_pgbench() {
	local v=$1 out
	pg -c CHECKPOINT
	if ! out=$(runuser -u postgres -- "$LEADSCORE_PG_BIN/pgbench" -n -M "$PGBENCH_MODE" -c 2 -j 2 \
		-t "$per_client" -D leads="$LEADS" -f "$files/pgbench_$v.sql" -h "$cluster" -p "$port" postgres 2>&1); then
		echo "$out" >&2
		return 1
	fi
	awk -v n=$((per_client * 2)) '/^tps = .*without initial connection time/ { tps = $3 }
		END { if (tps == "") exit 1; printf "%.3f\n", n / tps }' <<<"$out"
}

measure() {
	local method=$1 v=$2
	case $method in
	insert) timed_sql "INSERT INTO bench.act_$v ($columns) SELECT $columns FROM bench.staging;" ;;
	copy) timed_sql "COPY bench.act_$v ($columns) FROM '$copy_file';" ;;
	pgbench) timed_pgbench "$v" ;;
	esac
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=$cluster/results.txt
checks=$cluster/checks.txt
: >"$results"
: >"$checks"
for method in "${methods[@]}"; do
	for rep in $(seq 1 "$REPS"); do
		reset_tables
		# Rotate the order of the variants from one repetition to the next,
		# so none always runs first (cold) or last (with the others' rows in
		# memory).
		for i in 0 1 2 3; do
			v=${variants[$(((i + rep - 1) % 4))]}
			s=$(measure "$method" "$v")
			printf '%-20s %-18s run %d: %8.3f s\n' "${label[$method]}" "${label[$v]}" "$rep" "$s"
			echo "$method $v $rep $s" >>"$results"
		done
	done
	# The tables now hold the last repetition's rows: check every state.
	log "checking the states after ${label[$method]}"
	out=$(pg -f "$files/check.sql")
	echo "$out"
	sed "s/^/$method /" <<<"$out" >>"$checks"
done

median() { # method variant
	awk -v m="$1" -v v="$2" '$1 == m && $2 == v { print $4 }' "$results" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

log "ingest: ROWS=$ROWS LEADS=$LEADS TXNS=$TXNS, median of $REPS runs, seconds (ratio to (a))"
echo "leadscore: tree $commit, $so built $so_stamp"
if [ "$(stat -c %y "$so" | cut -d. -f1)" != "$so_stamp" ]; then
	echo "WARNING: $so was replaced during the run: the figures mix two builds"
fi
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB; PostgreSQL $("$LEADSCORE_PG_BIN/postgres" --version | awk '{ print $3 }'); pgbench -M $PGBENCH_MODE; lead index: $LEAD_INDEX; $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-20s' method
for v in "${variants[@]}"; do printf ' %20s' "${label[$v]}"; done
echo
declare -A med
for method in "${methods[@]}"; do
	printf '%-20s' "${label[$method]}"
	for v in "${variants[@]}"; do
		med[$method.$v]=$(median "$method" "$v")
		printf ' %11.3f (%5sx)' "${med[$method.$v]}" "$(ratio "${med[$method.$v]}" "${med[$method.plain]}")"
	done
	echo
done

log "targets (issue 4)"
for method in "${methods[@]}"; do
	limit=1.30
	[ "$method" = pgbench ] && limit=1.25
	r=$(ratio "${med[$method.leadscore]}" "${med[$method.plain]}")
	# Missed: how far the scoring overhead (ratio - 1) is over its allowance (limit - 1).
	verdict=$(awk -v r="$r" -v l="$limit" 'BEGIN { if (r <= l) print "met";
		else printf "missed: overhead %.0f%% of plain against %.0f%% allowed (%.1fx over)\n", (r - 1) * 100, (l - 1) * 100, (r - 1) / (l - 1) }')
	printf '%-20s leadscore <= %sx plain: %sx  %s\n' "${label[$method]}" "$limit" "$r" "$verdict"
	for other in row stmt; do
		r=$(ratio "${med[$method.leadscore]}" "${med[$method.$other]}")
		verdict=$(awk -v r="$r" 'BEGIN { if (r < 1) print "met"; else print "missed" }')
		printf '%-20s leadscore faster than %s: %sx its time  %s\n' "${label[$method]}" "${label[$other]}" "$r" "$verdict"
	done
done

log "state checks (bad rows; 0 is right)"
bad=0
while read -r method word name count; do
	[ "$word" = check ] || continue
	printf '%-20s %-14s %s\n' "${label[$method]}" "$name" "$count"
	[ "$count" = 0 ] || bad=1
done <"$checks"
grep ' example ' "$checks" || true

if [ "$PROFILE" = 1 ]; then
	# pg_stat_statements with track = all sees the statements the triggers
	# run (leadscore's SPI statements, PL/pgSQL's) as well as the loads.
	log "profile: where leadscore's time goes (pg_stat_statements, track = all)"
	pg -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_cron', 'pg_stat_statements'"
	restart_cluster "$cluster"
	pg <<'SQL'
ALTER SYSTEM SET pg_stat_statements.track = 'all';
ALTER SYSTEM SET pg_stat_statements.track_utility = on;
SELECT pg_reload_conf() \gset
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL
	for method in "${methods[@]}"; do
		reset_tables
		pg -c 'SELECT pg_stat_statements_reset()' >/dev/null
		s=$(measure "$method" leadscore)
		echo
		echo "${label[$method]} into (b) leadscore: $s s; statements by total time (ms):"
		pg -P pager=off <<'SQL'
SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
	round((total_exec_time / calls)::numeric, 4) AS ms_per_call, rows,
	left(regexp_replace(query, '\s+', ' ', 'g'), 150) AS query
FROM pg_stat_statements
WHERE query !~* 'pg_stat_statements|^CHECKPOINT'
ORDER BY total_exec_time DESC LIMIT 10;
SQL
	done
fi

if [ "$PERF" = 1 ]; then
	log "perf: leadscore COPY and pgbench, all CPUs, top symbols (self time)"
	for method in copy pgbench; do
		reset_tables
		pg -c CHECKPOINT
		case $method in
		copy) perf record -q -a -o "$cluster/perf.$method" -- \
			runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h "$cluster" -p "$port" -d postgres \
			-c "COPY bench.act_leadscore ($columns) FROM '$copy_file'" >/dev/null 2>&1 ;;
		pgbench) perf record -q -a -o "$cluster/perf.$method" -- \
			runuser -u postgres -- "$LEADSCORE_PG_BIN/pgbench" -n -M "$PGBENCH_MODE" -c 2 -j 2 \
			-t "$per_client" -D leads="$LEADS" -f "$files/pgbench_leadscore.sql" -h "$cluster" -p "$port" \
			postgres >/dev/null 2>&1 ;;
		esac
		echo
		echo "${label[$method]} into (b) leadscore: self time (all CPUs, idle included) by shared object, then by symbol"
		perf report -q -i "$cluster/perf.$method" --no-children --sort dso --stdio -g none 2>/dev/null |
			grep -v '^$' | head -8 || true
		perf report -q -i "$cluster/perf.$method" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
			grep -v '^$' | sed -e 's/std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/std::string/g' \
			-e 's/  */ /g' | cut -c1-160 | head -40 || true
	done
fi

if [ "$bad" = 1 ]; then
	echo "FAILED: a state differs from its recompute (see the checks above)" >&2
	exit 1
fi
log "done; the cluster is stopped and removed"
