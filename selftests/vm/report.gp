# SPDX-License-Identifier: GPL-2.0
#
# The demo's plot of one dpoctl patch run, for report.sh:
#   gnuplot -e "vars='WORK/vars.gp'; term='pngcairo'; out='plot.png'" report.gp
# vars.gp (report.py) holds the title, the markers (mx, ml, mc) and one plot
# command per panel; the panels share the x axis: seconds since dpoctl
# started.

load vars

if (term eq "svg") {
	set terminal svg size 1200,1100 noenhanced font "sans,11" background "white"
} else {
	set terminal @term size 1200,1100 noenhanced font "sans,10"
}
set output out

set datafile missing NaN
set datafile separator tab
set grid xtics ytics lc rgb "#dddddd"
set key outside right top vertical Left reverse font ",9" width -2
set xrange [0:xmax]
# Room above and below the curves, so that a threshold never sits on the frame.
set offsets 0, 0, graph 0.08, graph 0.05
# The same margins in every panel, so that their x axes line up.
set lmargin 12
set rmargin 24

# Markers: a line through every panel, a label in the top one.
do for [i = 1:nmark] {
	set arrow i from first mx[i], graph 0 to first mx[i], graph 1 \
		nohead dt 3 lw 1.2 lc rgb mc[i] front
	if (mj[i] eq "right") {
		set label i ml[i] at first mx[i], graph my[i] right offset -0.4, 0 \
			font ",8" tc rgb mc[i] front
	} else {
		set label i ml[i] at first mx[i], graph my[i] left offset 0.4, 0 \
			font ",8" tc rgb mc[i] front
	}
}

set multiplot layout 4, 1 title title_text font ",12"

set ylabel "latency (us)"
set format x ""
eval plot_lat
unset label

set ylabel "CPU us / request"
eval plot_cpu

set ylabel "minor faults / request"
eval plot_flt

set ylabel "client req/s"
set y2label "failed, retried"
if (y2step > 0) { set y2tics y2step } else { set y2tics }
set offsets 0, 0, graph 0.08, 0
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
set format x "%g"
set xlabel "seconds since dpoctl patch started"
eval plot_load

unset multiplot
