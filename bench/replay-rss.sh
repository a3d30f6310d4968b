#!/usr/bin/env bash
# replay-rss.sh - memory stays flat whatever the tape's length: peak RSS (VmHWM from
# /proc/PID/status, read every 0.1 s until the process exits; cross-checked with
# /usr/bin/time's maximum RSS) of 'loadtape replay' on a 10M-record tape against
# nginx on loopback, at --threads 1 and 2, closed loop (--burst) and open loop at
# the tape's own rate (--speed 1 of a 100k req/s tape: faster than one machine
# sends, so the open-loop queue fills to its bound: the worst case for memory).
# Target (issue 9): <= 64 MiB at any thread count.
#
# A whole 10M-record replay takes many minutes here, so every run is cut at
# --duration SECS; the reader, the queue and the metrics are bounded, so the peak
# is reached in the first seconds. The 100k-record tape replayed to its end is the
# control.
#
# usage: bench/replay-rss.sh [BUILD_DIR]
#        env: SECS (20), CONNS (64), COUNT (10000000), THREADS ("1 2"), PATHS (none; N: the
#             tapes are imported from JSONL whose records cycle through N paths, so N
#             per-endpoint groups, past --max-groups the rest in (other))
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
lt=$build/cli/loadtape
[ -x "$lt" ] || { echo "no $lt: build first" >&2; exit 1; }
SECS=${SECS:-20}
CONNS=${CONNS:-64}
COUNT=${COUNT:-10000000}
THREADS=${THREADS:-1 2}
PATHS=${PATHS:-}
. "$root/bench/bench_lib.sh"
bench_init replay-rss nginx python3
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (bash scripts/deps.sh bench)" >&2; exit 1; }
bench_nginx 2

# run LABEL TAPE [replay options...]
run() {
    local label=$1 t=$2 p hwm=0 h
    shift 2
    /usr/bin/time -f "%M" -o "$tmp/rss" "$lt" replay "$t" --target "http://127.0.0.1:$port" \
        -c "$CONNS" --json "$@" >"$tmp/r.json" 2>"$tmp/r.err" &
    p=$!
    local lp=
    while kill -0 "$p" 2>/dev/null; do
        [ -n "$lp" ] || lp=$(pgrep -P "$p" -x loadtape || true)
        h=$(awk '/^VmHWM/ { print $2 }' "/proc/$lp/status" 2>/dev/null || true)
        [ -z "$h" ] || hwm=$h
        sleep 0.1
    done
    wait "$p" || true
    python3 -c '
import json, os, sys
j = json.load(open(sys.argv[1]))
print("%-46s %9.1f %7.1f %11d %10.1f %10.1f %s" % (sys.argv[2], os.path.getsize(sys.argv[3]) / 2**20,
      j["duration_s"], j["requests"]["sent"], int(sys.argv[5]) / 1024, int(open(sys.argv[4]).read()) / 1024,
      "client-bound" if j["client_bound"] else ""))' \
        "$tmp/r.json" "$label" "$t" "$tmp/rss" "$hwm"
}

# tape NAME COUNT: baseline events at 100k/s, synthesized or (PATHS) imported
tape() {
    if [ -z "$PATHS" ]; then
        "$lt" synth baseline -o "$tmp/$1.tape" --count "$2" --rate 100k 2>/dev/null
        return
    fi
    python3 - "$2" "$PATHS" >"$tmp/$1.jsonl" <<'PY'
import sys
n, paths = int(sys.argv[1]), int(sys.argv[2])
body = '{\\"type\\":\\"track\\",\\"event\\":\\"e\\",\\"userId\\":\\"u%d\\"}'
for i in range(n):
    print('{"ts_ns":%d,"session":%d,"method":"POST","url":"/p%d","body":"%s"}'
          % (i * 10000, i, i % paths, body % i))
PY
    "$lt" import "$tmp/$1.jsonl" -o "$tmp/$1.tape" 2>/dev/null
    rm -f "$tmp/$1.jsonl"
}
tape big "$COUNT"
tape small 100000
printf '%-46s %9s %7s %11s %10s %10s\n' run "tape MiB" "run s" "sent" "VmHWM MiB" "maxRSS MiB"
for th in $THREADS; do
    run "$COUNT records, --burst, --threads $th" "$tmp/big.tape" --burst --threads "$th" --duration "${SECS}s"
    run "$COUNT records, --speed 1, --threads $th" "$tmp/big.tape" --threads "$th" --duration "${SECS}s"
done
run "100000 records (whole), --burst, --threads 2" "$tmp/small.tape" --burst --threads 2
[ -z "$PATHS" ] || echo "(records cycling through $PATHS paths)"
echo "(-c $CONNS, each 10M run cut at --duration ${SECS}s; nginx 2 workers; unpinned;"
echo " load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
