# Lift per rule from calibrate(), with its 95 % interval (lift.tsv: rule,
# lift, low, high), first rule on top, on a log scale: 1 is the base rate.
load "common.gp"
set output "lift.svg"
stats "lift.tsv" using 2 nooutput
rules = STATS_records
set logscale x 2
set xrange [0.1:10]
set yrange [rules - 0.3:-0.7]
set grid xtics noytics
set xlabel "lift over the base rate (log scale): 95 % interval and estimate"
set arrow from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb "#64748b"
plot "lift.tsv" using 2:0:3:4:ytic(1) with xerrorbars pt 7 ps 1.1 lc rgb accent notitle
