#!/usr/bin/env bash
# replay-rss.sh - memory stays flat whatever the tape's length: peak RSS
# (/usr/bin/time %M) of 'loadtape replay --burst' on tapes of 100k, 1M and 10M
# records against nginx on loopback. Each run is cut at --duration so the
# three take the same time; the reader, the queue and the metrics are bounded,
# so the peak must not grow with the tape. One more run replays the 100k tape
# to its end.
#
# usage: bench/replay-rss.sh [BUILD_DIR]   env: SECS (20), CONNS (64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
lt=$build/cli/loadtape
[ -x "$lt" ] || { echo "no $lt: build first" >&2; exit 1; }
SECS=${SECS:-20}
CONNS=${CONNS:-64}
. "$root/bench/bench_lib.sh"
bench_init replay-rss nginx python3
bench_nginx

printf '%-10s %12s %10s %12s %12s\n' records "tape MiB" "run s" "requests" "peak RSS MiB"
run() { # run RECORDS TAPE [replay options...]
    local n=$1 t=$2; shift 2
    /usr/bin/time -f "%M" -o "$tmp/rss" "$lt" replay "$t" --target "http://127.0.0.1:$port" --burst \
        -c "$CONNS" --json "$@" >"$tmp/r.json"
    python3 -c '
import json, os, sys
j = json.load(open(sys.argv[1]))
print("%-10s %12.1f %10.1f %12d %12.1f" % (sys.argv[2], os.path.getsize(sys.argv[3]) / 2**20,
      j["duration_s"], j["requests"]["completed"], int(open(sys.argv[4]).read()) / 1024))' \
        "$tmp/r.json" "$n" "$t" "$tmp/rss"
}
for n in 100000 1000000 10000000; do
    "$lt" synth baseline -o "$tmp/t$n.tape" --count "$n" --rate 100k 2>/dev/null
    run "$n" "$tmp/t$n.tape" --duration "${SECS}s"
done
run "100000 (all)" "$tmp/t100000.tape"
