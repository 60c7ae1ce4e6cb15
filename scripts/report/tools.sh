# need_tools CMD:PACKAGE...: installs, from Debian, the package of every
# command that is missing (as root; otherwise says which and fails).  The
# report and its browser test need tools the build does not.  Source it.
need_tools() {
	local pair missing=()
	for pair in "$@"; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing: ${missing[*]} (apt-get install them, or run as root)" >&2
		return 1
	fi
	echo "installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
