# replay_stdin.sh - "-" is standard input: synth -o - | replay - sends every record
# of the piped tape, and its results file piped into report - gives the same numbers
# (and the run's exact start);
# what needs the tape's index (--from, --loop) says so and sends nothing.
source "$LT_TEST_ROOT/lib.sh"
set -euo pipefail

port=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$port" >"$LT_TMP/sink.out" 2>&1 &
LT_PIDS+=($!)
lt_wait_port "$port"
"$LOADTAPE" synth baseline -o - --rate 1k --count 1500 -q |
    "$LOADTAPE" replay - --target "http://127.0.0.1:$port" --rate 3k -o "$LT_TMP/r.res" --json >"$LT_TMP/a.json"
lt_eq "piped replay completed" 1500 "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"]["completed"])' "$LT_TMP/a.json")"
"$LOADTAPE" report "$LT_TMP/r.res" --format json >"$LT_TMP/file.json"
"$LOADTAPE" report - --format json <"$LT_TMP/r.res" >"$LT_TMP/redirected.json"
cat "$LT_TMP/r.res" | "$LOADTAPE" report - --format json >"$LT_TMP/piped.json"
cmp "$LT_TMP/file.json" "$LT_TMP/piped.json" || lt_fail "report - differs from report FILE"
cmp "$LT_TMP/file.json" "$LT_TMP/redirected.json" || lt_fail "report - <FILE differs from report FILE"
# the run's start is kept to the nanosecond (a string above 2^53), and report reads it back
python3 - "$LT_TMP/r.res" "$LT_TMP/file.json" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
mlen = struct.unpack_from("<I", raw, 12)[0]
meta = json.loads(raw[16:16 + mlen])
start = meta["start_unix_ns"]
assert isinstance(start, str) and start.isdigit() and int(start) > 2**53, start
rep = json.load(open(sys.argv[2]))
assert rep["start_unix_ns"] == start, (rep["start_unix_ns"], start)
assert rep["started"].endswith("Z") and len(rep["started"]) == 30, rep["started"]
PY

rc=0
"$LOADTAPE" synth baseline -o - --count 100 -q |
    "$LOADTAPE" replay - --target "http://127.0.0.1:$port" --from 1s 2>"$LT_TMP/from.err" >/dev/null || rc=$?
lt_eq "--from on a pipe exit" 1 "$rc"
grep -q "is read from a pipe, without its index: it cannot be positioned by time" "$LT_TMP/from.err" ||
    lt_fail "--from on a pipe: $(cat "$LT_TMP/from.err")"
rc=0
"$LOADTAPE" synth baseline -o - --count 100 -q |
    "$LOADTAPE" replay - --target "http://127.0.0.1:$port" --loop 2 --rate 1k 2>"$LT_TMP/loop.err" >/dev/null || rc=$?
lt_eq "--loop on a pipe exit" 1 "$rc"
grep -q "cannot be read twice" "$LT_TMP/loop.err" || lt_fail "--loop on a pipe: $(cat "$LT_TMP/loop.err")"
echo ok
