#!/usr/bin/env bash
# Live capture on lo as root while ab sends a known number of requests: the
# tape has every one of them, answered, with the counters in its metadata;
# SIGINT, SIGTERM and --duration all leave a closed tape.
. "$LT_TEST_ROOT/lib.sh"
lt_need_root
lt_need_cmd ab nginx python3

port=$(lt_free_port)
lt_start_nginx "$port"
url=http://127.0.0.1:$port

# start_capture NAME ARGS...: background capture, waits until it listens
start_capture() {
    local name=$1
    shift
    "$LOADTAPE" capture -i lo --port "$port" -o "$LT_TMP/$name.tape" "$@" 2>"$LT_TMP/$name.err" &
    cpid=$!
    LT_PIDS+=("$cpid")
    for _ in $(seq 100); do grep -q "listening on lo" "$LT_TMP/$name.err" && return 0; sleep 0.05; done
    cat "$LT_TMP/$name.err" >&2
    lt_fail "capture did not start"
}

start_capture int
printf '{"type":"track","event":"e","userId":"u1"}' >"$LT_TMP/ev.json"
ab -q -k -n 2000 -c 8 "$url/collect/keepalive" >/dev/null
ab -q -n 500 -c 4 -p "$LT_TMP/ev.json" -T application/json "$url/collect/post" >/dev/null
sleep 0.5
kill -INT "$cpid"
wait "$cpid" || lt_fail "capture exited with $? after SIGINT"
cat "$LT_TMP/int.err"
"$LOADTAPE" export "$LT_TMP/int.tape" >"$LT_TMP/int.jsonl" 2>"$LT_TMP/export.err"
[ -s "$LT_TMP/export.err" ] && { cat "$LT_TMP/export.err"; lt_fail "export complained"; }
python3 - "$LT_TMP/int.jsonl" <<'PY'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
c = collections.Counter((r["method"], r["url"]) for r in recs)
assert c[("GET", "/collect/keepalive")] == 2000, c
assert c[("POST", "/collect/post")] == 500, c
assert len(recs) == 2500, len(recs)
assert all(r.get("response", {}).get("status") == 202 for r in recs)
assert all(r["body"] == '{"type":"track","event":"e","userId":"u1"}'
           for r in recs if r["method"] == "POST")
ts = [r["ts_ns"] for r in recs]
assert ts == sorted(ts)
print("ok: 2500 of 2500 requests recorded live")
PY
grep -q "2500 requests recorded" "$LT_TMP/int.err" || lt_fail "summary does not say 2500"
grep -q "kernel: .* 0 dropped by the kernel" "$LT_TMP/int.err" || lt_fail "kernel drops not reported as 0"

# the counters are in the tape's metadata, and inspect shows them
"$LOADTAPE" inspect --json "$LT_TMP/int.tape" >"$LT_TMP/inspect.json"
"$LOADTAPE" inspect "$LT_TMP/int.tape" >"$LT_TMP/inspect.txt"
grep -q '^capture  *packets ' "$LT_TMP/inspect.txt" &&
    grep -q '^  *requests  *{.*"recorded":2500' "$LT_TMP/inspect.txt" ||
    lt_fail "inspect does not show the capture counters: $(cat "$LT_TMP/inspect.txt")"
python3 - "$LT_TMP/inspect.json" <<'PY'
import json, sys
cap = json.load(open(sys.argv[1]))["capture"]
assert cap["requests"]["recorded"] == 2500, cap
assert cap["requests"]["with_response"] == 2500, cap
assert cap["packets"]["kernel_dropped"] == 0, cap
assert cap["packets"]["kernel_received"] >= 2 * cap["packets"]["seen"], cap
assert cap["not_recorded_whole"]["dropped_gap"] == 0, cap
assert cap["tcp"]["gap_bytes"] == 0, cap
print("ok: counters in the tape metadata")
PY

# SIGTERM with no traffic: a closed, empty tape
start_capture term
kill -TERM "$cpid"
wait "$cpid" || lt_fail "capture exited with $? after SIGTERM"
"$LOADTAPE" export "$LT_TMP/term.tape" >"$LT_TMP/term.jsonl" 2>"$LT_TMP/export.err"
[ -s "$LT_TMP/export.err" ] && { cat "$LT_TMP/export.err"; lt_fail "export complained"; }
lt_eq "records after SIGTERM" 0 "$(wc -l <"$LT_TMP/term.jsonl")"

# --duration stops by itself, with what came before
start_capture dur --duration 2s
ab -q -k -n 10 -c 1 "$url/collect/d" >/dev/null
t0=$(date +%s%N)
wait "$cpid" || lt_fail "capture --duration exited with $?"
el=$((($(date +%s%N) - t0) / 1000000))
[ "$el" -lt 4000 ] || lt_fail "--duration 2s took ${el} ms more"
"$LOADTAPE" export "$LT_TMP/dur.tape" >"$LT_TMP/dur.jsonl"
lt_eq "records with --duration" 10 "$(wc -l <"$LT_TMP/dur.jsonl")"
echo ok
