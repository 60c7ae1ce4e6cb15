#!/usr/bin/env bash
# The report page and lead DNA cards in a real browser.  On a throw-away
# cluster (scripts/lib.sh) it runs scripts/demo.sql, adds a lead and a
# model whose every name is hostile markup, writes the report page
# (scripts/report/report.sh), renders the page and a dna_svg() card in
# headless Chromium, saves PNG screenshots, and checks: every chart and card
# is in the page and not empty, the page refers to nothing outside itself,
# the browser logs no console message (the page has no script, so any is
# an error), the screenshots are not blank, and xmllint accepts the
# dna_svg() of 50 demo leads and of the hostile lead.
# Prints "ok - CHECK" or "not ok - CHECK" per check, then "N passed, N failed".
# Run as root:  bash test/report/check.sh [OUTDIR]   (OUTDIR keeps the
# page and screenshots; by default they go with the cluster).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/lib.sh"
source "$top/scripts/report/tools.sh"
require_root
need_tools chromium:chromium xmllint:libxml2-utils gnuplot:gnuplot-nox python3:python3 ||
	{ echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
check() {  # check NAME COMMAND...: one pass or fail
	local name=$1
	shift
	if "$@"; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		failed=$((failed + 1))
	fi
}

start_throwaway_cluster report >/dev/null
out=${1:-$cluster/out}
mkdir -p "$out"
psql_run() { (cd "$cluster" && runuser -u postgres -- "$LEADSCORE_PG_BIN/psql" -X -h 127.0.0.1 -p "$port" \
	-d postgres -v ON_ERROR_STOP=1 "$@"); }

# The demo's data files are read by the server (COPY), as postgres.
mkdir -p "$cluster/demo"
cp -r "$top/scripts/demo.sql" "$top/data" "$cluster/demo/"
chown -R postgres:postgres "$cluster/demo"
demo_runs() { psql_run -q -v datadir="$cluster/demo/data" -f "$cluster/demo/demo.sql" >"$cluster/demo.out" 2>&1 || { tail -20 "$cluster/demo.out"; false; }; }
check "scripts/demo.sql runs" demo_runs

# A lead whose CRM columns, and a model whose name, stages and rule are
# markup: if any of it were markup in the card, the script would log to the
# console and the elements would show in xmllint's count.
hostile='<script>console.error("injected")</script>&"'"'"
psql_run -q -o /dev/null -v h="$hostile" <<'SQL'
SET client_min_messages = warning;
INSERT INTO crm.contacts (id, mql_id, first_contact_date, landing_page_id, origin)
VALUES (900001, :'h', '2018-01-01', :'h', :'h');
SELECT leadscore.create_model(:'h', half_life => NULL, stages => ARRAY[:'h', 'second <b>']);
SELECT leadscore.add_rule(:'h', 'page_view', 20, :'h', name => :'h');
INSERT INTO crm.activities (lead_id, kind, occurred_at, url, duration_s, channel, source)
VALUES (900001, 'page_view', '2018-01-02', :'h', 40, :'h', 'demo');
SQL

report_ok() {
	PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres LEADSCORE_PG_BIN=$LEADSCORE_PG_BIN \
		bash "$top/scripts/report/report.sh" "$out" >"$cluster/report.out" 2>&1 && [ -s "$out/index.html" ] ||
		{ cat "$cluster/report.out"; return 1; }
}
check "report.sh writes index.html" report_ok
page=$out/index.html

# Every chart and card is in the page, an SVG with drawn elements in it.
for part in scores lift gains funnel dna; do
	check "the page has its $part chart" python3 "$top/test/report/page_parts.py" "$page" "$part"
done
check "the page refers to nothing outside itself" python3 "$top/test/report/page_parts.py" "$page" --self-contained

# The page and the hostile lead's card in the browser: a screenshot each,
# the console log beside it.  HOME and the profile go into the cluster's
# directory, so Chromium leaves nothing behind.
psql_run -At -c "SELECT leadscore.dna_svg(900001::bigint)" >"$out/dna-hostile.svg"
render() {  # render FILE PNG WIDTH HEIGHT
	HOME=$cluster/browser timeout 90 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$cluster/browser/profile" --enable-logging=stderr --v=0 \
		--screenshot="$2" --window-size="$3,$4" "file://$1" >"$2.log" 2>&1 && [ -s "$2" ]
}
no_console() { ! grep -q ':CONSOLE' "$1.log" || { grep ':CONSOLE' "$1.log"; false; }; }
check "Chromium renders the page" render "$page" "$out/page.png" 1440 3600
check "the page logs no console message" no_console "$out/page.png"
check "the page's screenshot is not blank" python3 "$top/test/report/png_colours.py" "$out/page.png" 40
check "Chromium renders a dna_svg() card" render "$out/dna-hostile.svg" "$out/dna.png" 600 900
check "the card logs no console message" no_console "$out/dna.png"
check "the card's screenshot is not blank" python3 "$top/test/report/png_colours.py" "$out/dna.png" 8

# xmllint on the cards of 50 demo leads (the 25 best and 25 others spread
# over the key range) and on the hostile lead's; no element of the
# hostile text survives as an element.
mkdir -p "$cluster/svg"
psql_run -At -F $'\t' -c "
	(SELECT lead_id, leadscore.dna_svg(lead_id) FROM leadscore.top_leads('marketplace_seller', 25))
	UNION ALL
	(SELECT lead_id, leadscore.dna_svg(lead_id) FROM leadscore.lead_scores
	WHERE model = 'marketplace_seller' AND lead_id % 320 = 7 ORDER BY lead_id LIMIT 25)" |
	while IFS=$'\t' read -r lead svg; do printf '%s\n' "$svg" >"$cluster/svg/$lead.svg"; done
xmllint_all() {
	local n
	n=$(find "$cluster/svg" -name '*.svg' | wc -l)
	[ "$n" -eq 50 ] || { echo "$n SVGs, not 50"; return 1; }
	xmllint --noout "$cluster"/svg/*.svg
}
check "xmllint accepts dna_svg() of 50 demo leads" xmllint_all
check "xmllint accepts the hostile lead's dna_svg()" xmllint --noout "$out/dna-hostile.svg"
no_injected() {
	[ "$(xmllint --xpath 'count(//*[local-name()="script" or local-name()="b"] | //@*[starts-with(name(), "on")])' \
		"$out/dna-hostile.svg")" = 0 ] && grep -q 'console.error' "$out/dna-hostile.svg"
}
check "the hostile text is text in the card" no_injected

echo "screenshots: $out/page.png $out/dna.png"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
