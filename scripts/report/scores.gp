# Score distribution: the share of converted and of other leads per score
# bin (scores.tsv: bin start, % of converted, % of others, bin width).
load "common.gp"
set output "scores.svg"
stats "scores.tsv" using 4 nooutput
width = STATS_max
set style fill solid 0.85 border -1
set boxwidth width * 0.42 absolute
set xlabel "score (no decay), bins of ".sprintf("%d", width)." points"
set ylabel "% of the group's leads"
set yrange [0:*]
plot "scores.tsv" using ($1 + width * 0.27):2 with boxes lc rgb converted title "converted (won a deal)", \
     "" using ($1 + width * 0.73):3 with boxes lc rgb others title "other leads"
