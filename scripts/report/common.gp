# What every chart of the report shares: an SVG of a fixed size whose text
# is plain (rule names have underscores, which enhanced text would read as
# subscripts) in a font every browser has, and one palette.
set terminal svg size 640,360 font "DejaVu Sans,11" noenhanced background rgb "white"
set datafile separator "\t"
set border 3 lc rgb "#475569"
set tics nomirror textcolor rgb "#334155"
set grid ytics lc rgb "#e2e8f0" lt 1
set key top right textcolor rgb "#334155"
converted = "#15803d"
others = "#94a3b8"
accent = "#1d4ed8"
