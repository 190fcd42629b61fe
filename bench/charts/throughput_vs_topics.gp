set terminal pngcairo size 900,560 font 'DejaVu Sans,10'
set output 'throughput_vs_topics.png'
set title 'Posts/s against number of topics (same posts, same process run)'
set logscale xy
set grid
set key outside right
set xlabel 'topics'
set ylabel 'posts/s'
set datafile missing 'NaN'
plot 'throughput_vs_topics.dat' using 1:2 with linespoints lw 2 title 'sito, 1 thread', \
     '' using 1:3 with linespoints lw 2 title 'sito, 2 threads', \
     '' using 1:4 with linespoints dt 2 title 'raw hs\_scan (literals only)', \
     '' using 1:5 with linespoints title 'RE2::Set (literals only)', \
     '' using 1:6 with linespoints title 'Xapian percolator'
