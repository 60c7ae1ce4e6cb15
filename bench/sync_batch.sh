#!/usr/bin/env bash
# What a CRM sync costs: a batch of one new activity row for every lead
# that already has history (a nightly sync, a replication catch-up), into
# an unscored table and into an attached one, as a ratio, cold (the first
# statement of a new session) and warm (the next one).  Part "sync" of
# bench/ingest.sh, which describes it; this runs that part alone.
#
# Run as root:  bash bench/sync_batch.sh
# Environment: ROWS=1000000 LEADS=100000 REPS=3, SKIP_BUILD, LEADSCORE_PG_BIN
# and PROFILE (default 0 here) as bench/ingest.sh.
set -euo pipefail
PARTS=sync PROFILE=${PROFILE:-0} exec bash "$(dirname "$0")/ingest.sh"
