set terminal pngcairo size 900,560 font 'DejaVu Sans,10'
set output 'latency_cdf.png'
set title 'Latency CDF'
set logscale x
set grid
set key bottom right
set xlabel 'latency, ms'
set ylabel 'fraction of mentions (or batches)'
set yrange [0:1]
plot 'latency_0.dat' using 1:2 with lines lw 2 title '10000 topics, saturation', \
     'latency_1.dat' using 1:2 with lines lw 2 title '10000 topics, 5057 posts/s'
