# The status funnel (funnel.tsv: step, leads), widest first, each bar
# centred as a funnel is drawn, its count and share of all leads beside it.
load "common.gp"
set output "funnel.svg"
stats "funnel.tsv" using 2 nooutput
top = STATS_max
steps = STATS_records
unset border
unset grid
unset xtics
unset key
set xrange [-top * 0.5:top * 0.9]
set yrange [steps - 0.4:-0.6]
set style fill solid 0.9 noborder
plot "funnel.tsv" using (0):0:($2 / 2):(0.38):ytic(1) with boxxyerror lc rgb accent, \
     "" using ($2 / 2):0:(sprintf("%d (%.1f %%)", $2, 100.0 * $2 / top)) with labels left offset 1,0 textcolor rgb "#334155"
