#!/usr/bin/env bash
# What account scoring adds to ingest (issue 6's benchmark): the same
# activity rows scored by the same model in two databases of one cluster,
# one without accounts and one whose leads belong to accounts (a lead table
# with an account column: LEADS leads in LEADS / 5 accounts).  Each load
# starts from empty activity and state tables; INSERT ... SELECT and COPY of
# ROWS rows, and TXNS single-row transactions from pgbench with 2 clients.
# The model is bench/ingest/setup.sql's (ten rules, conditions, caps), so
# the figures compare with bench/ingest.sh's.  Prints medians and ratios;
# asserts no time; exits non-zero only if verify() finds a difference.
# PROFILE=1 then runs the single-row transactions of both databases once
# more under pg_stat_statements (track = all, track_planning = on) and
# prints the statements leadscore runs for them.
#
# Run as root:  bash bench/accounts.sh      (ROWS=100000 LEADS=10000 TXNS=4000 for a quick run)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
require_root
install_packages
[ "${SKIP_BUILD:-0}" = 1 ] || build_and_install "$top"
ROWS=${ROWS:-1000000}
LEADS=${LEADS:-100000}
TXNS=${TXNS:-20000}
REPS=${REPS:-3}
PROFILE=${PROFILE:-0}

start_throwaway_cluster accounts
pg() { runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -v ON_ERROR_STOP=1 "$@"; }
pg -d postgres -c "ALTER SYSTEM SET shared_buffers = '2GB'" -c "ALTER SYSTEM SET max_wal_size = '16GB'" \
	-c "ALTER SYSTEM SET checkpoint_timeout = '1h'" -c "ALTER SYSTEM SET autovacuum = off" >/dev/null
restart_cluster "$cluster"

files=$cluster/files
mkdir -p "$files"
cp "$top"/bench/ingest/*.sql "$files/"
sed 's/@TABLE@/bench.act_leadscore/' "$files/pgbench_insert.sql" >"$files/pgbench.sql"
chown -R postgres:postgres "$files"

# The ingest benchmark's schema and model (its hand-written triggers are
# created too and stay unused); in `accounts`, a lead table with an account
# column attached.
for db in plain accounts; do
	pg -d postgres -c "CREATE DATABASE $db" >/dev/null
	pg -d "$db" -v lead_index=0 -f "$files/setup.sql" >/dev/null
done
pg -d accounts <<SQL >/dev/null
CREATE TABLE bench.contacts (id bigint PRIMARY KEY, company_id bigint);
INSERT INTO bench.contacts SELECT i, 1 + i % ($LEADS / 5) FROM generate_series(1, $LEADS) i;
SELECT leadscore.attach_leads('bench.contacts', 'id', account_column => 'company_id');
SQL
log "generating $ROWS rows over $LEADS leads"
pg -d plain -v rows="$ROWS" -v leads="$LEADS" -v copy_file="$files/rows.copy" -f "$files/generate.sql"
pg -d accounts -c "CREATE TABLE bench.staging (lead_id bigint, kind text, occurred_at timestamptz, url text, duration_s integer)" \
	-c "COPY bench.staging FROM '$files/rows.copy'" -c "ANALYZE bench.staging" >/dev/null

reset() {
	pg -d "$1" -c "TRUNCATE bench.act_leadscore RESTART IDENTITY" \
		-c "TRUNCATE leadscore.lead_state, leadscore.account_state, leadscore.ingest_log, leadscore.events" >/dev/null
}
columns="lead_id, kind, occurred_at, url, duration_s"
timed() { # DB SQL: seconds, commit included, after a checkpoint
	pg -d "$1" <<SQL | awk '/^Time:/ { t = $2 } END { printf "%.3f\n", t / 1000 }'
CHECKPOINT;
\\timing on
$2
SQL
}
timed_pgbench() { # DB
	pg -d "$1" -c CHECKPOINT >/dev/null
	runuser -u postgres -- "$LEADSCORE_PG_BIN/pgbench" -n -M prepared -c 2 -j 2 -t $((TXNS / 2)) -D leads="$LEADS" \
		-f "$files/pgbench.sql" -h 127.0.0.1 -p "$port" "$1" 2>&1 |
		awk -v n="$TXNS" '/^tps = .*without initial connection time/ { printf "%.3f\n", n / $3 }'
}

results=$cluster/results
: >"$results"
for method in insert copy pgbench; do
	for rep in $(seq 1 "$REPS"); do
		order=(plain accounts)
		[ $((rep % 2)) = 0 ] && order=(accounts plain)
		for db in "${order[@]}"; do
			reset "$db"
			case $method in
			insert) s=$(timed "$db" "INSERT INTO bench.act_leadscore ($columns) SELECT $columns FROM bench.staging;") ;;
			copy) s=$(timed "$db" "COPY bench.act_leadscore ($columns) FROM '$files/rows.copy';") ;;
			pgbench) s=$(timed_pgbench "$db") ;;
			esac
			printf '%-8s %-9s run %d: %8.3f s\n' "$method" "$db" "$rep" "$s"
			echo "$method $db $s" >>"$results"
		done
	done
	for db in plain accounts; do
		bad=$(pg -d "$db" -At -c "SELECT count(*) FROM leadscore.verify()")
		[ "$bad" = 0 ] || { echo "verify() found $bad differences in $db after $method" >&2; exit 1; }
	done
done

median() { awk -v m="$1" -v d="$2" '$1 == m && $2 == d { print $3 }' "$results" | sort -g |
	awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
log "median of $REPS runs, seconds; ROWS=$ROWS LEADS=$LEADS ($((LEADS / 5)) accounts) TXNS=$TXNS"
printf '%-22s %12s %14s %8s\n' method "no accounts" "with accounts" ratio
for method in insert copy pgbench; do
	a=$(median "$method" plain)
	b=$(median "$method" accounts)
	printf '%-22s %12s %14s %7.2fx\n' "$method" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')"
done
pg -d accounts -c "SELECT count(*) AS accounts, round(avg(engaged_leads), 1) AS avg_engaged_leads FROM leadscore.account_scores"

if [ "$PROFILE" = 1 ]; then
	log "profile: single-row transactions (pg_stat_statements, track = all, track_planning = on)"
	pg -d postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_cron', 'pg_stat_statements'" >/dev/null
	restart_cluster "$cluster"
	pg -d postgres -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" \
		-c "ALTER SYSTEM SET pg_stat_statements.track_planning = on" -c "SELECT pg_reload_conf()" >/dev/null
	for db in plain accounts; do
		reset "$db"
		pg -d "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
		s=$(timed_pgbench "$db")
		echo
		echo "pgbench in $db: $s s; statements by execution + planning time (ms):"
		pg -d "$db" -P pager=off <<'SQL'
SELECT calls, round(total_exec_time::numeric, 1) AS exec_ms, round(total_plan_time::numeric, 1) AS plan_ms,
	round(((total_exec_time + total_plan_time) / calls)::numeric, 4) AS ms_per_call,
	left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
FROM pg_stat_statements
WHERE query !~* 'pg_stat_statements|^CHECKPOINT' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY total_exec_time + total_plan_time DESC LIMIT 12;
SQL
	done
fi
