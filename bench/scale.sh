#!/usr/bin/env bash
# leadscore at scale (issue 19): ROWS activity rows over LEADS leads (default
# 10,000,000 over 1,000,000), the activity tables indexed on
# (lead_id, occurred_at) as a CRM's are.  One throw-away cluster, one run:
#   - one INSERT ... SELECT of every row into the unscored table (a) and into
#     the attached one (b), each in a new session: seconds, the ratio, and
#     the peak resident set of (b)'s backend (VmHWM, and less the shared
#     buffers it touched: bench/lib.sh timed_session);
#   - top_leads(model, 50), warm: the median of REPEAT calls;
#   - tick() with nothing due (after one tick() that reported what was);
#   - rescore(): seconds, its peak resident set, and its progress NOTICEs;
#   - verify(): seconds, and that it is empty.
# The workload is bench/ingest.sh's (bench/ingest/generate.sql, model.sql).
# A benchmark, not a test: it asserts no timing and exits non-zero only
# when a state is wrong.
#
# Run as root:  bash bench/scale.sh        (~7 minutes here)
# Environment: ROWS=10000000 LEADS=1000000 REPEAT=20; SKIP_BUILD=1 uses the
# installed leadscore; LEADSCORE_PG_BIN (scripts/lib.sh).
set -euo pipefail
shopt -s inherit_errexit

top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
source "$top/bench/lib.sh"
require_root

ROWS=${ROWS:-10000000}
LEADS=${LEADS:-1000000}
REPEAT=${REPEAT:-20}
SKIP_BUILD=${SKIP_BUILD:-0}

install_packages
[ "$SKIP_BUILD" = 1 ] || build_and_install "$top"
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)

start_throwaway_cluster scale
files=$cluster/scale
mkdir -p "$files"
cp "$top"/bench/ingest/*.sql "$files/"
chown -R postgres:postgres "$files"
tune_for_loads

log "generating $ROWS rows over $LEADS leads"
pg -v lead_index=1 -f "$files/setup.sql" >/dev/null
pg -c "DROP TABLE bench.act_row, bench.act_stmt" >/dev/null
pg -v rows="$ROWS" -v leads="$LEADS" -v copy_file=/dev/null -f "$files/generate.sql" >/dev/null

columns="lead_id, kind, occurred_at, url, duration_s"
insert() { echo "INSERT INTO bench.act_$1 ($columns) SELECT $columns FROM bench.staging"; }
log "one INSERT ... SELECT of $ROWS rows into each table"
read -r plain _ <<<"$(timed_session "$(insert plain)" | head -1)"
out=$(timed_session "$(insert leadscore)")
scored=$(sed -n 1p <<<"$out")
read -r _ ingest_hwm ingest_own <<<"$(sed -n 2p <<<"$out")"
pg -c "VACUUM ANALYZE" >/dev/null

log "top_leads(50) and tick()"
# The median of REPEAT warm calls, in milliseconds.
top_ms=$(pg -At -c "SET client_min_messages = notice" -c "DO \$\$
DECLARE t0 timestamptz; n bigint; ms float8[] := '{}';
BEGIN
	PERFORM count(*) FROM leadscore.top_leads('bench', 50);
	FOR i IN 1 .. $REPEAT LOOP
		t0 := clock_timestamp();
		SELECT count(*) INTO n FROM leadscore.top_leads('bench', 50);
		ms := ms || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
	END LOOP;
	RAISE NOTICE '%', (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(ms) x);
END \$\$" 2>&1 | sed -n 's/.*NOTICE: *//p')
# The first tick() reports what is due; the second, in the same session
# (a new session's first call reads the catalog and prepares its plans:
# ~25 ms), finds nothing.
tick_ms=$(pg -At -c "DO \$\$
DECLARE t0 timestamptz;
BEGIN
	PERFORM leadscore.tick();
	t0 := clock_timestamp();
	PERFORM leadscore.tick();
	RAISE NOTICE '%', round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 3);
END \$\$" 2>&1 | sed -n 's/.*NOTICE: *//p')

log "rescore()"
out=$(timed_session "SELECT leadscore.rescore('bench')")
rescore_s=$(sed -n 1p <<<"$out")
read -r _ rescore_hwm rescore_own <<<"$(sed -n 2p <<<"$out")"

log "verify()"
out=$(timed_session "SELECT count(*) FROM leadscore.verify()")
verify_s=$(sed -n 1p <<<"$out")
bad=$(pg -At -c "SELECT count(*) FROM leadscore.verify()")

log "scale: $ROWS rows over $LEADS leads, the activity tables indexed on (lead_id, occurred_at)"
echo "leadscore: tree $commit; PostgreSQL $("$LEADSCORE_PG_BIN/postgres" --version | awk '{ print $3 }'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
awk -v p="$plain" -v s="$scored" 'BEGIN { printf "INSERT ... SELECT   (a) plain %.1f s, (b) leadscore %.1f s: %.2fx\n", p, s, s / p }'
echo "  (b)'s backend: peak resident set $((ingest_hwm / 1024)) MB, $((ingest_own / 1024)) MB less the shared buffers it touched"
echo "top_leads(50), warm: $top_ms ms (median of $REPEAT)"
echo "tick(), nothing due: $tick_ms ms"
echo "rescore(): $rescore_s s; peak resident set $((rescore_hwm / 1024)) MB, $((rescore_own / 1024)) MB less the shared buffers"
echo "verify(): $verify_s s; $bad differences"
echo "lead_state: $(pg -At -c "SELECT pg_size_pretty(pg_table_size('leadscore.lead_state')) || ' heap, ' || pg_size_pretty(pg_indexes_size('leadscore.lead_state')) || ' indexes, ' || count(*) || ' leads' FROM leadscore.lead_state")"
[ "$bad" = 0 ]
