#!/usr/bin/env bash
# tick() follows the crossings, not the leads (issue 5's benchmark).
#
# Two databases in one throw-away cluster: one model with LEADS (default
# 1,000,000) leads, and the same model with SMALL (default 10,100) leads.
# In both, DUE = 10,100 leads are MQLs whose score falls below the
# threshold one second apart, starting an hour from now; every other lead
# cooled down long ago (nurture, nothing due).  tick(t) is timed with 0, 100
# and 10,000 crossings before t (each run in a transaction that is rolled
# back, so every run starts from the same state), and against the
# hand-written way of decaying scores: a nightly
#   UPDATE scores SET score = score * factor
# over a plain (lead_id, score) table with an index on score.
# A benchmark, not a test: it prints medians and ratios and asserts no time.
#
# Run as root:  bash bench/tick.sh        (LEADS=100000 for a quick run)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
require_root
install_packages
[ "${SKIP_BUILD:-0}" = 1 ] || build_and_install "$top"
LEADS=${LEADS:-1000000}
SMALL=${SMALL:-10100}
DUE=10100
REPS=${REPS:-5}

start_throwaway_cluster tick
psql() { runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -v ON_ERROR_STOP=1 "$@"; }
psql -d postgres -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET autovacuum = off" >/dev/null
restart_cluster "$cluster"

# load DB LEADS: the model, LEADS - DUE cold leads, DUE leads crossing MQL
# at base + 1 hour + j seconds (j = 1 .. DUE), and the plain score table.
load() {
	local db=$1 leads=$2
	psql -d postgres -c "CREATE DATABASE $db" >/dev/null
	psql -d "$db" <<SQL
CREATE EXTENSION leadscore;
CREATE TABLE activities (lead_id bigint, kind text, occurred_at timestamptz);
-- 60 points, MQL at 50: an MQL for 30 * log2(1.2) = 7.89 days, no stages.
SELECT leadscore.create_model('m', half_life => '30 days', stages => '{}');
SELECT leadscore.add_rule('m', 'visit', 60);
SELECT leadscore.attach_activities('activities', 'lead_id', 'kind', 'occurred_at');
CREATE TABLE base AS SELECT date_trunc('second', now()) AS t;
INSERT INTO activities
SELECT i, 'visit', (SELECT t FROM base) - interval '1 year' FROM generate_series($DUE + 1, $leads) AS i;
INSERT INTO activities
SELECT j, 'visit', (SELECT t FROM base) - interval '30 days' * log(2, 1.2) + interval '1 hour' + j * interval '1 second'
FROM generate_series(1, $DUE) AS j;
CREATE TABLE scores (lead_id bigint PRIMARY KEY, score float8);
CREATE INDEX ON scores (score);
INSERT INTO scores SELECT i, 60 * random() FROM generate_series(1, $leads) AS i;
VACUUM ANALYZE;
SQL
	psql -d "$db" -At -c "SELECT 'leads: ' || count(*) || ', due: ' || count(due_at) FROM leadscore.lead_state"
}

# Median milliseconds of REPS runs of SQL, each in a rolled-back transaction.
timed() {
	local db=$1 sql=$2 i
	for i in $(seq 1 "$REPS"); do
		psql -d "$db" <<SQL | awk '/^Time:/ { print $2 }'
BEGIN;
\\timing on
$sql;
\\timing off
ROLLBACK;
SQL
	done | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

log "loading $LEADS and $SMALL leads"
load big "$LEADS"
load small "$SMALL"

declare -A ms
for db in big small; do
	for crossings in 0 100 10000; do
		t="(SELECT t FROM base) + interval '1 hour' + $crossings * interval '1 second' + interval '0.5 second'"
		[ "$crossings" = 0 ] && t="(SELECT t FROM base) + interval '1 hour'"
		got=$(psql -d "$db" -At -c "BEGIN" -c "SELECT leadscore.tick($t)" -c "ROLLBACK" | grep -E "^[0-9]+$")
		[ "$got" = "$crossings" ] || { echo "tick reported $got transitions, expected $crossings" >&2; exit 1; }
		ms[$db,$crossings]=$(timed "$db" "SELECT leadscore.tick($t)")
	done
	ms[$db,update]=$(timed "$db" "UPDATE scores SET score = score * 0.977")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
log "median of $REPS runs, milliseconds"
printf '%-34s %14s %14s %14s\n' "" "$LEADS leads" "$SMALL leads" "ratio"
for c in 0 100 10000; do
	printf '%-34s %14s %14s %13sx\n' "tick(), $c crossings" "${ms[big,$c]}" "${ms[small,$c]}" "$(ratio "${ms[big,$c]}" "${ms[small,$c]}")"
done
printf '%-34s %14s %14s %13sx\n' "nightly UPDATE score = score * f" "${ms[big,update]}" "${ms[small,update]}" "$(ratio "${ms[big,update]}" "${ms[small,update]}")"
echo
echo "tick() with 10,000 crossings vs the nightly UPDATE at $LEADS leads: $(ratio "${ms[big,10000]}" "${ms[big,update]}")x the time"
echo "tick() with 100 crossings vs the nightly UPDATE at $LEADS leads: $(ratio "${ms[big,100]}" "${ms[big,update]}")x the time"
