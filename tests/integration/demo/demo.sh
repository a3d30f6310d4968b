#!/usr/bin/env bash
# demo.sh - 'loadtape demo' needs nothing set up, sends every request of its tape to the
# sink it starts, says what latency, service and lag mean, leaves no process behind and
# its tape in ./loadtape-demo/; the commands it prints at the end work as pasted.
. "$LT_TEST_ROOT/lib.sh"
cd "$LT_TMP" || exit 1
"$LOADTAPE" demo >"$LT_TMP/out" 2>"$LT_TMP/err" </dev/null || {
    cat "$LT_TMP/out" "$LT_TMP/err" >&2
    lt_fail "demo exited with $?"
}
all=$(cat "$LT_TMP/out" "$LT_TMP/err")
# the synthesized tape's record count, as inspect printed it
n=$(sed -n 's/^records *\([0-9]*\) in .*/\1/p' <<<"$all")
[ -n "$n" ] && [ "$n" -gt 10000 ] || lt_fail "no record count from inspect: $all"
grep -q "scheduled $n, sent $n, completed $n" <<<"$all" && grep -q "ok $n, failed 0 " <<<"$all" ||
    lt_fail "replay did not complete all $n requests: $all"
grep -q '^listening on http://127.0.0.1:[0-9]*$' <<<"$all" || lt_fail "no sink URL: $all"
grep -q '^\$ loadtape sink --listen 127.0.0.1:0 &$' <<<"$all" || lt_fail "the sink is not shown in the background"
for w in latency service lag; do
    grep -q "^  $w  " <<<"$all" || lt_fail "no line says what $w means"
done
url=$(sed -n 's/^listening on //p' <<<"$all")
port=${url##*:}
# the sink is gone: its port is free again
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    lt_fail "something still listens on $port after the demo"
fi
"$LOADTAPE" inspect loadtape-demo/demo.tape --verify >/dev/null || lt_fail "no valid tape in ./loadtape-demo/"
# the commands to do it again, pasted into a shell (on a free port instead of 8080)
sed -n '/To do it again by hand:/,$p' "$LT_TMP/err" | tail -n +2 | sed 's/^  //' >"$LT_TMP/again.sh"
grep -q 'loadtape sink --listen 127.0.0.1:8080 &' "$LT_TMP/again.sh" || lt_fail "no commands to paste: $(cat "$LT_TMP/again.sh")"
free=$(lt_free_port)
sed -i "s/:8080/:$free/g" "$LT_TMP/again.sh"
PATH="$(dirname "$LOADTAPE"):$PATH" bash -e "$LT_TMP/again.sh" >"$LT_TMP/again.out" 2>&1 ||
    { cat "$LT_TMP/again.sh" "$LT_TMP/again.out" >&2; lt_fail "the printed commands fail as pasted"; }
grep -q "ok $n, failed 0 " "$LT_TMP/again.out" || lt_fail "the pasted replay did not send all $n: $(cat "$LT_TMP/again.out")"
if (exec 3<>"/dev/tcp/127.0.0.1/$free") 2>/dev/null; then
    lt_fail "the pasted commands left the sink running"
fi
echo "ok: demo replayed $n of $n requests, kept its tape, and its commands work as pasted"
