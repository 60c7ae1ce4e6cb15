#!/usr/bin/env bash
# The README's quick start runs as written: every ```sql block between the
# "## Quick start" heading and the next "## " heading of README.md, in
# order, in one psql session with ON_ERROR_STOP, from a copy of the top
# directory (the first block reads examples/crm.sql), on a throw-away
# cluster with the installed extension and pg_cron preloaded.
# Run as root by scripts/test.sh:  bash test/readme/check.sh
# Prints "quickstart block N ok" per block that ran through; exits non-zero
# when a block fails or none is found.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib.sh"
require_root

start_throwaway_cluster readme || exit 1
dir=$cluster/readme
mkdir -p "$dir"
cp -r "$top/examples" "$dir/"

# Fences are tracked everywhere, so a "## " line inside a code block is
# never taken for a heading.
awk '
	!fence && /^## / { quick = ($0 ~ /^## Quick start[[:space:]]*$/); next }
	/^```/ {
		if (!fence) {
			fence = 1
			sql = quick && $0 ~ /^```sql[[:space:]]*$/
			if (sql) n++
		} else {
			if (sql) printf "\\echo quickstart block %d ok\n", n
			fence = 0
			sql = 0
		}
		next
	}
	sql { print }
' "$top/README.md" >"$dir/quickstart.sql"
blocks=$(grep -c '^\\echo quickstart block' "$dir/quickstart.sql")
if [ "$blocks" -eq 0 ]; then
	echo "README.md has no \`\`\`sql block under \"## Quick start\"" >&2
	exit 1
fi
echo "quickstart blocks: $blocks"
chown -R postgres:postgres "$dir"

(cd "$dir" && runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -h 127.0.0.1 -p "$port" -d postgres \
	-v ON_ERROR_STOP=1 --echo-errors -f quickstart.sql) >"$dir/out.log" 2>&1
status=$?
grep -E '^quickstart block [0-9]+ ok$' "$dir/out.log"
if [ $status -ne 0 ]; then
	echo "--- the quick start failed (psql exit $status); the end of its output:"
	tail -30 "$dir/out.log"
fi
exit $status
