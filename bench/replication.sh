#!/usr/bin/env bash
# What scoring costs the apply of logical replication (issue 12): how many
# rows per second a subscription applies into a plain table and into one
# that leadscore scores, as a ratio.
#
# One run, two throw-away clusters: a publisher with bench.act (the shape of
# bench/ingest's activity tables) and a subscriber with four databases, each
# subscribed to it: (a) plain and (b) scored (bench/ingest's model attached
# to bench.act) for the streamed changes, plain_sync and scored_sync for the
# initial table sync.  Three loads, each REPS times:
#   INSERT...SELECT  ROWS rows over LEADS leads in one transaction
#   pgbench          TXNS single-row transactions (bench/ingest's
#                    pgbench_insert.sql, 2 clients)
#   initial sync     CREATE SUBSCRIPTION with copy_data of the table the
#                    streamed loads left (REPS * (ROWS + TXNS) rows), into
#                    empty tables
# A streamed load is committed on the publisher while (a)'s and (b)'s
# subscriptions are disabled; then each is enabled in turn, alone, and timed
# until it has applied the load (the marker row the publisher inserted after
# it has arrived); the tables grow from run to run, as a CRM's do.  The sync
# is timed from CREATE SUBSCRIPTION until every table of it is ready.  The
# median run of each is reported as rows per second and (b)/(a).
# Afterwards every subscriber database must hold the publisher's rows, and
# the scored ones must pass leadscore.verify() and bench/ingest's recompute.
#
# A benchmark, not a test: it prints figures and ratios, asserts no timing,
# and exits non-zero only when a state is wrong.
#
# Run as root:  bash bench/replication.sh
# Environment: ROWS=1000000 LEADS=100000 TXNS=20000 REPS=3 (runs per
# measurement; the median is reported); SKIP_BUILD=1 uses the
# installed leadscore; LEADSCORE_PG_BIN picks the PostgreSQL installation;
# WAIT_LIMIT=3600 (seconds an apply may take before the run gives up).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
source "$top/bench/lib.sh"
require_root

ROWS=${ROWS:-1000000}
LEADS=${LEADS:-100000}
TXNS=${TXNS:-20000}
REPS=${REPS:-3}
SKIP_BUILD=${SKIP_BUILD:-0}
WAIT_LIMIT=${WAIT_LIMIT:-3600}

install_packages
[ "$SKIP_BUILD" = 1 ] || build_and_install "$top"
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD -- src sql 2>/dev/null || commit="$commit+local changes"

# Two clusters, stopped and removed when the script exits (the subscriber
# first, so that its workers do not reconnect to a publisher going away).
pub=$(mktemp -d /tmp/leadscore-repl-pub.XXXXXX)
sub=$(mktemp -d /tmp/leadscore-repl-sub.XXXXXX)
chmod 755 "$pub" "$sub"
trap 'stop_cluster "$sub"; stop_cluster "$pub"' EXIT
pub_port=$(free_port)
log "starting the publisher on 127.0.0.1:$pub_port"
start_cluster "$pub" "$pub_port"
sub_port=$(free_port)
log "starting the subscriber on 127.0.0.1:$sub_port"
start_cluster "$sub" "$sub_port"

# Scripts where the postgres user can read them, in the tree's layout (they
# include each other by relative path).
files=$pub/files
mkdir -p "$files"
cp -r "$top"/bench/ingest "$top"/bench/replication "$files/"
sed "s/@TABLE@/bench.act/" "$files/ingest/pgbench_insert.sql" >"$files/pgbench_act.sql"
chown -R postgres:postgres "$files"

# psql into the publisher's postgres database; into a subscriber database.
on_pub() { cluster=$pub port=$pub_port pg "$@"; }
on_sub() {
	local db=$1
	shift
	runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h "$sub" -p "$sub_port" -d "$db" \
		-v ON_ERROR_STOP=1 "$@"
}

on_pub -c "ALTER SYSTEM SET wal_level = logical"
cluster=$pub port=$pub_port tune_for_loads
cluster=$sub port=$sub_port tune_for_loads
# The launcher starts no apply or sync worker within wal_retrieve_retry_interval
# (5 s) of its last start: each timed enable would wait for it.
on_sub postgres -c "ALTER SYSTEM SET wal_retrieve_retry_interval = '50ms'" -c "SELECT pg_reload_conf()" >/dev/null

log "the publisher: bench.act, $ROWS rows over $LEADS leads staged"
on_pub -f "$files/replication/publisher.sql" >/dev/null
on_pub -v rows="$ROWS" -v leads="$LEADS" -v copy_file="$files/unused.copy" -f "$files/ingest/generate.sql" >/dev/null
rm -f "$files/unused.copy"

log "the subscriber: (a) plain and (b) scored, subscribed, disabled"
conninfo="host=127.0.0.1 port=$pub_port dbname=postgres user=postgres"
declare -A scored=([plain]=0 [scored]=1 [plain_sync]=0 [scored_sync]=1)
for db in plain scored plain_sync scored_sync; do
	on_sub postgres -c "CREATE DATABASE $db"
	on_sub "$db" -v scored="${scored[$db]}" -f "$files/replication/subscriber.sql" >/dev/null
done
for db in plain scored; do
	on_sub "$db" -c "SET client_min_messages = warning" -c "CREATE SUBSCRIPTION sub_$db CONNECTION '$conninfo'
		PUBLICATION bench_pub WITH (copy_data = false, enabled = false)"
done

marker=0
# Inserts the next marker row on the publisher, after a load.
mark() {
	marker=$((marker + 1))
	on_pub -c "INSERT INTO bench.marker VALUES ($marker)"
}

# Seconds from $2 (SQL run first, in database $1) until that database has
# marker row $marker and every table of its subscription is ready; fails
# after WAIT_LIMIT seconds.  The wait reads with a new snapshot per
# statement (READ COMMITTED), so it sees each apply commit.
timed_catch_up() {
	local db=$1 start=$2 out
	out=$(on_sub "$db" -At <<SQL
SET client_min_messages = warning;
CHECKPOINT;
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
$start;
DO \$\$
DECLARE
	deadline timestamptz := clock_timestamp() + interval '$WAIT_LIMIT seconds';
BEGIN
	WHILE NOT (EXISTS (SELECT FROM bench.marker WHERE n >= $marker)
			AND NOT EXISTS (SELECT FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
				WHERE s.subname = 'sub_$db' AND r.srsubstate <> 'r')) LOOP
		IF clock_timestamp() > deadline THEN
			RAISE EXCEPTION 'sub_$db has not caught up after $WAIT_LIMIT s';
		END IF;
		PERFORM pg_sleep(0.01);
	END LOOP;
END \$\$;
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3);
SQL
) || {
		echo "$out" >&2
		tail -20 "$sub/server.log" >&2
		return 1
	}
	echo "$out"
}

# Enables (a)'s or (b)'s subscription alone, times it through the backlog,
# disables it again.
timed_apply() {
	local db=$1 s
	s=$(timed_catch_up "$db" "ALTER SUBSCRIPTION sub_$db ENABLE")
	on_sub "$db" -c "ALTER SUBSCRIPTION sub_$db DISABLE"
	echo "$s"
}

results=$pub/results.txt
record() { # method variant rep rows seconds
	echo "$1 $2 $3 $4 $5" >>"$results"
	printf '%-10s %-14s run %d: %9d rows %9.3f s %10.0f rows/s\n' "$1" "$2" "$3" "$4" "$5" \
		"$(awk -v r="$4" -v s="$5" 'BEGIN { print r / s }')"
}
# (a) then (b) in odd runs, (b) then (a) in even ones, so neither always
# reads the publisher's WAL first.
order() { if [ $(($1 % 2)) = 1 ]; then echo plain scored; else echo scored plain; fi; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
columns="lead_id, kind, occurred_at, url, duration_s"

log "INSERT...SELECT: $ROWS rows in one publisher transaction, $REPS times"
for rep in $(seq 1 "$REPS"); do
	on_pub -c CHECKPOINT
	on_pub -c "INSERT INTO bench.act ($columns) SELECT $columns FROM bench.staging"
	mark
	for v in $(order "$rep"); do
		record insert "$v" "$rep" "$ROWS" "$(timed_apply "$v")"
	done
done

log "pgbench: $TXNS single-row publisher transactions, $REPS times"
for rep in $(seq 1 "$REPS"); do
	on_pub -c CHECKPOINT
	runuser -u postgres -- "$LEADSCORE_PG_BIN/pgbench" -n -M prepared -c 2 -j 2 -t $((TXNS / 2)) \
		-D leads="$LEADS" -f "$files/pgbench_act.sql" -h "$pub" -p "$pub_port" postgres >/dev/null
	mark
	for v in $(order "$((rep + 1))"); do
		record pgbench "$v" "$rep" "$((TXNS / 2 * 2))" "$(timed_apply "$v")"
	done
done

# Each run after the first starts again from empty subscriber tables and
# state: the subscription dropped, the tables truncated (on the attached
# table that is leadscore's rescore of nothing).
total=$(on_pub -At -c "SELECT count(*) FROM bench.act")
log "initial sync: CREATE SUBSCRIPTION copying $total rows, $REPS times"
mark
for rep in $(seq 1 "$REPS"); do
	for v in $(order "$rep"); do
		db=${v}_sync
		if [ "$rep" -gt 1 ]; then
			on_sub "$db" -c "SET client_min_messages = warning" -c "DROP SUBSCRIPTION sub_$db" -c "TRUNCATE bench.act, bench.marker" >/dev/null
		fi
		record sync "$v" "$rep" "$total" \
			"$(timed_catch_up "$db" "CREATE SUBSCRIPTION sub_$db CONNECTION '$conninfo' PUBLICATION bench_pub")"
		on_sub "$db" -c "ALTER SUBSCRIPTION sub_$db DISABLE"
	done
done

# Rows per second of the median run.
rate() { # method variant
	awk -v m="$1" -v v="$2" '$1 == m && $2 == v { print $4 / $5 }' "$results" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR % 2) printf "%.0f\n", a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
log "replication apply: ROWS=$ROWS LEADS=$LEADS TXNS=$TXNS, median of $REPS runs, rows per second"
echo "leadscore: tree $commit; PostgreSQL $("$LEADSCORE_PG_BIN/postgres" --version | awk '{ print $3 }')"
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB; $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-22s %14s %14s %8s\n' method '(a) plain' '(b) leadscore' '(b)/(a)'
declare -A label=([insert]="INSERT...SELECT" [pgbench]="pgbench 1-row txns" [sync]="initial sync")
for m in insert pgbench sync; do
	a=$(rate "$m" plain)
	b=$(rate "$m" scored)
	printf '%-22s %14s %14s %8s\n' "${label[$m]}" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')"
done

log "state checks (bad rows; 0 is right)"
bad=0
for db in plain scored plain_sync scored_sync; do
	out=$(on_sub "$db" -v rows="$total" -v scored="${scored[$db]}" -f "$files/replication/check.sql")
	while read -r word name count; do
		[ "$word" = check ] || continue
		printf '%-12s %-10s %s\n' "$db" "$name" "$count"
		[ "$count" = 0 ] || bad=1
	done <<<"$out"
	grep '^example ' <<<"$out" | sed "s/^/$db /" || true
done

if [ "$bad" = 1 ]; then
	echo "FAILED: a subscriber's state is wrong (see the checks above)" >&2
	exit 1
fi
log "done; the clusters are stopped and removed"
