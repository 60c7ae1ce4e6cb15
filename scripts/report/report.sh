#!/usr/bin/env bash
# Writes the demo's report page, OUTDIR/index.html: self-contained (every
# chart and lead DNA card inline as SVG, no script, nothing fetched), with
# each chart and card also as its own .svg file beside it.  The numbers
# come from the extension's functions on the demo's database
# (scripts/report/data.sql), the charts from gnuplot (scripts/report/*.gp),
# the cards from leadscore.dna_svg().
#   bash scripts/report/report.sh OUTDIR
# libpq's PG* variables say which database (demo.sh sets them); run after
# scripts/demo.sql.  psql is LEADSCORE_PG_BIN's when that is set (as in
# scripts/lib.sh).  Installs gnuplot-nox when it is missing and we are root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/tools.sh"
need_tools gnuplot:gnuplot-nox
psql=${LEADSCORE_PG_BIN:+$LEADSCORE_PG_BIN/}psql
out=$1
mkdir -p "$out"
cd "$out"
rm -f ./*.svg ./*.tsv

"$psql" -X -v ON_ERROR_STOP=1 -f "$here/data.sql"
auc=$(tr -d '[:space:]' <auc.txt)
for chart in scores lift gains funnel; do
	gnuplot -e "set loadpath '$here'; auc = '$auc'" "$here/$chart.gp"
done
while IFS=$'\t' read -r lead _; do
	"$psql" -X -At -v ON_ERROR_STOP=1 -c "SELECT leadscore.dna_svg($lead::bigint)" >"dna-$lead.svg"
done <dna.tsv

# A chart inline: without the SVG file's XML declaration, which has no
# place inside HTML, and with gnuplot's element ids (the same in every
# chart) prefixed by the chart's name, so that ids stay unique in the page.
inline() {
	sed -n '/<svg/,$p' "$1.svg" |
		sed -E "s/(id=['\"]|href=['\"]#|url\(#)(gnuplot_|gp|greybox|textbox)/\1$1_\2/g"
}

# Figures for the sentences; all numbers, so nothing here needs escaping.
read -r leads mqls sqls won_sqls <<<"$(cut -f2 funnel.tsv | tr '\n' ' ')"

{
	cat <<HTML
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>leadscore demo report</title>
<style>
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1e293b; margin: 2em auto; max-width: 1400px; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin: 0 0 0.3em; }
p { line-height: 1.45; max-width: 60em; }
.note { color: #64748b; }
.grid { display: flex; flex-wrap: wrap; gap: 1.5em; }
section { box-sizing: border-box; background: #ffffff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 1em; flex: 0 0 680px; }
section.wide { flex-basis: 100%; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; }
figcaption { color: #475569; font-size: 0.9em; margin: 0.3em 0 0.6em; max-width: 600px; }
table { border-collapse: collapse; font-size: 0.9em; margin-top: 0.6em; }
th, td { border: 1px solid #e2e8f0; padding: 0.2em 0.6em; text-align: right; }
th { background: #f1f5f9; }
</style>
</head>
<body>
<h1>leadscore demo report</h1>
<p>The data of <code>scripts/demo.sql</code>: 8,000 real B2B leads and 842 won deals (Olist
marketing funnel, CC BY-NC-SA 4.0), and an activity stream <strong>derived</strong> from them
with a planted signal (<code>data/README.md</code>), so the charts show the machinery, not
evidence that the rules predict anything.  Every chart is drawn from the output of the
extension's functions (<code>scripts/report/data.sql</code>).</p>
<div class="grid">
<section id="scores">
<h2>Score distribution: converted vs other leads</h2>
<p>Model <code>marketplace_seller</code> (no decay).  Look at where the green bars sit: most
leads that won a deal score above the SQL threshold (100), most others only signed up (30).</p>
$(inline scores)
</section>
<section id="lift">
<h2>Lift per rule, with its 95 % interval</h2>
<p>From <code>calibrate()</code>: how much more often leads that did this converted within 120
days, over the base rate (the dashed line).  An interval that crosses the line says nothing;
the suggested points follow its end nearest 1.</p>
$(inline lift)
</section>
<section id="gains">
<h2>Gains curve, ROC AUC $auc</h2>
<p>From <code>evaluate_leads()</code> and <code>evaluate()</code>: the 30-day model as it stood on
2018-03-01 against wins in the next 90 days.  The further the curve is above the diagonal,
the more conversions the top of the list holds.</p>
$(inline gains)
$(cat evaluate.html)
</section>
<section id="funnel">
<h2>Status funnel</h2>
<p>Model <code>marketplace_seller</code>: $leads leads, $mqls MQL or SQL, $sqls SQL, of which
$won_sqls won a deal.</p>
$(inline funnel)
</section>
<section class="wide" id="dna">
<h2>Lead DNA</h2>
<p>Three leads as <code>leadscore.dna_svg()</code> draws them: per model the score, grade, buyer
stage on the model's stage line, status, the top reasons with their share of the score, and
the account.</p>
<div class="cards">
HTML
	while IFS=$'\t' read -r lead caption; do
		printf '<figure class="card">\n<figcaption>Lead %s: %s</figcaption>\n' "$lead" "$caption"
		cat "dna-$lead.svg"
		printf '\n</figure>\n'
	done <dna.tsv
	cat <<HTML
</div>
</section>
</div>
<p class="note">Written by <code>scripts/report/report.sh</code>.</p>
</body>
</html>
HTML
} >index.html
rm -f ./*.tsv auc.txt evaluate.html
echo "$out/index.html"
