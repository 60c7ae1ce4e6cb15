#!/usr/bin/env bash
# The ingest benchmark of issues 4 and 19: what scoring costs a write.
#
# One throw-away cluster, one run.  The same activity rows go into tables
# that differ only in what scores them:
#   (a) plain      no scoring (the baseline of every ratio)
#   (b) leadscore  leadscore.attach_activities: statement triggers in C++
#   (c) row        a hand-written PL/pgSQL FOR EACH ROW trigger
#   (d) stmt       a hand-written PL/pgSQL FOR EACH STATEMENT trigger over a
#                  transition table, set-based
# Four parts (PARTS), each a table of medians of REPS runs with the ratio
# to (a):
#   bulk      new leads: one INSERT ... SELECT and one COPY FROM of ROWS rows
#             over LEADS leads (10 a lead), into all four; the same of ROWS3
#             rows over the same leads (3 a lead) into (a) and (b)
#   single    TXNS single-row transactions from pgbench with 2 clients: with
#             the commit's flush (into all four) and with synchronous_commit
#             = off (into (a) and (b))
#   sync      after ROWS rows of history, one new row for every lead and for
#             every tenth lead, each batch cold (the first statement of a new
#             session, as a sync tool that connects per batch) and warm (the
#             same batch again in that session), into (a) and (b)
#   features  (b) with variants of the model (bench/ingest/model.sql): full
#             (caps and stages), no caps, no stages, full with a grade
#             profile over an attached lead table, full plus one rule
#             of issue 13 each (a frequency window, points from a value, a
#             rule of every type, a silence rule; the window's and the
#             silence rule's base is full with an index on the lead
#             column, which their history reads need), and full plus
#             issue 17's bands or its handoff queue: a bulk
#             INSERT ... SELECT, then the sync batch of every lead (cold),
#             then single-row transactions with synchronous_commit = off;
#             each with its ratio to plain and to its base (the same load
#             without the variant's addition)
# Beside the times: the peak resident set (VmHWM) of the backends that ran
# the timed statements.  Every state is checked: leadscore.verify() and,
# for the full model of every part but features, an independent SQL
# recompute of each state table (bench/ingest/check.sql).
#
# A benchmark, not a test (CONTRIBUTING.md, "Benchmarks"): it prints
# figures and ratios and asserts no timing.  It exits non-zero only when a
# state is wrong.
#
# Run as root:  bash bench/ingest.sh
# Environment (defaults: issue 4's workload):
#   ROWS=1000000 LEADS=100000 TXNS=20000 REPS=3
#   ROWS3=3*LEADS           rows of the 3-rows-a-lead bulk load
#   PARTS="bulk single sync features"   the parts to run
#   FEATURES="full grade"               the variants of part features (default all)
#   HANDWRITTEN=1           0: leave out (c) and (d), which do not change
#                           with leadscore (a before/after run of it: ~5 min less)
#   PGBENCH_MODE=prepared   pgbench -M: prepared (what drivers do) or simple
#   LEAD_INDEX=0            1: also index (lead_id, occurred_at) on every table
#   PROFILE=1               then restart with pg_stat_statements (track = all)
#                           and show where leadscore's time goes, per method
#   PERF=0                  1: perf record -a -g one leadscore COPY and one
#                           pgbench run, and print the top symbols
#   SKIP_BUILD=0            1: use the leadscore already installed
#   LEADSCORE_PG_BIN        the PostgreSQL 15 bin directory (scripts/lib.sh)
set -euo pipefail
shopt -s inherit_errexit   # a failed measurement fails the run, inside $(...) too

top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
source "$top/bench/lib.sh"
require_root

ROWS=${ROWS:-1000000}
LEADS=${LEADS:-100000}
ROWS3=${ROWS3:-$((3 * LEADS))}
TXNS=${TXNS:-20000}
REPS=${REPS:-3}
PARTS=${PARTS:-bulk single sync features}
HANDWRITTEN=${HANDWRITTEN:-1}
handwritten=(row stmt)
[ "$HANDWRITTEN" = 1 ] || handwritten=()
PGBENCH_MODE=${PGBENCH_MODE:-prepared}
LEAD_INDEX=${LEAD_INDEX:-0}
PROFILE=${PROFILE:-1}
PERF=${PERF:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
per_client=$((TXNS / 2))
started=$(date +%s)
for part in $PARTS; do
	case $part in
	bulk | single | sync | features) ;;
	*) echo "unknown part '$part' in PARTS (bulk single sync features)" >&2; exit 2 ;;
	esac
done
want() { [[ " $PARTS " == *" $1 "* ]]; }

install_packages
if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then
	install_packages linux-perf
fi
# PGXS reads PROFILE as flags for the compiler and linker: not this one.
[ "$SKIP_BUILD" = 1 ] || (unset PROFILE; build_and_install "$top")

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
copy3_file=$files/activities3.copy
# The model variants of part "features", each written from model.sql.
cp "$files/model.sql" "$files/model_full.sql"
cp "$files/model.sql" "$files/model_grade.sql"
sed -i "s/half_life => '30 days')/half_life => '30 days', grade_profile => 'bench_icp')/" "$files/model_grade.sql"
sed 's/, max_count => [0-9]*//' "$files/model.sql" >"$files/model_nocaps.sql"
sed -e "s/, stage => '[a-z]*'//" -e "s/half_life => '30 days')/half_life => '30 days', stages => '{}')/" \
	"$files/model.sql" >"$files/model_nostages.sql"
# Issue 13's rules, each added to the full model: a window on page views (a
# tenth of the rows, and every row of a sync batch), points from a webinar's
# minutes (a tenth of the rows), a rule of every type (every row reaches its
# condition; the two email types, a fifth of the rows, match), a silence
# rule (email opens without a pricing view or demo request within three
# days: three tenths of the rows are sends or responses); and issue 17's
# bands (three, a floor among them: every lead has one, its record too)
# and handoff queue (an SLA, five reps in the pool who can hold a 500th of
# the leads each, a lead table whose even leads name their owner, and SQL
# at 60 instead of 100 so that a share of the leads qualify, about 2.5 % in
# the bulk load: each opens a handoff, owned by its row's owner, a pool rep
# or, once the pool is full, nobody).
cp "$files/model.sql" "$files/model_index.sql"
add_to_full() { # variant call...
	local variant=$1 call
	shift
	{
		cat "$files/model.sql"
		for call in "$@"; do echo "SELECT leadscore.$call;"; done
	} >"$files/model_$variant.sql"
}
add_to_full window "add_rule('bench', 'page_view', 10, min_count => 3, within => '7 days', name => 'page_view_burst')"
add_to_full expression "add_rule('bench', 'webinar', NULL, points_expression => 'least(duration_s / 60, 30)', name => 'webinar_minutes')"
add_to_full everytype "add_rule('bench', NULL, 1, condition => 'kind LIKE ''email_%''', name => 'any_email')"
add_to_full silence "add_absence_rule('bench', 'email_open', ARRAY['pricing_view', 'demo_request'], '3 days', -5)"
add_to_full bands "add_band('bench', 'hot', 80, 'call')" "add_band('bench', 'warm', 20, 'sdr')" \
	"add_band('bench', 'cold', NULL, 'newsletter')"
{
	sed "s/half_life => '30 days')/half_life => '30 days', sql_threshold => 60, handoff_sla => '2 days')/" \
		"$files/model.sql"
	for r in 1 2 3 4 5; do echo "SELECT leadscore.add_owner('bench', 'rep$r', $((LEADS / 500)));"; done
} >"$files/model_queue.sql"
if ! grep -q handoff_sla "$files/model_queue.sql" || ! grep -q grade_profile "$files/model_grade.sql" ||
	grep -q max_count "$files/model_nocaps.sql" ||
	grep -q 'stage =>' "$files/model_nostages.sql" || ! grep -q "stages => '{}'" "$files/model_nostages.sql"; then
	echo "bench/ingest/model.sql changed shape: the feature variants no longer differ from it" >&2
	exit 1
fi
chown -R postgres:postgres "$files"

tune_for_loads

log "creating the tables, the model and the hand-written triggers"
pg -v lead_index="$LEAD_INDEX" -f "$files/setup.sql" >/dev/null

if want bulk; then
	log "generating $ROWS3 rows over $LEADS leads (3 a lead)"
	pg -v rows="$ROWS3" -v leads="$LEADS" -v copy_file="$copy3_file" -f "$files/generate.sql"
	pg -c 'ALTER TABLE bench.staging RENAME TO staging3'
fi
log "generating $ROWS rows over $LEADS leads"
pg -v rows="$ROWS" -v leads="$LEADS" -v copy_file="$copy_file" -f "$files/generate.sql"

declare -A label=(
	[plain]="(a) plain" [leadscore]="(b) leadscore" [row]="(c) row trigger" [stmt]="(d) stmt trigger"
	[full]="(b) full model" [nocaps]="(b) no caps" [nostages]="(b) no stages" [grade]="(b) + grade profile"
	[index]="(b) full + lead index" [window]="(b) full + window" [expression]="(b) full + expression"
	[everytype]="(b) full + every type" [silence]="(b) full + silence" [bands]="(b) full + bands"
	[queue]="(b) full + queue"
	[insert]="INSERT...SELECT" [copy]="COPY" [pgbench]="pgbench 1-row txns"
)
columns="lead_id, kind, occurred_at, url, duration_s"

for v in plain leadscore row stmt; do
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
# initial connection time.  async: with synchronous_commit = off, so the
# commit no longer waits for its WAL flush.
timed_pgbench() {
	local table=$1 async=${2:-} out options=""
	[ -z "$async" ] || options="-c synchronous_commit=off"
	pg -c CHECKPOINT
	if ! out=$(runuser -u postgres -- env PGOPTIONS="$options" "$LEADSCORE_PG_BIN/pgbench" -n -M "$PGBENCH_MODE" \
		-c 2 -j 2 -t "$per_client" -D leads="$LEADS" -f "$files/pgbench_$table.sql" -h "$cluster" -p "$port" \
		postgres 2>&1); then
		echo "$out" >&2
		return 1
	fi
	awk -v n=$((per_client * 2)) '/^tps = .*without initial connection time/ { tps = $3 }
		END { if (tps == "") exit 1; printf "%.3f\n", n / tps }' <<<"$out"
}

# One new row for each lead of a sync batch: a page view of the pricing page
# now.  every: 1 for every lead, 10 for every tenth (spread over the whole
# state, as the leads active since the last sync are).
sync_batch() { # table every
	echo "INSERT INTO bench.act_$1 ($columns)
SELECT l, 'page_view', now(), '/pricing', 45 FROM pg_catalog.generate_series($2, $LEADS, $2) l"
}

# Prints "seconds hwm own" of one measurement: the backend's peak resident
# set and about the peak of its own memory, kB (timed_session; "-" where no
# one backend ran it).
measure() { # method table
	local method=$1 t=$2 out
	case $method in
	insert) out=$(timed_session "INSERT INTO bench.act_$t ($columns) SELECT $columns FROM bench.staging;") ;;
	insert3) out=$(timed_session "INSERT INTO bench.act_$t ($columns) SELECT $columns FROM bench.staging3;") ;;
	copy) out=$(timed_session "COPY bench.act_$t ($columns) FROM '$copy_file';") ;;
	copy3) out=$(timed_session "COPY bench.act_$t ($columns) FROM '$copy3_file';") ;;
	sync) out=$(timed_session "$(sync_batch "$t" 1)") ;;
	pgbench) out="$(timed_pgbench "$t")
hwm - -" ;;
	pgbench_async) out="$(timed_pgbench "$t" async)
hwm - -" ;;
	esac
	awk 'NR == 1 { s = $1 } /^hwm / { h = $2 " " $3 } END { print s, h }' <<<"$out"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=$cluster/results.txt
checks=$cluster/checks.txt
: >"$results"
: >"$checks"
record() { # key variant rep seconds hwm own
	if [ -z "${4:-}" ]; then
		echo "no time measured for $1 into ${label[$2]}" >&2
		exit 1
	fi
	echo "$*" >>"$results"
	printf '%-30s %-22s run %d: %8.3f s\n' "$1" "${label[$2]}" "$3" "$4"
}
check_states() { # what
	local out
	log "checking the states after $1"
	out=$(pg -f "$files/check.sql")
	echo "$out"
	sed "s/^/${1// /_} /" <<<"$out" >>"$checks"
}

# Each repetition starts from empty tables; the order of the variants
# rotates from one repetition to the next, so none always runs first (cold)
# or last (with the others' rows in memory).
run_method() { # method variant...
	local method=$1 rep i n v s h o out
	shift
	n=$#
	local variants=("$@")
	for rep in $(seq 1 "$REPS"); do
		reset_tables
		for i in $(seq 0 $((n - 1))); do
			v=${variants[$(((i + rep - 1) % n))]}
			out=$(measure "$method" "$v")
			read -r s h o <<<"$out"
			record "$method" "$v" "$rep" "$s" "$h" "$o"
		done
	done
	# The tables now hold the last repetition's rows: check every state.
	check_states "$method"
}

if want bulk; then
	log "part bulk: new leads, $ROWS rows (10 a lead) and $ROWS3 rows (3 a lead) over $LEADS leads"
	run_method insert plain leadscore "${handwritten[@]}"
	run_method copy plain leadscore "${handwritten[@]}"
	run_method insert3 plain leadscore
	run_method copy3 plain leadscore
fi

if want single; then
	log "part single: $TXNS single-row transactions, with the commit's flush and with synchronous_commit = off"
	run_method pgbench plain leadscore "${handwritten[@]}"
	run_method pgbench_async plain leadscore
fi

# The batches of part sync, each as one session: cold, then warm.
sync_session() { # key table every rep
	local out cold warm hwm own
	out=$(timed_session "$(sync_batch "$2" "$3")" "$(sync_batch "$2" "$3")")
	read -r cold warm hwm own <<<"$(awk '/^hwm / { h = $2 " " $3; next } { a[++n] = $1 } END { print a[1], a[2], h }' <<<"$out")"
	record "$1_cold" "$2" "$4" "$cold" "$hwm" "$own"
	record "$1_warm" "$2" "$4" "$warm" "$hwm" "$own"
}

if want sync; then
	log "part sync: $ROWS rows of history over $LEADS leads, then batches of one new row a lead"
	reset_tables
	for t in plain leadscore; do
		pg -c "INSERT INTO bench.act_$t ($columns) SELECT $columns FROM bench.staging"
	done
	pg -c "VACUUM ANALYZE" >/dev/null
	# Every run adds to what is there, as syncs do.
	for rep in $(seq 1 "$REPS"); do
		for i in 0 1; do
			t=$([ $(((i + rep) % 2)) = 0 ] && echo plain || echo leadscore)
			sync_session sync "$t" 1 "$rep"
			sync_session sync10 "$t" 10 "$rep"
		done
	done
	check_states sync
fi

# Part features: the model variant in place, on empty tables and state.
# Each variant's base is the same load without what the variant adds.
features=(${FEATURES:-plain full nocaps nostages grade index window expression everytype silence bands queue})
declare -A feature_base=([nocaps]=full [nostages]=full [grade]=full [index]=full [window]=index
	[expression]=full [everytype]=full [silence]=index [bands]=full [queue]=full)
apply_feature() { # variant
	local index=0
	[[ $LEAD_INDEX = 0 && ($1 = index || $1 = window || $1 = silence) ]] && index=1
	pg -v model_file="$files/model_$1.sql" -v grade="$([ "$1" = grade ] && echo 1 || echo 0)" \
		-v lead_index="$index" -v queue="$([ "$1" = queue ] && echo 1 || echo 0)" -v leads="$LEADS" \
		-f "$files/feature.sql" >/dev/null
}
if want features; then
	log "part features: the model with and without caps, stages, a grade profile and each rule of issue 13"
	n=${#features[@]}
	for rep in $(seq 1 "$REPS"); do
		for i in $(seq 0 $((n - 1))); do
			v=${features[$(((i + rep - 1) % n))]}
			t=leadscore
			[ "$v" = plain ] && t=plain
			reset_tables
			[ "$v" = plain ] || apply_feature "$v"
			out=$(measure insert "$t")
			read -r s h o <<<"$out"
			record f_insert "$v" "$rep" "$s" "$h" "$o"
			# What the bulk load handed off (the same every repetition).
			[ "$v" != queue ] || queue_handoffs=$(pg -At -F' ' -c "SELECT count(*),
				count(*) FILTER (WHERE owner LIKE 'ae%'), count(*) FILTER (WHERE owner LIKE 'rep%'),
				count(*) FILTER (WHERE owner IS NULL) FROM leadscore.handoffs")
			pg -c "VACUUM ANALYZE bench.act_$t, leadscore.lead_state" >/dev/null
			out=$(measure sync "$t")
			read -r s h o <<<"$out"
			record f_sync "$v" "$rep" "$s" "$h" "$o"
			out=$(measure pgbench_async "$t")
			read -r s h o <<<"$out"
			record f_async "$v" "$rep" "$s" "$h" "$o"
			if [ "$v" != plain ] && [ "$rep" = "$REPS" ]; then
				echo "features check verify_$v $(pg -At -c 'SELECT count(*) FROM leadscore.verify()')" >>"$checks"
			fi
		done
	done
	# The full model again, for the profile below.
	reset_tables
	apply_feature full
fi

median() { # key variant
	awk -v k="$1" -v v="$2" '$1 == k && $2 == v { print $4 }' "$results" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# The largest peak of a key's runs, MB: column 5 the resident set, 6 the
# backend's own memory.
peak_mb() { # key variant [column]
	awk -v k="$1" -v v="$2" -v c="${3:-5}" '$1 == k && $2 == v && $c != "-" && $c + 0 > m { m = $c } END { if (m) printf "%.0f", m / 1024 }' "$results"
}
# "-" where the base took no measurable time (tiny sizes).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
# One line of a table: each variant's median and its ratio to the base
# variant's median of the same key; nothing when the key was not measured.
table_row() { # title key base variant...
	local title=$1 key=$2 base=$3 v m b
	shift 3
	b=$(median "$key" "$base")
	[ -n "$b" ] || return 0
	printf '%-30s' "$title"
	for v in "$@"; do
		m=$(median "$key" "$v")
		if [ -n "$m" ]; then
			printf ' %9.3f (%5sx)' "$m" "$(ratio "$m" "$b")"
		else
			printf ' %18s' -
		fi
	done
	echo
}
table_head() { # first-column title variant...
	printf '%-30s' "$1"
	shift
	for v in "$@"; do printf ' %18s' "${label[$v]}"; done
	echo
}
rss_line() { # key variant...
	local v out="" m
	for v in "${@:2}"; do
		m=$(peak_mb "$1" "$v")
		[ -z "$m" ] || out+="${out:+, }${label[$v]} $m MB ($(peak_mb "$1" "$v" 6) own)"
	done
	[ -z "$out" ] || echo "  peak RSS (VmHWM; own: less the shared buffers touched): $out"
}

elapsed=$(($(date +%s) - started))
log "ingest: ROWS=$ROWS ROWS3=$ROWS3 LEADS=$LEADS TXNS=$TXNS, median of $REPS runs, seconds (ratio to (a))"
echo "leadscore: tree $commit, $so built $so_stamp"
if [ "$(stat -c %y "$so" | cut -d. -f1)" != "$so_stamp" ]; then
	echo "WARNING: $so was replaced during the run: the figures mix two builds"
fi
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB; PostgreSQL $("$LEADSCORE_PG_BIN/postgres" --version | awk '{ print $3 }'); pgbench -M $PGBENCH_MODE; lead index: $LEAD_INDEX; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "parts: $PARTS; measured in $((elapsed / 60)) min $((elapsed % 60)) s (checks included, profile excluded)"

all=(plain leadscore row stmt)
if want bulk; then
	echo
	echo "bulk: new leads (state rows inserted), one statement each"
	table_head load "${all[@]}"
	table_row "INSERT...SELECT 10/lead" insert plain "${all[@]}"
	rss_line insert plain leadscore
	table_row "COPY 10/lead" copy plain "${all[@]}"
	rss_line copy plain leadscore
	table_row "INSERT...SELECT 3/lead" insert3 plain plain leadscore
	rss_line insert3 plain leadscore
	table_row "COPY 3/lead" copy3 plain plain leadscore
	rss_line copy3 plain leadscore
fi
if want single; then
	echo
	echo "single: $TXNS single-row transactions, pgbench -c 2"
	table_head commit "${all[@]}"
	table_row "fsync (synchronous_commit)" pgbench plain "${all[@]}"
	table_row "synchronous_commit = off" pgbench_async plain plain leadscore
fi
if want sync; then
	echo
	echo "sync: one new row a lead after $ROWS rows of history; cold = first statement of a session, warm = the next"
	table_head batch plain leadscore
	table_row "$LEADS leads, cold" sync_cold plain plain leadscore
	table_row "$LEADS leads, warm" sync_warm plain plain leadscore
	rss_line sync_cold plain leadscore
	table_row "$((LEADS / 10)) leads (1 in 10), cold" sync10_cold plain plain leadscore
	table_row "$((LEADS / 10)) leads (1 in 10), warm" sync10_warm plain plain leadscore
	rss_line sync10_cold plain leadscore
fi
if want features; then
	echo
	echo "features: (b) with each model variant against (a) plain and against its base; $ROWS rows over $LEADS leads, then a sync of every lead (cold), then $TXNS single rows (synchronous_commit = off)"
	printf '%-30s %26s %26s %26s %18s\n' variant "INSERT...SELECT" "sync, cold" "single rows async" "peak RSS (own)"
	for v in "${features[@]}"; do
		printf '%-30s' "${label[$v]}"
		for key in f_insert f_sync f_async; do
			m=$(median "$key" "$v")
			b=-
			[ -z "${feature_base[$v]:-}" ] || b="$(ratio "$m" "$(median "$key" "${feature_base[$v]}")")x"
			printf ' %9.3f (%5sx, %6s)' "$m" "$(ratio "$m" "$(median "$key" plain)")" "$b"
		done
		printf ' %7s MB (%4s)\n' "$(peak_mb f_insert "$v")" "$(peak_mb f_insert "$v" 6)"
	done
	echo "  seconds (ratio to (a) plain, ratio to the base: the same load without the variant's addition; full + window's and full + silence's base is full + lead index, the others' full)"
	echo "  peak RSS: of the INSERT...SELECT's backend; + grade profile: the leads' state rows exist (graded) before their activity arrives"
	[ -z "${queue_handoffs:-}" ] || read -r qn qrow qpool qnone <<<"$queue_handoffs"
	[ -z "${queue_handoffs:-}" ] || echo "  + queue: SQL at 60, not 100 (so its base, full, has fewer status events too); the INSERT...SELECT brought $qn of $LEADS leads to SQL ($(awk -v a="$qn" -v b="$LEADS" 'BEGIN { printf "%.1f", 100 * a / b }') %), each an open handoff: $qrow to the lead row's owner, $qpool to a pool rep, $qnone to nobody (the pool full)"
	echo "  lead index: an index on act_leadscore (lead_id), which a window rule's history reads need ($([ "$LEAD_INDEX" = 1 ] && echo 'LEAD_INDEX=1: every variant has one' || echo 'full + lead index, full + window and full + silence only'))"
fi

# Issue 19's targets, for the parts that ran.
target() { # title key limit
	local b s r verdict
	b=$(median "$2" plain)
	s=$(median "$2" leadscore)
	[ -n "$b" ] && [ -n "$s" ] || return 0
	r=$(ratio "$s" "$b")
	[ "$r" != - ] || return 0
	# Missed: how far the scoring overhead (ratio - 1) is over its allowance (limit - 1).
	verdict=$(awk -v r="$r" -v l="$3" 'BEGIN { if (r <= l) print "met";
		else printf "missed: overhead %.0f%% of plain against %.0f%% allowed (%.1fx over)\n", (r - 1) * 100, (l - 1) * 100, (r - 1) / (l - 1) }')
	printf '%-36s leadscore <= %sx plain: %sx  %s\n' "$1" "$3" "$r" "$verdict"
}
log "targets (issue 19)"
target "INSERT...SELECT 10/lead" insert 1.30
target "COPY 10/lead" copy 1.30
target "INSERT...SELECT 3/lead" insert3 1.60
target "COPY 3/lead" copy3 1.60
target "single rows, fsync" pgbench 1.05
target "single rows, synchronous_commit off" pgbench_async 1.30
target "sync $LEADS leads, cold" sync_cold 2.00
target "sync $LEADS leads, warm" sync_warm 2.00
target "sync $((LEADS / 10)) leads, cold" sync10_cold 2.00
target "sync $((LEADS / 10)) leads, warm" sync10_warm 2.00

log "state checks (bad rows; 0 is right)"
bad=0
# One line per measurement checked: "name bad-rows" for each check.
awk '$2 == "check" { if (!($1 in line)) order[++n] = $1; line[$1] = line[$1] sep[$1] $3 " " $4; sep[$1] = ", "
		if ($4 != 0) bad = 1 }
	END { for (i = 1; i <= n; i++) printf "%-16s %s\n", order[i], line[order[i]]; exit bad }' "$checks" || bad=1
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
	for method in insert copy pgbench; do
		reset_tables
		pg -c 'SELECT pg_stat_statements_reset()' >/dev/null
		out=$(measure "$method" leadscore)
		s=${out% *}
		echo
		echo "${label[$method]} into (b) leadscore: $s s; statements by total time (ms):"
		pg -P pager=off <<'SQL'
SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
	round((total_exec_time / calls)::numeric, 4) AS ms_per_call, rows,
	left(regexp_replace(query, '\s+', ' ', 'g'), 150) AS query
FROM pg_stat_statements
WHERE query !~* 'pg_stat_statements|^CHECKPOINT|pg_read_file'
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
elapsed=$(($(date +%s) - started))
log "done in $((elapsed / 60)) min $((elapsed % 60)) s; the cluster is stopped and removed"
