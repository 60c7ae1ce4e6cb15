# Shared by bench/ingest.sh, bench/sync_batch.sh and bench/replication.sh,
# after scripts/lib.sh and start_throwaway_cluster (they use $cluster and
# $port; bench/replication.sh sets them per call for each of its two
# clusters).  Source it.

# psql as postgres into the cluster's postgres database, stopping at the
# first error.
pg() {
	runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -q -h "$cluster" -p "$port" -d postgres \
		-v ON_ERROR_STOP=1 "$@"
}

# Room for the tables and their state in memory, no checkpoint forced by WAL
# volume in the middle of a load (each measurement starts with one), and no
# autovacuum worker competing for the two cores with a measurement.  Commits
# stay durable (synchronous_commit and fsync keep their defaults).
tune_for_loads() {
	log "tuning the cluster"
	pg <<'SQL'
ALTER SYSTEM SET shared_buffers = '2GB';
ALTER SYSTEM SET max_wal_size = '16GB';
ALTER SYSTEM SET checkpoint_timeout = '1h';
ALTER SYSTEM SET autovacuum = off;
SQL
	restart_cluster "$cluster"
}

# Seconds each statement takes, commit included (psql's \timing around an
# autocommitted statement), each after a CHECKPOINT, all in one new session:
# the first statement pays the new backend's warm-up (catalog reads, plan
# preparation, first touches of memory), the later ones run warm, as on a
# pooled connection.  Prints one line of seconds per statement, then
# "hwm KB KB": the backend's peak resident set (VmHWM of /proc/PID/status,
# read by the same backend), which counts the shared buffers it touched,
# and that peak less the shared memory it holds at the end (RssShmem, which
# only grows): about the peak of its own memory.
timed_session() {
	local script="" s out
	for s in "$@"; do
		script+="CHECKPOINT;
\\timing on
${s%;};
\\timing off
"
	done
	out=$(pg -At <<SQL
$script
SELECT 'hwm ' || m[1] || ' ' || (m[1]::bigint - m[2]::bigint)
FROM pg_catalog.regexp_match(pg_catalog.pg_read_file('/proc/' || pg_catalog.pg_backend_pid() || '/status'),
	'VmHWM:\s*(\d+).*RssShmem:\s*(\d+)') m;
SQL
)
	awk -v n=$# '/^Time:/ { printf "%.3f\n", $2 / 1000; t++ } /^hwm / { h = $0 }
		END { if (t != n || h == "") exit 1; print h }' <<<"$out"
}

# Seconds one statement takes in a new session (timed_session).
timed_sql() {
	timed_session "$1" | sed -n 1p
}
