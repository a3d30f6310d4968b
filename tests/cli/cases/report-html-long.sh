# An hour of seconds: the HTML charts group them into at most 1000 points (4 s each),
# rates averaged and latencies at each point's worst second, so the spikes still show.
"$LT_MKRESULTS" long.res --seconds 3600
loadtape report long.res --format html -o long.html
echo "exit $?"
grep -o '<p class="note">[^<]*</p>' long.html
echo "points per line: $(grep -o '<polyline class="line" stroke="[^"]*" points="[^"]*"' long.html |
    sed 's/.*points="//; s/"$//' | awk '{print NF}' | tr '\n' ' ')"
echo "worst p99 shown: $(grep -o '<desc class="data">[^<]*' long.html | sed -n 2p |
    python3 -c 'import json,sys; print(max(r[3] for r in json.loads(sys.stdin.read()[19:])))')"
loadtape report long.res --intervals | wc -l
