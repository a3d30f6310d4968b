#!/usr/bin/env bash
# demo.sh - 'loadtape demo' needs nothing set up, sends every request of its tape to the
# sink it starts, and leaves nothing behind: no process, no temporary folder.
. "$LT_TEST_ROOT/lib.sh"
count_tmp() { find /tmp -maxdepth 1 -name "loadtape-demo.*" | wc -l; }
before=$(count_tmp)
"$LOADTAPE" demo >"$LT_TMP/out" 2>"$LT_TMP/err" </dev/null || {
    cat "$LT_TMP/out" "$LT_TMP/err" >&2
    lt_fail "demo exited with $?"
}
all=$(cat "$LT_TMP/out" "$LT_TMP/err")
# the synthesized tape's record count, as inspect printed it
n=$(sed -n 's/^records *\([0-9]*\) in .*/\1/p' <<<"$all")
[ -n "$n" ] && [ "$n" -gt 10000 ] || lt_fail "no record count from inspect: $all"
grep -q "scheduled $n, sent $n, completed $n, ok $n, failed 0" <<<"$all" ||
    lt_fail "replay did not complete all $n requests: $all"
grep -q '^listening on http://127.0.0.1:[0-9]*$' <<<"$all" || lt_fail "no sink URL: $all"
url=$(sed -n 's/^listening on //p' <<<"$all")
port=${url##*:}
# the sink is gone: its port is free again
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    lt_fail "something still listens on $port after the demo"
fi
after=$(count_tmp)
lt_eq "temporary folders left" "$before" "$after"
echo "ok: demo replayed $n of $n requests and cleaned up"
