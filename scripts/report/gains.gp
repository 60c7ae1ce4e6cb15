# The gains curve of evaluate_leads() (gains.tsv: share of leads taken,
# best score first; share of the conversions they hold) against picking
# at random; the ROC AUC from evaluate() is in the title.
load "common.gp"
set output "gains.svg"
set xrange [0:100]
set yrange [0:100]
set grid xtics ytics
set xlabel "% of leads, highest score first"
set ylabel "% of conversions"
set key bottom right
set title "ROC AUC ".auc." (evaluate())" textcolor rgb "#334155"
plot "gains.tsv" using 1:2 with lines lw 2.5 lc rgb accent title "the model", \
     x with lines dt 2 lc rgb "#64748b" title "random order"
