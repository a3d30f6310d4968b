# replay_plan.sh - the plan before a run: each warning on a tape made to trigger it (a
# spike window that never fires, a spike that consumes the rest of the trace, a peak the
# connections cannot carry at the recorded service times), the --loop it suggests silencing
# it, silence on tapes that trigger none; and the plan agreeing with the run it precedes
# (records = scheduled, the same lines before the run as from --check).
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail

# tape NAME N GAP_MS [LATENCY_MS]: N records GAP_MS apart (with a recorded answer)
tape() {
    python3 - "$LT_TMP/$1.jsonl" "$2" "$3" "${4:-}" <<'PY'
import json, sys
path, n, gap, lat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(path, "w") as f:
    for i in range(n):
        r = {"ts_ns": i * gap * 1000000, "session": i % 7 + 1, "method": "POST",
             "url": "/collect/web", "headers": [["Content-Type", "application/json"]],
             "body": json.dumps({"type": "track", "n": i})}
        if lat:
            r["response"] = {"status": 202, "latency_ns": int(lat) * 1000000}
        f.write(json.dumps(r) + "\n")
PY
    "$LOADTAPE" import "$LT_TMP/$1.jsonl" -o "$LT_TMP/$1.tape" 2>/dev/null
}

# check NAME TAPE ARGS...: --check's stdout and stderr in $LT_TMP/NAME.out, .err
check() {
    local name=$1 t=$2
    shift 2
    "$LOADTAPE" replay "$LT_TMP/$t.tape" --target http://127.0.0.1:9 --check "$@" \
        >"$LT_TMP/$name.out" 2>"$LT_TMP/$name.err"
}

tape short 81 100      # 8 s
tape long 601 100      # 60 s
tape slow 100 10 100   # 1 s at 100 req/s, each answered in 100 ms when recorded

# a spike window that never falls inside the run, and the --loop that makes one fire
check s1 short --spike 10x:5s/30s
lt_eq "never fires" \
    "loadtape replay: warning: --spike 10x:5s/30s: no spike window falls inside the run (its last send is at 8s, the first window opens at 25s); --loop 10 covers 1 window" \
    "$(cat "$LT_TMP/s1.err")"
grep -qx "plan: spike windows that fire: 0" "$LT_TMP/s1.out" || lt_fail "$(cat "$LT_TMP/s1.out")"
check s2 short --spike 10x:5s/30s --loop 10
lt_eq "--loop 10: no warning" "" "$(cat "$LT_TMP/s2.err")"
grep -qx "plan: spike windows that fire: 1 (25s-30s)" "$LT_TMP/s2.out" || lt_fail "$(cat "$LT_TMP/s2.out")"

# a spike that consumes the rest of the trace before the next period
check l1 long --spike 10x:5s/30s
lt_eq "consumes the rest" \
    "loadtape replay: warning: --spike 10x:5s/30s: the window at 25s-30s consumes the rest of the trace and the run ends at 28.5s, before the next period; --loop 3 covers the 2 windows asked for" \
    "$(cat "$LT_TMP/l1.err")"
grep -qx "plan: wall clock: last send at 28.5s, mean 21.1 req/s, peak 100 req/s (per second of the run)" \
    "$LT_TMP/l1.out" || lt_fail "$(cat "$LT_TMP/l1.out")"
check l2 long --spike 10x:5s/30s --loop 3
lt_eq "--loop 3: no warning" "" "$(cat "$LT_TMP/l2.err")"
grep -q "^plan: spike windows that fire: 3 (25s-30s, 55s-60s, 85s-90s)$" "$LT_TMP/l2.out" ||
    lt_fail "$(cat "$LT_TMP/l2.out")"
# --duration ends the run where it was asked to: no advice about the trace
check l3 long --spike 10x:5s/30s --duration 27s
lt_eq "--duration: no warning" "" "$(cat "$LT_TMP/l3.err")"
# the same spike on a tape long enough for its windows: silence
check l4 long --spike 2x:5s/20s
lt_eq "a spike that fits" "" "$(cat "$LT_TMP/l4.err")"

# a peak beyond what -c connections carry at the recorded service times
check c1 slow -c 4
lt_eq "capacity" \
    "loadtape replay: warning: the peak of 100 req/s is more than 4 connections carry at the recorded mean service time of 100.0ms (about 40 req/s): requests will wait for a connection (raise -c)" \
    "$(cat "$LT_TMP/c1.err")"
grep -qx "plan: recorded service time: mean 100.0ms over 100 records; 4 connections carry about 40 req/s" \
    "$LT_TMP/c1.out" || lt_fail "$(cat "$LT_TMP/c1.out")"
check c2 slow -c 64
lt_eq "capacity enough" "" "$(cat "$LT_TMP/c2.err")"
check c3 short -c 1
lt_eq "no recorded service times: nothing to check" "" "$(cat "$LT_TMP/c3.err")"
grep -qx "plan: no recorded service times: the connections' capacity is not checked" \
    "$LT_TMP/c3.out" || lt_fail "$(cat "$LT_TMP/c3.out")"
lt_eq "plan of a plain tape" \
    "plan: 81 records; one pass: trace span 8s, mean 10.0 req/s, peak 10 req/s (per second of trace)" \
    "$(head -1 "$LT_TMP/c3.out")"

# the plan agrees with the run: the same lines before the run as from --check, and as
# many records as the run schedules
port=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$port" >"$LT_TMP/sink.out" 2>&1 &
LT_PIDS+=($!)
lt_wait_port "$port"
tape mid 400 2 # 0.8 s
agree() {
    local name=$1
    shift
    "$LOADTAPE" replay "$LT_TMP/mid.tape" --target "http://127.0.0.1:$port" "$@" --json \
        >"$LT_TMP/$name.json" 2>"$LT_TMP/$name.err"
    "$LOADTAPE" replay "$LT_TMP/mid.tape" --target "http://127.0.0.1:$port" "$@" --check \
        >"$LT_TMP/$name.check" 2>/dev/null
    grep '^plan: ' "$LT_TMP/$name.check" >"$LT_TMP/$name.p1"
    grep '^plan: ' "$LT_TMP/$name.err" >"$LT_TMP/$name.p2"
    cmp -s "$LT_TMP/$name.p1" "$LT_TMP/$name.p2" || lt_fail "$name: the run's plan differs: $(cat "$LT_TMP/$name.p2")"
    lt_eq "$name: records = scheduled" \
        "$(sed -n 's/^plan: \([0-9]*\) records.*/\1/p' "$LT_TMP/$name.p1")" \
        "$(jget "$LT_TMP/$name.json" 'j["requests"]["scheduled"]')"
}
agree speed --speed 2
agree rate --rate 1000 --duration 250ms
agree loop --loop 3 --limit 50 --rate 2000
agree shard --shard 1/3 --rate 2000
agree spike --rate 1000 --spike 4x:100ms/200ms
lt_eq "rate: cut by --duration" 250 "$(jget "$LT_TMP/rate.json" 'j["requests"]["scheduled"]')"
lt_eq "loop: 3 passes of 50" 150 "$(jget "$LT_TMP/loop.json" 'j["requests"]["scheduled"]')"
grep -q "cut by --duration" "$LT_TMP/rate.p1" || lt_fail "$(cat "$LT_TMP/rate.p1")"
echo ok
