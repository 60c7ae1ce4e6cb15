#!/usr/bin/env bash
# The Debian package as a user gets it: builds postgresql-15-leadscore with
# dpkg-buildpackage from a clean clone (so: the committed tree), installs
# the .deb with apt-get, runs the pg_regress suite against the installed
# files on a throw-away cluster (postgres user, 127.0.0.1, a free port),
# and purges the package again.  Extension files that were there before (a
# `make install`) are put back afterwards, so the machine ends as it began
# and a later `make install` meets no file dpkg thinks it owns.
# Run as root by scripts/test.sh:  bash test/package/check.sh
# Prints "test NAME ... ok|FAILED" per test; exits non-zero when a step fails.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib.sh"
require_root
pkg=postgresql-15-leadscore

# Installing ours over a package the user installed, then purging it,
# would take theirs away.
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
	echo "$pkg is installed on this machine; this suite installs and purges its own build," \
		"so it leaves yours alone: remove it (apt-get remove $pkg) to run the suite" >&2
	exit 1
fi

work=$(mktemp -d /tmp/leadscore-package.XXXXXX)
chmod 755 "$work"
installed=no
cleanup() {
	stop_cluster "$work/cluster"
	if [ "$installed" = yes ]; then
		dpkg --purge "$pkg" >/dev/null 2>&1 || echo "dpkg --purge $pkg failed" >&2
		[ -s "$work/before.tar" ] && tar -C / -xpf "$work/before.tar"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

log "building $pkg with dpkg-buildpackage from a clone of $top"
git clone -q "$top" "$work/src" || exit 1
if ! (cd "$work/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$work/build.log" 2>&1; then
	tail -60 "$work/build.log"
	exit 1
fi
deb=$(ls "$work"/${pkg}_*.deb)
dpkg-deb --info "$deb" | grep -E '^ (Package|Version|Depends):'

# The files the package brings that are already on the machine.
mapfile -t present < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./\(.*[^/]\)$|\1|p' |
	while read -r f; do [ -e "/$f" ] && echo "$f"; done)
[ ${#present[@]} -gt 0 ] && tar -C / -cpf "$work/before.tar" "${present[@]}"

log "installing $deb"
installed=yes
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$work/install.log" 2>&1; then
	cat "$work/install.log"
	exit 1
fi
# What the server will load is what the package installed.
dpkg --verify "$pkg" || exit 1
[ "$(dpkg -S /usr/lib/postgresql/15/lib/leadscore.so | cut -d: -f1)" = "$pkg" ] || exit 1

mkdir -p "$work/cluster"
port=$(free_port) || exit 1
log "pg_regress against the installed package, on 127.0.0.1:$port"
start_cluster "$work/cluster" "$port" || exit 1
copy_tree_for_postgres "$work/src" "$work/tree"
# No --temp-instance: the tests run on the cluster above, with the
# extension from the package.
(cd "$work/tree" && runuser -u postgres -- make installcheck ISOLATION= TAP_TESTS= \
	PG_CONFIG="$LEADSCORE_PG_BIN/pg_config" \
	REGRESS_OPTS="--host=127.0.0.1 --port=$port --dbname=contrib_regression --load-extension=leadscore") \
	>"$work/regress.log" 2>&1
status=$?
grep -E '\.\.\. |tests? (passed|failed)' "$work/regress.log"
if [ $status -ne 0 ]; then
	[ -s "$work/tree/regression.diffs" ] && head -300 "$work/tree/regression.diffs"
	tail -20 "$work/regress.log"
	tail -40 "$work/cluster/server.log"
fi
exit $status
