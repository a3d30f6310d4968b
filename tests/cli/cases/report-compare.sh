# report A B --compare: two runs side by side, never merged: every number for A and B
# with B - A and the change in percent (text and JSON); the worse verdict is the exit
# status. Here B is shard 0 of 2 of A's run: half the throughput, much the same latencies.
"$LT_MKRESULTS" a.res
"$LT_MKRESULTS" b.res 0/2
loadtape report a.res b.res --compare
echo "exit $?"
loadtape report a.res b.res --compare --format json -o cmp.json
echo "exit $?"
python3 -c 'import json; d = json.load(open("cmp.json")); print(d["a"]["label"], d["b"]["label"], json.dumps(d["delta"], sort_keys=True))'
loadtape report a.res b.res --compare --slo 'p50<100ms' --format html -o cmp.html
echo "exit $?"
echo "charts: $(grep -o '<svg' cmp.html | wc -l), dashed B lines: $(grep -o 'stroke-dasharray' cmp.html | wc -l)"
loadtape report a.res --compare
echo "exit $?"
loadtape report a.res b.res --compare --format csv -o x
echo "exit $?"
