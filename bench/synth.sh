#!/usr/bin/env bash
# synth.sh - how fast 'loadtape synth' writes tapes: events/s for the baseline
# and realistic scenarios at the default compression level, on one core.
#
# Each case runs RUNS times (default 3); the median is printed, by wall time
# and by CPU time (user + sys of the one synth process, which is what a busy
# shared machine does not distort). As a yardstick measured in the same run,
# `zstd -3` (one thread) compresses the same records written out as JSONL:
# the ratio says how synth's whole job (generate + encode + compress + index)
# compares with compressing the same bytes alone.
#
# usage: bench/synth.sh [BUILD_DIR]   (default: build)
#        env: BASELINE_N (2000000), REALISTIC_N (1000000), RUNS (3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
lt=$build/cli/loadtape
[ -x "$lt" ] || { echo "no $lt: build first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
BASELINE_N=${BASELINE_N:-2000000}
REALISTIC_N=${REALISTIC_N:-1000000}
RUNS=${RUNS:-3}
tmp=$(mktemp -d /tmp/synth-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# measure OUT CMD...: runs CMD (stdout to OUT), prints "wall_s cpu_s".
measure() {
    python3 - "$@" <<'PY'
import os, sys, time, subprocess
out = sys.argv[1]
t0 = time.monotonic()
with open(out, "wb") as f:
    p = subprocess.Popen(sys.argv[2:], stdout=f)
    _, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
if status != 0:
    sys.exit("command failed: %s" % " ".join(sys.argv[2:]))
print("%.4f %.4f" % (wall, ru.ru_utime + ru.ru_stime))
PY
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-10s %10s %14s %14s %12s %10s\n' scenario events "events/s wall" "events/s cpu" "MB/s (cpu)" "B/event"
for case in "baseline $BASELINE_N" "realistic $REALISTIC_N"; do
    set -- $case
    sc=$1 n=$2
    walls=() cpus=()
    for r in $(seq "$RUNS"); do
        read -r w c < <(measure /dev/null "$lt" synth "$sc" --count "$n" -o "$tmp/$sc.tape" -q)
        walls+=("$w") cpus+=("$c")
    done
    w=$(printf '%s\n' "${walls[@]}" | median)
    c=$(printf '%s\n' "${cpus[@]}" | median)
    # raw record bytes (uncompressed block payloads) from the tape's own statistics
    raw=$("$lt" inspect --json "$tmp/$sc.tape" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["body_bytes"]["total"])')
    size=$(stat -c %s "$tmp/$sc.tape")
    awk -v sc="$sc" -v n="$n" -v w="$w" -v c="$c" -v raw="$raw" -v size="$size" 'BEGIN {
        printf "%-10s %10d %14.0f %14.0f %12.1f %10.1f\n", sc, n, n / w, n / c, raw / c / 1e6, size / n }'
    # the yardstick: zstd -3 on the same records as JSONL
    "$lt" export "$tmp/$sc.tape" -o "$tmp/$sc.jsonl"
    zw=() zc=()
    for r in $(seq "$RUNS"); do
        read -r a b < <(measure "$tmp/$sc.jsonl.zst" zstd -3 -T1 -q -c "$tmp/$sc.jsonl")
        zw+=("$a") zc+=("$b")
    done
    zcpu=$(printf '%s\n' "${zc[@]}" | median)
    jsz=$(stat -c %s "$tmp/$sc.jsonl")
    zsz=$(stat -c %s "$tmp/$sc.jsonl.zst")
    awk -v sc="$sc" -v n="$n" -v c="$c" -v zc="$zcpu" -v jsz="$jsz" -v zsz="$zsz" -v size="$size" 'BEGIN {
        printf "  yardstick: zstd -3 -T1 on the same %d records as JSONL (%.0f MB): %.0f records/s (cpu);\n", n, jsz / 1e6, n / zc
        printf "  synth / zstd time ratio %.2f; tape %.1f MB vs JSONL.zst %.1f MB\n", c / zc, size / 1e6, zsz / 1e6 }'
    rm -f "$tmp/$sc.jsonl" "$tmp/$sc.jsonl.zst"
done
