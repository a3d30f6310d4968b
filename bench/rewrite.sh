#!/usr/bin/env bash
# rewrite.sh - what three rewrite rules cost replay's reader: records per second read,
# built and serialised with no rules and with three (--rewrite-path with a group,
# --set-query, --set-field on a nested JSON field), on the same tape in the same run.
#
#   bench/rewrite.sh [BUILD_DIR]     (default: build; needs bench/tape_bench, bench/rewrite_bench)
#
# The tape: COUNT (default 200000) realistic records from tape_bench (seed 1). ROUNDS
# (default 5) alternate a pass without rules and one with them; the medians and the
# median of the per-round ratio are printed. CPU time of one thread.
set -euo pipefail

build=${1:-build}
for b in tape_bench rewrite_bench; do
    [[ -x $build/bench/$b ]] || { echo "rewrite.sh: $build/bench/$b not found" >&2; exit 1; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/lt-rewrite-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$build/bench/tape_bench" write --kind realistic --count "${COUNT:-200000}" --seed 1 --level 3 \
    -o "$dir/r.tape" >/dev/null
"$build/bench/rewrite_bench" "$dir/r.tape" "${ROUNDS:-5}"
