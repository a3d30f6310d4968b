#!/usr/bin/env bash
# jsonl.sh - how fast loadtape exports a tape to JSONL and imports JSONL back,
# against jq reading and writing the same JSONL (jq -c .), in one run on the same
# files. Prints CPU seconds (user + sys, median of RUNS) and MB/s of JSONL, and the
# ratios loadtape/jq. CPU time rather than wall time: a shared machine's load
# moves wall time more than it moves CPU time.
#
#   bash bench/jsonl.sh [RECORDS] [RUNS]      (defaults 200000 and 3)
# Needs a build (build/cli/loadtape, or LOADTAPE=path) and jq.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-200000}
runs=${2:-3}
lt=${LOADTAPE:-build/cli/loadtape}
[ -x "$lt" ] || { echo "no loadtape binary at $lt (build first, or set LOADTAPE)" >&2; exit 1; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/loadtape-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# cpu_s CMD...: CPU seconds (user + sys) of one run, output to /dev/null.
cpu_s() {
    /usr/bin/time -f '%U %S' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" ||
        { cat "$tmp/stderr" >&2; exit 1; }
    awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/time"
}

# median_s CMD...: the median CPU seconds of $runs runs.
median_s() {
    local i
    for i in $(seq "$runs"); do cpu_s "$@"; done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

"$lt" synth realistic --count "$n" --rate 5k -o "$tmp/in.tape" 2>/dev/null
"$lt" export "$tmp/in.tape" -o "$tmp/in.jsonl"
mb=$(stat -c %s "$tmp/in.jsonl" | awk '{ printf "%.1f", $1 / 1e6 }')

export_s=$(median_s "$lt" export "$tmp/in.tape")
import_s=$(median_s "$lt" import "$tmp/in.jsonl" -o "$tmp/out.tape")
jq_s=$(median_s jq -c . "$tmp/in.jsonl")

echo "records: $n realistic events, JSONL: $mb MB, median of $runs runs (CPU seconds)"
awk -v mb="$mb" -v e="$export_s" -v i="$import_s" -v j="$jq_s" 'BEGIN {
    printf "%-34s %8s %10s\n", "", "cpu s", "MB/s"
    printf "%-34s %8.2f %10.0f\n", "loadtape export (tape -> JSONL)", e, mb / e
    printf "%-34s %8.2f %10.0f\n", "loadtape import (JSONL -> tape)", i, mb / i
    printf "%-34s %8.2f %10.0f\n", "jq -c . (JSONL -> JSONL)", j, mb / j
    printf "ratios: jq / export %.1fx, jq / import %.1fx (higher: loadtape faster)\n", j / e, j / i
}'
