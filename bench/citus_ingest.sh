#!/usr/bin/env bash
# What scoring costs a write on Citus (issue 16), next to bench/ingest.sh's
# one-server ratios.
#
# A coordinator and two workers, throw-away clusters on 127.0.0.1 and free
# ports, SHARDS shards.  Two distributed activity tables of the same shape,
# colocated, with bench/ingest.sh's rows and model (bench/ingest/; the
# single rows from bench/citus/pgbench_insert.sql):
#   (a) plain      no scoring (the baseline of every ratio)
#   (b) leadscore  attached, then leadscore.distribute(): scored on the shards
# Each a median of REPS runs, both tables emptied before each:
#   bulk    an INSERT ... SELECT and a COPY FROM of ROWS rows over LEADS leads
#           (new leads), through the coordinator
#   single  TXNS single-row transactions from pgbench with 2 clients on the
#           coordinator, with the commit's flush
# The ratio (b)/(a) is what leadscore costs there.  Two cores run all three
# nodes here, so the absolute times say little; compare ratios in one run.
#
#   bash bench/citus_ingest.sh                   builds and installs first
#   SKIP_BUILD=1 LEADSCORE_PG_BIN=... bash bench/citus_ingest.sh
#
# Needs Citus in that PostgreSQL (scripts/test.sh installs it with
# CITUS_BUILD); says so and stops otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
require_root

LEADSCORE_PG_BIN=${LEADSCORE_PG_BIN:-/usr/lib/postgresql/15/bin}
ROWS=${ROWS:-200000}
LEADS=${LEADS:-20000}
TXNS=${TXNS:-2000}
REPS=${REPS:-3}
SHARDS=${SHARDS:-8}

if [ ! -f "$("$LEADSCORE_PG_BIN/pg_config" --pkglibdir)/citus.so" ]; then
	echo "skipped: Citus is not installed in $LEADSCORE_PG_BIN's PostgreSQL"
	exit 0
fi
[ "${SKIP_BUILD:-0}" = 1 ] || build_and_install "$top"

base=$(mktemp -d /tmp/leadscore-citus-bench.XXXXXX)
chmod 755 "$base"
nodes=(coordinator worker1 worker2)
declare -A ports
cleanup() {
	for n in "${nodes[@]}"; do
		[ -d "$base/$n" ] && stop_cluster "$base/$n"
	done
	rm -rf "$base"
}
trap cleanup EXIT

# psql on node $1 (the rest: psql's arguments), stopping at the first error.
on() {
	local n=$1
	shift
	runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h "$base/$n" -p "${ports[$n]}" -d postgres \
		-v ON_ERROR_STOP=1 "$@"
}

log "starting a coordinator and two workers ($SHARDS shards)"
for n in "${nodes[@]}"; do
	ports[$n]=$(free_port)
	start_cluster "$base/$n" "${ports[$n]}"
	cat >>"$base/$n/data/postgresql.conf" <<CONF
shared_preload_libraries = 'citus'
citus.enable_unsafe_triggers = on
citus.shard_count = $SHARDS
max_prepared_transactions = 100
shared_buffers = '512MB'
max_wal_size = '8GB'
checkpoint_timeout = '1h'
autovacuum = off
CONF
	restart_cluster "$base/$n"
	on "$n" -c 'CREATE EXTENSION citus'
done
on coordinator -c "SELECT citus_set_coordinator_host('127.0.0.1', ${ports[coordinator]})" \
	-c "SELECT citus_add_node('127.0.0.1', ${ports[worker1]})" \
	-c "SELECT citus_add_node('127.0.0.1', ${ports[worker2]})" >/dev/null

log "the tables, the model, distribute()"
on coordinator <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION leadscore;
CREATE SCHEMA bench;
-- Citus's unique keys hold the distribution column.
CREATE TABLE bench.act_plain (
	id bigint GENERATED ALWAYS AS IDENTITY,
	lead_id bigint NOT NULL,
	kind text NOT NULL,
	occurred_at timestamptz NOT NULL,
	url text,
	duration_s integer,
	PRIMARY KEY (lead_id, id)
);
CREATE TABLE bench.act_leadscore (LIKE bench.act_plain INCLUDING ALL);
SQL
on coordinator -f "$top/bench/ingest/model.sql" >/dev/null
on coordinator <<'SQL' >/dev/null
SET client_min_messages = warning;
SELECT leadscore.attach_activities('bench.act_leadscore', 'lead_id', 'kind', 'occurred_at');
SELECT create_distributed_table('bench.act_plain', 'lead_id');
SELECT create_distributed_table('bench.act_leadscore', 'lead_id', colocate_with => 'bench.act_plain');
SELECT leadscore.distribute();
SQL

log "generating $ROWS rows over $LEADS leads"
copy_file="$base/coordinator/rows.copy" # written by the server, as postgres
on coordinator -v rows="$ROWS" -v leads="$LEADS" -v copy_file="$copy_file" \
	-f "$top/bench/ingest/generate.sql" >/dev/null

# Seconds one statement takes on the coordinator, both tables emptied and a
# checkpoint on every node first.
timed() {
	local n
	on coordinator -c 'TRUNCATE bench.act_plain, bench.act_leadscore'
	for n in "${nodes[@]}"; do on "$n" -c CHECKPOINT; done
	on coordinator -At <<SQL | awk '/^Time:/ { printf "%.3f\n", $2 / 1000 }'
\\timing on
$1;
SQL
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A result
columns="kind, lead_id, occurred_at, url, duration_s"
for t in plain leadscore; do
	for r in $(seq "$REPS"); do
		timed "INSERT INTO bench.act_$t ($columns) SELECT $columns FROM bench.staging" >>"$base/insert_$t"
		timed "COPY bench.act_$t (lead_id, kind, occurred_at, url, duration_s) FROM '$copy_file'" >>"$base/copy_$t"
	done
	result[insert_$t]=$(median <"$base/insert_$t")
	result[copy_$t]=$(median <"$base/copy_$t")
done

log "single-row transactions ($TXNS, 2 clients)"
for t in plain leadscore; do
	sed "s/@TABLE@/bench.act_$t/" "$top/bench/citus/pgbench_insert.sql" >"$base/insert_$t.sql"
	chmod 644 "$base/insert_$t.sql"
	for r in $(seq "$REPS"); do
		runuser -u postgres -- "$LEADSCORE_PG_BIN/pgbench" -n -h "$base/coordinator" -p "${ports[coordinator]}" \
			-c 2 -j 2 -t $((TXNS / 2)) -D leads="$LEADS" -f "$base/insert_$t.sql" postgres 2>"$base/pgbench.err" |
			awk '/^tps/ { print $3 }' >>"$base/tps_$t" || true
	done
	[ -s "$base/tps_$t" ] || { cat "$base/pgbench.err"; exit 1; }
	result[tps_$t]=$(median <"$base/tps_$t")
done

verify=$(on coordinator -At -c 'SELECT count(*) FROM leadscore.verify()')
printf '\n%-34s %10s %10s %7s\n' "Citus, $SHARDS shards, 2 workers" plain leadscore ratio
printf '%-34s %10s %10s %7s\n' "INSERT ... SELECT, $ROWS rows, s" "${result[insert_plain]}" "${result[insert_leadscore]}" \
	"$(awk -v a="${result[insert_plain]}" -v b="${result[insert_leadscore]}" 'BEGIN { printf "%.2f", b / a }')"
printf '%-34s %10s %10s %7s\n' "COPY, $ROWS rows, s" "${result[copy_plain]}" "${result[copy_leadscore]}" \
	"$(awk -v a="${result[copy_plain]}" -v b="${result[copy_leadscore]}" 'BEGIN { printf "%.2f", b / a }')"
printf '%-34s %10.0f %10.0f %7s\n' "single rows, transactions/s" "${result[tps_plain]}" "${result[tps_leadscore]}" \
	"$(awk -v a="${result[tps_plain]}" -v b="${result[tps_leadscore]}" 'BEGIN { printf "%.2f", a / b }')"
echo "verify() after the runs: $verify differences"
