#!/usr/bin/env bash
# Checks that keep the tree honest; scripts/test.sh runs them as one suite.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
fail() { echo "lint: $*"; status=1; }

# Every pg_regress test has expected output, and no expected output is
# orphaned (a test without expected output would silently never run).
for f in sql/*.sql; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .sql)
	[ -f "expected/$n.out" ] || fail "sql/$n.sql has no expected/$n.out"
done
for f in expected/*.out; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .out)
	[ -f "sql/$n.sql" ] || fail "expected/$n.out has no sql/$n.sql"
done
for f in test/isolation/specs/*.spec; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .spec)
	[ -f "test/isolation/expected/$n.out" ] || fail "isolation spec $n has no expected output"
done
for f in test/isolation/expected/*.out; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .out)
	[ -f "test/isolation/specs/$n.spec" ] || fail "isolation output $n has no spec"
done

# The core stays pure C++: it builds and is tested without PostgreSQL
# (CONTRIBUTING.md, "Boundary rules").
if grep -rnE '#\s*include\s*[<"](postgres|fmgr|utils/|access/|catalog/|executor/)' src/core; then
	fail "src/core includes a PostgreSQL header"
fi

# Folders of src/ form layers, lowest first; a file may include its own
# folder and the folders below it, never one above (README.md, "Layout").
core_layers="base learning condition model lead ingest insight"
pg_layers="boundary spi citus catalog state ingest grading maintenance insight admin"
rank() { # rank TOP FOLDER
	local i=0 f layers
	[ "$1" = core ] && layers=$core_layers || layers=$pg_layers
	for f in $layers; do [ "$f" = "$2" ] && { echo $i; return; }; i=$((i + 1)); done
	echo 99
}
for top in core pg; do
	for dir in src/$top/*/; do
		folder=$(basename "$dir")
		own=$(rank $top "$folder")
		[ "$own" = 99 ] && { fail "src/$top/$folder is not in the layer list of scripts/lint.sh"; continue; }
		while IFS=: read -r file inc; do
			itop=${inc%%/*} rest=${inc#*/} ifolder=${rest%%/*}
			if [ "$top" = core ] && [ "$itop" = pg ]; then
				fail "$file includes $inc: the core never includes the glue"
			elif [ "$itop" = "$top" ] && [ "$(rank $top "$ifolder")" -gt "$own" ]; then
				fail "$file includes $inc, a folder above $top/$folder"
			fi
		done < <(grep -oE '#include "(core|pg)/[^"]+"' "$dir"*.?pp | sed -E 's/#include "(.*)"/\1/')
	done
done

# Every C symbol the SQL names exists in the glue: one .so serves every
# version.
for sym in $(grep -rohE "'MODULE_PATHNAME', '[a-z0-9_]+'" src/sql | sed -E "s/.*'([a-z0-9_]+)'$/\1/" | sort -u); do
	# (the grade comparisons are defined by one macro, named by suffix)
	grep -rqE "PG_FUNCTION_INFO_V1\($sym\)" src/pg ||
		grep -rq "LEADSCORE_GRADE_COMPARISON(${sym#leadscore_grade_}," src/pg ||
		fail "script names C symbol $sym, which src/pg does not define"
done

# Every SQL file refuses to be sourced by psql, and creates nothing in
# public.  (The generated scripts are joined from these: Makefile.)
for f in src/sql/*.sql src/sql/upgrades/*.sql src/sql/releases/*.sql; do
	grep -q '^\\echo Use "CREATE EXTENSION leadscore' "$f" || fail "$f lacks the \\echo guard"
	grep -nE 'CREATE[A-Z ]* public\.' "$f" && fail "$f creates an object in public"
done

# Every file of src/sql is joined into the install script: one left out
# of the Makefile's list would silently not be installed.
for f in src/sql/*.sql; do
	grep -qE "(^|[[:space:](])$(basename "$f")([[:space:])]|$)" Makefile || fail "$f is not in the Makefile's SQL_INSTALL"
done

# The newest upgrade leads to default_version, and the privilege rule has
# one home that every script gets it from (README.md, "Privileges and
# roles"): no upgrade carries a copy.
newest=$(ls src/sql/upgrades/*--*.sql 2>/dev/null | sort -V | tail -1)
if [ -n "$newest" ]; then
	target=$(sed -E 's/^.*--(.*)\.sql$/\1/' <<<"$newest")
	default=$(sed -nE "s/^default_version = '(.*)'$/\1/p" leadscore.control)
	[ "$target" = "$default" ] || fail "default_version is $default, but the newest upgrade is $newest"
fi
for f in $(grep -rl '^-- The privilege rule' src/sql); do
	[ "$f" = src/sql/privileges.sql ] || fail "$f copies the privilege rule; src/sql/privileges.sql is its home"
done

# Comments and docs cite only files of the repository: the old external
# specs are gone, so a citation of one points nowhere.
if git ls-files -z | grep -zv '^scripts/lint\.sh$' |
	xargs -0 -r grep -snIE 'DESIGN\.md|CONVENTIONS\.md|\.\./shared' --; then
	fail "the lines above cite a file outside the repository"
fi

[ $status -eq 0 ] && echo "lint: ok"
exit $status
