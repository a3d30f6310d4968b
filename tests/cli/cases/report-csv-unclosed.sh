# A results file whose writer was killed: its complete intervals are the history and
# their sum the stats; the run counts as interrupted (exit 4).
"$LT_MKRESULTS" cut.res --unclosed
loadtape report cut.res --format csv -o cut
echo "exit $?"
cat cut_stats.csv
wc -l <cut_stats_history.csv
