# --format csv -o PREFIX writes Locust's two files: the stats (the Aggregated row;
# per-endpoint rows come with groups in the results) and one history row per second.
# Times are ms; the run (lt-mkresults) has a 5x spike in seconds 3-4 and 8-9,
# 400s, 503s, connect errors and timeouts.
"$LT_MKRESULTS" run.res
loadtape report run.res --format csv -o run --slo 'p50<100ms'
echo "exit $?"
for f in run_stats.csv run_stats_history.csv; do
    echo "== $f"
    cat "$f"
done
