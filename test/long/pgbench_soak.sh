#!/usr/bin/env bash
# The long variant of test/t/004_pgbench_load.pl: minutes of pgbench per run
# instead of seconds, with tick() looping, a rescore() halfway and verify()
# running throughout, against the same run unattached.
#   bash test/long/pgbench_soak.sh [SECONDS]     (as root; default 300)
# The throughput figures are printed as TAP notes ("# pgbench, 2 clients").
source "$(dirname "$0")/run_tap.sh"
seconds=${1:-300}
log "pgbench soak: $seconds s per run"
run_tap test/t/004_pgbench_load.pl LEADSCORE_PGBENCH_SECONDS="$seconds"
