# replay_faults.sh - transport failures are counted by class and the run ends:
# connection refused, resets, a server that hangs (--timeout), one that never
# sends 100 Continue; exit codes 1 (nothing reached the target) and 3 (--slo).
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail
lt_need_cmd python3

# 20 records over 200 ms
python3 - >"$LT_TMP/t.jsonl" <<'PY'
import json
for i in range(20):
    print(json.dumps({"ts_ns": i * 10_000_000, "session": i % 4, "method": "POST",
                      "url": "/collect/web", "headers": [["Content-Type", "application/json"]],
                      "body": json.dumps({"type": "track", "event": "e", "userId": str(i)})}))
PY
"$LOADTAPE" import "$LT_TMP/t.jsonl" -o "$LT_TMP/t.tape" 2>/dev/null

# run NAME ARGS...: replay with --json into $LT_TMP/NAME.json; sets rc
run() {
    local name=$1; shift
    rc=0
    timeout 60 "$LOADTAPE" replay "$@" --json >"$LT_TMP/$name.json" 2>"$LT_TMP/$name.err" || rc=$?
    invariants "$LT_TMP/$name.json"
}

# refused: nothing listens; every request is a connect error, exit 1
port=$(lt_free_port)
run refused "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -c 4
lt_eq "refused exit" 1 "$rc"
lt_eq "connect errors" 20 "$(jget "$LT_TMP/refused.json" 'j["errors"]["connect"]')"
lt_eq "completed" 0 "$(jget "$LT_TMP/refused.json" 'j["requests"]["completed"]')"
grep -q "not one request reached the target" "$LT_TMP/refused.err" || lt_fail "no clear message"

# reset: the server reads each request and answers with RST
port=$(lt_free_port)
start_fault reset "$port"
run reset "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -c 4
lt_eq "reset exit" 1 "$rc"
lt_eq "reset errors" 20 "$(jget "$LT_TMP/reset.json" 'j["errors"]["reset"]')"
lt_eq "error_rate" 1 "$(jget "$LT_TMP/reset.json" 'j["error_rate"]')"

# hang: nothing ever answers; --timeout 300ms ends every request, and the run
start=$(date +%s%N)
port=$(lt_free_port)
start_fault hang "$port"
run hang "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -c 20 --timeout 300ms
lt_eq "hang exit" 1 "$rc"
lt_eq "timeouts" 20 "$(jget "$LT_TMP/hang.json" 'j["errors"]["timeout"]')"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 20000 ] || lt_fail "hang run did not end in time"

# a stalled target and --duration: what waited for a connection when the run
# ended was never sent because every connection was stuck; that is a failure
# of the target's, counted and warned about, not a skip
port=$(lt_free_port)
start_fault hang "$port"
run stalled "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -c 4 --duration 1s --timeout 2s
lt_eq "stalled exit" 1 "$rc"
lt_eq "stalled: not sent" 16 "$(jget "$LT_TMP/stalled.json" 'j["requests"]["not_sent_target_stalled"]')"
lt_eq "stalled: skipped" 0 "$(jget "$LT_TMP/stalled.json" 'j["requests"]["skipped"]')"
lt_eq "stalled: timeouts" 4 "$(jget "$LT_TMP/stalled.json" 'j["errors"]["timeout"]')"
lt_eq "stalled: error_rate" 1 "$(jget "$LT_TMP/stalled.json" 'j["error_rate"]')"

# a target that trickles a byte every 100 ms (issue 16): the four connections stay busy
# past --duration, so the other 16 requests are never sent; they are failures, warned
# about, never "skipped" and never an error_rate of 0
port=$(lt_free_port)
start_fault slowtrickle "$port"
run slowtrickle "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -c 4 --duration 1s --timeout 10s
lt_eq "slow trickle exit" 0 "$rc"
lt_eq "slow trickle: completed" 4 "$(jget "$LT_TMP/slowtrickle.json" 'j["requests"]["completed"]')"
lt_eq "slow trickle: not sent" 16 "$(jget "$LT_TMP/slowtrickle.json" 'j["requests"]["not_sent_target_stalled"]')"
lt_eq "slow trickle: skipped" 0 "$(jget "$LT_TMP/slowtrickle.json" 'j["requests"]["skipped"]')"
lt_eq "slow trickle: error_rate" 0.8 "$(jget "$LT_TMP/slowtrickle.json" 'j["error_rate"]')"
grep -q "16 requests were never sent: every connection was still busy" "$LT_TMP/slowtrickle.err" ||
    { cat "$LT_TMP/slowtrickle.err"; lt_fail "slow trickle: no warning"; }
grep -q "16 requests were never sent" "$LT_TMP/stalled.err" || lt_fail "no warning for a stalled target"

# the keep-alive race: a server that closes a kept connection on the next request
# without answering; the request goes once more on a new connection, and is answered
port=$(lt_free_port)
start_fault once "$port"
run once "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -c 1 --keep-order --limit 6
lt_eq "once exit" 0 "$rc"
lt_eq "once: ok" 6 "$(jget "$LT_TMP/once.json" 'j["requests"]["ok"]')"
lt_eq "once: errors" 0 "$(jget "$LT_TMP/once.json" 'sum(j["errors"].values())')"

# half a response, then close: a reset, never an answer
port=$(lt_free_port)
start_fault half "$port"
run half "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -c 4 --limit 6
lt_eq "half exit" 1 "$rc"
lt_eq "half: resets" 6 "$(jget "$LT_TMP/half.json" 'j["errors"]["reset"]')"
lt_eq "half: completed" 0 "$(jget "$LT_TMP/half.json" 'j["requests"]["completed"]')"

# a slow trickle (a byte every 5 ms) is a slow answer, not an error
port=$(lt_free_port)
start_fault trickle "$port"
run trickle "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -c 4 --limit 4 --timeout 10s
lt_eq "trickle exit" 0 "$rc"
lt_eq "trickle: ok" 4 "$(jget "$LT_TMP/trickle.json" 'j["requests"]["ok"]')"
python3 - "$LT_TMP/trickle.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["service_ms"]["min"] >= 200, j["service_ms"]   # 60 bytes at 5 ms each
PY

# every framing a server may answer with, on one connection after another
# (the last shape closes it): each counted with its own status
python3 - >"$LT_TMP/sh.jsonl" <<'PY'
import json
for i in range(12):
    print(json.dumps({"ts_ns": i * 1000000, "session": 1, "method": "GET", "url": "/%d" % i,
                      "headers": []}))
PY
"$LOADTAPE" import "$LT_TMP/sh.jsonl" -o "$LT_TMP/sh.tape" 2>/dev/null
port=$(lt_free_port)
start_fault shapes "$port"
run shapes "$LT_TMP/sh.tape" --target "http://127.0.0.1:$port" -c 1 --keep-order
lt_eq "shapes exit" 0 "$rc"
lt_eq "shapes: statuses" "{'200': 2, '201': 2, '202': 2, '204': 2, '206': 2, '304': 2}" \
    "$(jget "$LT_TMP/shapes.json" 'j["status"]')"
lt_eq "shapes: no errors" 0 "$(jget "$LT_TMP/shapes.json" 'sum(j["errors"].values())')"

# no 100 Continue: the recorded Expect header goes out as recorded; libcurl
# waits for a 100 that never comes, sends the body after its wait, and the
# answer is counted
python3 - >"$LT_TMP/e.jsonl" <<'PY'
import json
for i in range(3):
    print(json.dumps({"ts_ns": i * 1_000_000, "session": i, "method": "POST", "url": "/collect/web",
                      "headers": [["Content-Type", "application/json"], ["Expect", "100-continue"]],
                      "body": "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}"}))
PY
"$LOADTAPE" import "$LT_TMP/e.jsonl" -o "$LT_TMP/e.tape" 2>/dev/null
port=$(lt_free_port)
start_fault no100 "$port"
run no100 "$LT_TMP/e.tape" --target "http://127.0.0.1:$port" --timeout 10s
lt_eq "no100 exit" 0 "$rc"
lt_eq "no100 completed" 3 "$(jget "$LT_TMP/no100.json" 'j["requests"]["ok"]')"

# --slo against nginx: passing thresholds exit 0, a failing one exits 3
port=$(lt_free_port)
lt_start_nginx "$port"
run slo_ok "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" --slo 'p99<10s,error_rate<1%,max<30s'
lt_eq "slo pass exit" 0 "$rc"
run slo_bad "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" --slo 'p99<10s,p50<1ns'
lt_eq "slo fail exit" "$(breach_rc "$LT_TMP/slo_bad.json")" "$rc"
lt_eq "slo verdicts" "[True, False]" "$(jget "$LT_TMP/slo_bad.json" '[t["pass"] for t in j["slo"]]')"
rc=0
"$LOADTAPE" replay "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" --slo 'p99<200' >/dev/null 2>&1 || rc=$?
lt_eq "slo usage exit" 2 "$rc"
rc=0
"$LOADTAPE" replay "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" --burst --spike 2x:1s/2s >/dev/null 2>&1 || rc=$?
lt_eq "burst+spike usage exit" 2 "$rc"
"$LOADTAPE" replay "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" -o "$LT_TMP/s.res" \
    --json >"$LT_TMP/s.json"
rc=0
"$LOADTAPE" report "$LT_TMP/s.res" --slo 'p50<1ns' >/dev/null 2>&1 || rc=$?
lt_eq "report slo exit" "$(breach_rc "$LT_TMP/s.json")" "$rc"
rc=0
"$LOADTAPE" report "$LT_TMP/s.res" --slo 'error_rate<0%' >/dev/null 2>&1 || rc=$?
lt_eq "report error-rate breach" 3 "$rc"
echo ok
