# Two shards of one run report, second by second, exactly as the whole run does:
# intervals of the same second are summed before percentiles are taken.
"$LT_MKRESULTS" whole.res
"$LT_MKRESULTS" part0.res 0/2
"$LT_MKRESULTS" part1.res 1/2
loadtape report whole.res --format csv -o whole
loadtape report part0.res part1.res --format csv -o merged
echo "exit $?"
cmp whole_stats.csv merged_stats.csv && echo "stats: same"
cmp whole_stats_history.csv merged_stats_history.csv && echo "history: same"
loadtape report part0.res --format csv -o half
head -3 half_stats_history.csv
