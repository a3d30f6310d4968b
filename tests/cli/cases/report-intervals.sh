# report --intervals: the per-second table, as text and as JSON lines.
"$LT_MKRESULTS" run.res
loadtape report run.res --intervals
echo "exit $?"
loadtape report run.res --intervals --format json -o run.jsonl
echo "exit $?"
cat run.jsonl
