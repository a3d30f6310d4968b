#!/usr/bin/env bash
# fuzz-smoke.sh - builds every libFuzzer target with clang (libraries instrumented) and
# runs each for a few seconds on a scratch copy of its corpus. A crash, a sanitizer
# report or a leak fails the run. Longer runs: FUZZ_SECONDS=600 bash scripts/fuzz-smoke.sh;
# some targets only: FUZZ_TARGETS='listener opt_values'.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-10}
dir=build-fuzz
CC=clang cmake -S . -B "$dir" -DLT_FUZZ=ON -DLT_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j "$(nproc)" >/dev/null
scratch=$(mktemp -d /tmp/loadtape-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
failed=0
for f in "$dir"/tests/fuzz/*-fuzzer; do
    name=$(basename "$f" -fuzzer)
    # FUZZ_TARGETS="a b": only those targets
    if [ -n "${FUZZ_TARGETS:-}" ] && ! grep -qw -- "$name" <<<"$FUZZ_TARGETS"; then continue; fi
    mkdir -p "$scratch/$name"
    cp -r tests/fuzz/corpus/"$name"/. "$scratch/$name/" 2>/dev/null || true
    if "$f" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=0 "$scratch/$name" \
        >"$scratch/$name.log" 2>&1; then
        done_line=$(grep -E 'DONE' "$scratch/$name.log" | tail -1)
        echo "fuzz $name: ok ($(grep -oE 'cov: [0-9]+' <<<"$done_line" || echo ran)$(grep -oE 'exec/s: [0-9]+' <<<"$done_line" | sed 's/^/, /'))"
    else
        echo "fuzz $name: FAILED"; tail -40 "$scratch/$name.log"; failed=1
    fi
done
exit $failed
