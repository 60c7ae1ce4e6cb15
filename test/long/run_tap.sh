# Sourced by the soak scripts: builds and installs the extension, copies the
# tree for the postgres user (initdb refuses root), and runs one TAP test
# with the environment the caller sets.  Run the scripts as root; set
# PG_CONFIG (and LEADSCORE_PG_BIN) for another PostgreSQL than Debian's.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$top/scripts/lib.sh"
require_root
install_packages
build_and_install "$top"
soak_dir=$(mktemp -d /tmp/leadscore-soak.XXXXXX)
chmod 755 "$soak_dir"
trap 'rm -rf "$soak_dir"' EXIT
copy_tree_for_postgres "$top" "$soak_dir/tree"

# run_tap TEST VAR=VALUE...: one TAP test, verbose, with those variables.
run_tap() {
	local test=$1
	shift
	(cd "$soak_dir/tree" && runuser -u postgres -- env "$@" make installcheck REGRESS= ISOLATION= \
		PROVE_TESTS="$test" PROVE_FLAGS=-v ${PG_CONFIG:+PG_CONFIG="$PG_CONFIG"})
}
