#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds and installs leadscore, starts a
# throw-away PostgreSQL 15 cluster (postgres user, 127.0.0.1, a free port),
# runs scripts/demo.sql against it, writes a report page of the demo's data
# (scripts/report/report.sh) and prints its path, and stops and removes the
# cluster at the end, whatever happens.  Run as root:  bash scripts/demo.sh
# LEADSCORE_REPORT_DIR (default /tmp/leadscore-report) says where the page goes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
require_root
install_packages
build_and_install "$top"

start_throwaway_cluster demo

# The demo's data files are read by the server (COPY), as postgres.
demo=$cluster/demo
mkdir -p "$demo"
cp -r "$top/scripts/demo.sql" "$demo/"
[ -d "$top/data" ] && cp -r "$top/data" "$demo/"
chown -R postgres:postgres "$demo"

log "running the demo"
# From a directory postgres may enter, or psql complains about the cwd.
(cd "$demo" && runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -h 127.0.0.1 -p "$port" -d postgres \
	-v ON_ERROR_STOP=1 -v datadir="$demo/data" -f "$demo/demo.sql")

report=${LEADSCORE_REPORT_DIR:-/tmp/leadscore-report}
log "writing the report page"
PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres LEADSCORE_PG_BIN=$LEADSCORE_PG_BIN \
	bash "$top/scripts/report/report.sh" "$report" >/dev/null
log "demo finished; the cluster is stopped and removed.  The report page (open it in a browser):
    $report/index.html"
