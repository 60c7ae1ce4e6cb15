#!/usr/bin/env bash
# The long variant of test/t/003_crash_recovery.pl: more kills, more seeds.
#   bash test/long/crash_soak.sh [CYCLES_PER_SEED [SEEDS]]     (as root)
# Defaults: 30 kills per seed, seeds 1 to 5 (150 kills, about 25 minutes
# on 2 cores).  Each seed is a fresh cluster; each kill cycles through
# SIGKILL of every server process, SIGKILL of one backend and an immediate
# stop.  The test command runs 3 kills with seed 7.
source "$(dirname "$0")/run_tap.sh"
cycles=${1:-30}
seeds=${2:-5}
for seed in $(seq 1 "$seeds"); do
	log "crash soak: seed $seed, $cycles kills"
	run_tap test/t/003_crash_recovery.pl LEADSCORE_CRASH_CYCLES="$cycles" LEADSCORE_CRASH_SEED="$seed"
done
log "crash soak: $((cycles * seeds)) kills, all passed"
