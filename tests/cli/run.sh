#!/usr/bin/env bash
# run.sh - CLI golden tests. Each cases/NAME.sh runs in a fresh directory holding
# copies of tests/cli/data/* and examples/{events.jsonl,sample.har}, with `loadtape`
# on PATH; its stdout, stderr and exit status must equal cases/NAME.out,
# cases/NAME.err and cases/NAME.exit exactly. LT_UPDATE_GOLDEN=1 rewrites them
# (review the diff before committing). Arguments: patterns of the case names to run
# (default: $LT_CLI_CASES, else all).
source "$(dirname "$0")/../lib.sh"
set +e

here=$(cd "$(dirname "$0")" && pwd)
src=${LT_SRC_ROOT:-$(cd "$here/../.." && pwd)}
[ -x "$LOADTAPE" ] || LOADTAPE=$(command -v "$LOADTAPE")
[ -x "$LOADTAPE" ] || lt_fail "no loadtape binary (set LOADTAPE)"
mkdir -p "$LT_TMP/bin"
ln -s "$LOADTAPE" "$LT_TMP/bin/loadtape"
export PATH="$LT_TMP/bin:$PATH"
export LC_ALL=C

# shellcheck disable=SC2086
[ $# -eq 0 ] && [ -n "${LT_CLI_CASES:-}" ] && set -f && set -- $LT_CLI_CASES && set +f
cases=()
for f in "$here"/cases/*.sh; do
    name=$(basename "$f" .sh)
    [ $# -eq 0 ] && { cases+=("$name"); continue; }
    for pat in "$@"; do
        # shellcheck disable=SC2053
        if [[ $name == $pat ]]; then cases+=("$name"); break; fi
    done
done
[ ${#cases[@]} -gt 0 ] || lt_fail "no case matches: $*"

failed=0
for name in "${cases[@]}"; do
    work="$LT_TMP/case-$name"
    mkdir -p "$work"
    cp "$here"/data/* "$src/examples/events.jsonl" "$src/examples/sample.har" "$work/"
    (cd "$work" && bash "$here/cases/$name.sh" >"$LT_TMP/$name.out" 2>"$LT_TMP/$name.err" </dev/null)
    echo $? >"$LT_TMP/$name.exit"
    if [ "${LT_UPDATE_GOLDEN:-0}" = 1 ]; then
        for k in out err exit; do cp "$LT_TMP/$name.$k" "$here/cases/$name.$k"; done
        echo "updated $name"
        continue
    fi
    ok=1
    for k in exit out err; do
        if ! diff -u "$here/cases/$name.$k" "$LT_TMP/$name.$k" >"$LT_TMP/$name.$k.diff" 2>&1; then
            echo "FAIL $name: $k differs:" >&2
            cat "$LT_TMP/$name.$k.diff" >&2
            ok=0
        fi
    done
    if [ $ok = 1 ]; then echo "ok   $name"; else failed=$((failed + 1)); fi
done
[ $failed = 0 ] || lt_fail "$failed of ${#cases[@]} CLI cases failed"
echo "all ${#cases[@]} CLI cases passed"
