# Shared by scripts/demo.sh, scripts/test.sh and bench/*.sh: install what a
# fresh Debian 12 machine lacks, build and install the extension, and run a
# throw-away PostgreSQL 15 cluster as an unprivileged user.  Source it.

LEADSCORE_PG_BIN=${LEADSCORE_PG_BIN:-/usr/lib/postgresql/15/bin}
LEADSCORE_PACKAGES=(
	postgresql-15 postgresql-server-dev-15 postgresql-15-cron libre2-dev
	libeigen3-dev liblbfgs-dev
	build-essential cmake pkg-config clang libclang-rt-14-dev
	libgtest-dev libgmock-dev libbenchmark-dev libipc-run-perl python3-sklearn
	pgloader python3-psycopg2
	debhelper postgresql-server-dev-all git
	gnuplot-nox libxml2-utils fonts-dejavu-core
)

log() { printf '\n=== %s\n' "$*"; }

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "run this as root (it installs packages and switches to the postgres user)" >&2
		exit 1
	fi
}

# Installs only the packages that are missing, so a second run is quick and
# works without the network.
install_packages() {
	local missing=()
	# Left behind by earlier versions of this function (or a run stopped
	# during apt-get).
	rm -f /etc/postgresql-common/createcluster.d/leadscore.conf
	for p in "${LEADSCORE_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Installing postgresql-15 would create and start Debian's default
	# cluster 15/main on port 5432; ours are throw-away ones, so the setting
	# that skips it exists only while apt-get runs (README, "Two commands").
	local conf=/etc/postgresql-common/createcluster.d/leadscore.conf status
	mkdir -p "${conf%/*}"
	echo "create_main_cluster = false" >"$conf"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	status=$?
	rm -f "$conf"
	return $status
}

# as_postgres CMD...: CMD as the postgres user, from a directory it may
# enter (PostgreSQL's programs complain when they cannot return to the
# caller's directory, e.g. root's home).
as_postgres() {
	(cd / && runuser -u postgres -- "$@")
}

# Against LEADSCORE_PG_BIN's pg_config (or PG_CONFIG), so the extension goes
# into the installation the scripts then run.
build_and_install() {
	local pg_config=${PG_CONFIG:-$LEADSCORE_PG_BIN/pg_config}
	log "building and installing the extension"
	make -s -C "$1" -j"$(nproc)" PG_CONFIG="$pg_config" >/dev/null
	make -s -C "$1" install PG_CONFIG="$pg_config" >/dev/null
}

# A copy of the tree owned by postgres: pg_regress, the isolation tester
# and prove write their clusters and results beside the tests, and initdb
# refuses to run as root.
copy_tree_for_postgres() {
	local src=$1 dst=$2
	mkdir -p "$dst"
	tar -C "$src" --exclude=./.git --exclude='./build*' --exclude=./tmp_check \
		--exclude=./tmp_check_iso -cf - . | tar -C "$dst" -xf -
	chown -R postgres:postgres "$dst"
}

free_port() {
	local port
	for port in $(seq 54320 54420); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "no free port in 54320-54420" >&2
	return 1
}

# start_cluster DIR PORT: a new cluster in DIR, listening on 127.0.0.1:PORT
# only, with pg_cron preloaded.  Stop it with stop_cluster DIR.
start_cluster() {
	local dir=$1 port=$2
	mkdir -p "$dir"
	chown postgres:postgres "$dir"
	as_postgres "$LEADSCORE_PG_BIN/initdb" -D "$dir/data" -U postgres \
		--auth=trust --no-instructions >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log"
		return 1
	}
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
CONF
	as_postgres "$LEADSCORE_PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
}

# start_throwaway_cluster NAME: start_cluster in a new directory
# /tmp/leadscore-NAME.XXXXXX on a free port, stopped and removed when the
# script exits; sets $cluster and $port.
start_throwaway_cluster() {
	cluster=$(mktemp -d "/tmp/leadscore-$1.XXXXXX")
	chmod 755 "$cluster"
	trap 'stop_cluster "$cluster"' EXIT
	port=$(free_port)
	log "starting a throw-away cluster on 127.0.0.1:$port"
	start_cluster "$cluster" "$port"
}

# restart_cluster DIR: after an ALTER SYSTEM that needs a restart.
restart_cluster() {
	as_postgres "$LEADSCORE_PG_BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w restart >/dev/null
}

stop_cluster() {
	local dir=$1
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_postgres "$LEADSCORE_PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
