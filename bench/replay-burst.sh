#!/usr/bin/env bash
# replay-burst.sh - closed-loop capacity: 'loadtape replay --burst' vs wrk vs
# Locust (FastHttpUser) against the same nginx on loopback, same connection
# count, same small POST. Prints requests/s and client CPU seconds (user + sys
# of the client's processes, which a busy shared machine distorts less than
# wall time) per 100k requests, and the ratios to wrk. Medians of RUNS runs.
#
# usage: bench/replay-burst.sh [BUILD_DIR]   (default: build)
#        env: CONNS (32), SECS (8), RUNS (3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
lt=$build/cli/loadtape
[ -x "$lt" ] || { echo "no $lt: build first" >&2; exit 1; }
CONNS=${CONNS:-32}
SECS=${SECS:-8}
RUNS=${RUNS:-3}
. "$root/bench/bench_lib.sh"
bench_init replay-burst nginx wrk locust python3
bench_nginx
url=http://127.0.0.1:$port/collect/web
body='{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1"}'

# the same request for every tool
python3 - "$body" >"$tmp/t.jsonl" <<'PY'
import json, sys
for i in range(100000):
    print(json.dumps({"ts_ns": i * 1000, "session": i % 1000, "method": "POST", "url": "/collect/web",
                      "headers": [["Host", "x"], ["Content-Type", "application/json"]], "body": sys.argv[1]}))
PY
"$lt" import "$tmp/t.jsonl" -o "$tmp/t.tape" 2>/dev/null
cat >"$tmp/post.lua" <<EOF2
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
EOF2
cat >"$tmp/locustfile.py" <<EOF2
from locust import task, constant
from locust.contrib.fasthttp import FastHttpUser
class U(FastHttpUser):
    wait_time = constant(0)
    @task
    def post(self):
        self.client.post("/collect/web", data='$body', headers={"Content-Type": "application/json"})
EOF2

# measure NAME CMD...: runs CMD, prints "requests cpu_s" (CPU of CMD and its children)
measure() {
    local name=$1; shift
    python3 - "$tmp/$name.out" "$@" <<'PY'
import os, sys, subprocess
out = sys.argv[1]
with open(out, "wb") as f:
    p = subprocess.Popen(sys.argv[2:], stdout=f, stderr=subprocess.STDOUT)
    _, status, ru = os.wait4(p.pid, 0)
print(ru.ru_utime + ru.ru_stime)
PY
}

requests_of() {
    case $1 in
    loadtape) python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["requests"]["completed"], j["duration_s"])' "$tmp/loadtape.out" ;;
    wrk) awk '/requests in/ {gsub("s,","",$4); print $1, $4}' "$tmp/wrk.out" ;;
    locust) python3 -c '
import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["Name"] == "Aggregated": print(r["Request Count"], sys.argv[2])' "$tmp/locust_stats.csv" "$SECS" ;;
    esac
}

run() {
    case $1 in
    loadtape) measure loadtape "$lt" replay "$tmp/t.tape" --target "http://127.0.0.1:$port" --burst \
        -c "$CONNS" --loop 1000 --duration "${SECS}s" --json ;;
    wrk) measure wrk wrk -t1 -c "$CONNS" -d "${SECS}s" -s "$tmp/post.lua" "$url" ;;
    locust) measure locust locust -f "$tmp/locustfile.py" --headless -u "$CONNS" -r "$CONNS" \
        -t "${SECS}s" --host "http://127.0.0.1:$port" --only-summary --csv "$tmp/locust" ;;
    esac
}

declare -A RPS CPU
for tool in loadtape wrk locust; do
    rps=() cpu=()
    for i in $(seq "$RUNS"); do
        c=$(run "$tool")
        read -r n secs <<<"$(requests_of "$tool")"
        rps+=("$(python3 -c "print($n / $secs)")")
        cpu+=("$(python3 -c "print($c / $n * 100000)")")
    done
    RPS[$tool]=$(printf '%s\n' "${rps[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
    CPU[$tool]=$(printf '%s\n' "${cpu[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
done
printf '%-10s %12s %22s %14s %14s\n' tool "req/s" "CPU s per 100k req" "req/s vs wrk" "CPU vs wrk"
for tool in loadtape wrk locust; do
    python3 -c "
import sys
t, r, c, rw, cw = sys.argv[1], *map(float, sys.argv[2:])
print('%-10s %12.0f %22.2f %14.2f %14.2f' % (t, r, c, r / rw, c / cw))" \
        "$tool" "${RPS[$tool]}" "${CPU[$tool]}" "${RPS[wrk]}" "${CPU[wrk]}"
done
echo "(connections: $CONNS, $SECS s per run, median of $RUNS; nginx: 1 worker, same host)"
