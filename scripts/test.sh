#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs every test suite:
#   core unit tests (CTest), the same under ASan+UBSan, a bounded libFuzzer
#   run, lint checks, then pg_regress, the isolation tester and the TAP tests,
#   each on its own throw-away cluster run by the postgres user.
# Ends with one line "N passed, N failed".  Run as root:  bash scripts/test.sh
#
# FUZZ_SECONDS (default 30) bounds the fuzz run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/lib.sh"
require_root
# Chromium only for the report's browser test (test/report/check.sh).
install_packages chromium || { echo "0 passed, 1 failed"; exit 1; }

work=$(mktemp -d /tmp/leadscore-test.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
failures=()

record() {  # record SUITE PASSED FAILED
	passed=$((passed + $2))
	failed=$((failed + $3))
	[ "$3" -gt 0 ] && failures+=("$1: $3 failed")
	printf '%s: %d passed, %d failed\n' "$1" "$2" "$3"
}

# ctest prints "NN% tests passed, F tests failed out of T".
run_ctest() {  # run_ctest SUITE BUILD_DIR CMAKE_ARGS...
	local suite=$1 dir=$2
	shift 2
	log "$suite"
	if ! { cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null &&
		cmake --build "$dir" -j"$(nproc)" >"$dir.build.log" 2>&1; }; then
		cat "$dir.build.log"
		record "$suite" 0 1
		return
	fi
	ctest --test-dir "$dir" -j"$(nproc)" --output-on-failure >"$dir.ctest.log" 2>&1
	local line total fails
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$dir.ctest.log" | tail -1)
	if [ -z "$line" ]; then
		cat "$dir.ctest.log"
		record "$suite" 0 1
		return
	fi
	fails=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
	total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
	[ "$fails" -gt 0 ] && grep -E '^\s+[0-9]+ - |Failure|FAILED' "$dir.ctest.log" | head -50
	record "$suite" $((total - fails)) "$fails"
}

run_fuzz() {
	local dir=$work/build-fuzz seconds=${FUZZ_SECONDS:-30}
	log "fuzz smoke run (${seconds}s)"
	if ! { CXX=clang++ cmake -S "$top" -B "$dir" -DLEADSCORE_FUZZ=ON -DLEADSCORE_TESTS=OFF >/dev/null &&
		cmake --build "$dir" -j"$(nproc)" >"$dir.build.log" 2>&1; }; then
		cat "$dir.build.log"
		record fuzz 0 1
		return
	fi
	local target ok=0 bad=0
	for target in "$dir"/*_fuzz; do
		local corpus=$work/corpus-$(basename "$target")
		mkdir -p "$corpus"
		local dict=()
		[ -f "$top/test/fuzz/condition.dict" ] && dict=(-dict="$top/test/fuzz/condition.dict")
		if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
			"$corpus" "$top/test/fuzz/corpus" >"$corpus.log" 2>&1; then
			ok=$((ok + 1))
			grep -E '^Done [0-9]+ runs' "$corpus.log"
		else
			tail -60 "$corpus.log"
			bad=$((bad + 1))
		fi
	done
	record fuzz "$ok" "$bad"
}

run_lint() {
	log "lint"
	local out
	out=$(bash "$top/scripts/lint.sh" 2>&1)
	local status=$?
	echo "$out"
	if [ $status -eq 0 ]; then record lint 1 0; else record lint 0 1; fi
}

# pg_regress and the isolation tester print "test NAME ... ok|FAILED".
run_pg_suite() {  # run_pg_suite SUITE MAKE_VARS...
	local suite=$1
	shift
	log "$suite"
	local logfile=$work/$suite.log ok bad
	(cd "$work/tree" && runuser -u postgres -- make installcheck "$@") >"$logfile" 2>&1
	grep -E '\.\.\. |^=+$|tests? (passed|failed)|rror' "$logfile"
	ok=$(grep -cE '\.\.\. ok' "$logfile")
	bad=$(grep -cE '\.\.\. (FAILED|failed)' "$logfile")
	if [ "$bad" -gt 0 ] || [ "$ok" -eq 0 ]; then
		[ "$ok" -eq 0 ] && bad=$((bad + 1)) && tail -40 "$logfile"
		for diff in "$work"/tree/regression.diffs "$work"/tree/output_iso/regression.diffs; do
			[ -s "$diff" ] && head -300 "$diff"
		done
		for serverlog in "$work"/tree/tmp_check*/log/postmaster.log; do
			[ -f "$serverlog" ] && { echo "--- $serverlog (tail)"; tail -40 "$serverlog"; }
		done
	fi
	record "$suite" "$ok" "$bad"
}

run_tap() {
	log "tap"
	local logfile=$work/tap.log
	(cd "$work/tree" && runuser -u postgres -- make installcheck REGRESS= ISOLATION= PROVE_FLAGS=-v) >"$logfile" 2>&1
	local ok bad
	ok=$(grep -cE '^ok [0-9]+' "$logfile")
	bad=$(grep -cE '^not ok [0-9]+' "$logfile")
	grep -qE 'Result: FAIL|Dubious|Bailout' "$logfile" && bad=$((bad + 1))
	grep -E '^test/t/[^ ]+ \.+ skipped' "$logfile" | sed 's/^/tap: /'
	[ "$bad" -gt 0 ] && { tail -80 "$logfile"; tail -40 "$work"/tree/tmp_check/log/*.log 2>/dev/null; }
	record tap "$ok" "$bad"
}

# Citus is not in Debian (users install Citus's packages): the Citus suite
# (test/t/016_citus.pl) runs when it is installed and says why it skips
# when it is not.  CITUS_BUILD, a script that builds and installs it into
# Debian's PostgreSQL 15, installs it first when it is there; by default,
# shared/citus/build.sh beside the clone's directory, where the project's
# CI machines keep the Citus source (a user's machine has none).
install_citus() {
	local build=${CITUS_BUILD:-$(dirname "$top")/shared/citus/build.sh}
	if [ ! -f "$build" ]; then
		log "citus: no build script ($build); the Citus suite will say whether it skips"
		return 0
	fi
	bash "$build" --check && return 0
	log "citus: building and installing it with $build"
	bash "$build" >"$work/citus.log" 2>&1 || { tail -30 "$work/citus.log"; record "citus build" 0 1; }
}
install_citus

run_ctest "unit tests" "$work/build"
run_ctest "unit tests (ASan+UBSan)" "$work/build-asan" -DLEADSCORE_SANITIZE=ON
run_fuzz
run_lint

if build_and_install "$top" >"$work/install.log" 2>&1; then
	copy_tree_for_postgres "$top" "$work/tree"
	run_pg_suite regress ISOLATION= TAP_TESTS=
	if ls "$top"/test/isolation/specs/*.spec >/dev/null 2>&1; then
		run_pg_suite isolation REGRESS= TAP_TESTS=
	fi
	if ls "$top"/test/t/*.pl >/dev/null 2>&1; then
		run_tap
	fi
else
	cat "$work/install.log"
	record "build and install" 0 1
fi

# The Debian package (built from a clean clone, installed, pg_regress
# against it, purged; the files of the `make install` above are put back)
# and the README's quick start (its ```sql blocks, parsed from README.md,
# on a throw-away cluster with the extension installed above).
run_package() {
	log "package"
	local logfile=$work/package.log ok bad
	bash "$top/test/package/check.sh" >"$logfile" 2>&1
	local status=$?
	grep -E '\.\.\. |tests? (passed|failed)|^ (Package|Version):' "$logfile"
	ok=$(grep -cE '\.\.\. ok' "$logfile")
	bad=$(grep -cE '\.\.\. (FAILED|failed)' "$logfile")
	if [ $status -ne 0 ] || [ "$ok" -eq 0 ]; then
		[ "$bad" -eq 0 ] && bad=1
		tail -80 "$logfile"
	fi
	record package "$ok" "$bad"
}

run_readme() {
	log "readme quick start"
	local logfile=$work/readme.log ok
	bash "$top/test/readme/check.sh" >"$logfile" 2>&1
	local status=$?
	ok=$(grep -cE '^quickstart block [0-9]+ ok$' "$logfile")
	if [ $status -eq 0 ] && [ "$ok" -gt 0 ]; then
		record "readme quick start" "$ok" 0
	else
		cat "$logfile"
		record "readme quick start" "$ok" 1
	fi
}

run_package
run_readme

# The report page and a lead DNA card in headless Chromium, and xmllint on
# dna_svg() (test/report/check.sh): each of its checks is one pass or fail.
run_report() {
	log "report"
	local logfile=$work/report.log ok bad
	bash "$top/test/report/check.sh" "$work/report" >"$logfile" 2>&1
	grep -E '^(ok|not ok) - ' "$logfile"
	ok=$(grep -cE '^ok - ' "$logfile")
	bad=$(grep -cE '^not ok - ' "$logfile")
	if ! grep -qE '^[0-9]+ passed, 0 failed$' "$logfile"; then
		tail -40 "$logfile"
		[ "$bad" -eq 0 ] && bad=1
	fi
	record report "$ok" "$bad"
}
run_report

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
