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

# Seconds one statement takes, commit included (psql's \timing around an
# autocommitted statement), after a checkpoint.
timed_sql() {
	local out
	out=$(pg <<SQL
CHECKPOINT;
\\timing on
$1
SQL
)
	awk '/^Time:/ { t = $2 } END { if (t == "") exit 1; printf "%.3f\n", t / 1000 }' <<<"$out"
}
