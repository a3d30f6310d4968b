# replay_sigint.sh - SIGINT stops sending, waits briefly for answers in flight,
# and still writes the summary and a complete results file; the counter
# invariants hold (requests in flight at the end are counted as abandoned).
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail

T=$LT_TMP/t.tape
"$LOADTAPE" synth baseline -o "$T" --rate 500 --duration 20s --seed 2 2>/dev/null

# against nginx: stopped after about 1.5 s of 20
port=$(lt_free_port)
lt_start_nginx "$port"
start=$(date +%s%N)
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" -o "$LT_TMP/a.res" --json \
    >"$LT_TMP/a.json" &
rp=$!
sleep 1.5
kill -INT "$rp"
rc=0
wait "$rp" || rc=$?
lt_eq "exit after ^C: inconclusive" 4 "$rc"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 8000 ] || lt_fail "did not stop promptly"
invariants "$LT_TMP/a.json"
python3 - "$LT_TMP/a.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
r = j["requests"]
assert 100 < r["completed"] < 5000, r      # stopped early, not at the tape's end
assert j["duration_s"] < 6, j["duration_s"]
assert j["interrupted"] is True, j
PY
rc=0
"$LOADTAPE" report "$LT_TMP/a.res" --format json >"$LT_TMP/ar.json" 2>/dev/null || rc=$?
lt_eq "report of an interrupted run: inconclusive" 4 "$rc"
lt_eq "report after ^C" "$(jget "$LT_TMP/a.json" 'j["requests"]')" "$(jget "$LT_TMP/ar.json" 'j["requests"]')"
lt_eq "report says interrupted" True "$(jget "$LT_TMP/ar.json" 'j["interrupted"]')"
# a passing threshold does not pass an interrupted run, and the text says so
rc=0
"$LOADTAPE" report "$LT_TMP/a.res" --slo 'p99<10s' >"$LT_TMP/ar.txt" 2>/dev/null || rc=$?
lt_eq "report --slo of an interrupted run" 4 "$rc"
grep -q "^INTERRUPTED" "$LT_TMP/ar.txt" || lt_fail "the text summary does not say interrupted"

# against a server that never answers: what is in flight at the end is abandoned
port=$(lt_free_port)
start_fault hang "$port"
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" -c 8 --json >"$LT_TMP/h.json" &
rp=$!
sleep 1.5
kill -INT "$rp"
rc=0
wait "$rp" || rc=$?
lt_eq "exit: nothing reached the target" 1 "$rc"
invariants "$LT_TMP/h.json"
lt_eq abandoned 8 "$(jget "$LT_TMP/h.json" 'j["requests"]["abandoned"]')"
python3 - "$LT_TMP/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["requests"]
assert r["skipped"] > 100 and r["sent"] == 8, r
PY

# killed outright: the results file keeps every closed interval, and report
# sums them (with a warning that the run did not finish)
port=$(lt_free_port)
lt_start_nginx "$port"
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" -o "$LT_TMP/k.res" >/dev/null &
rp=$!
sleep 3.5
kill -KILL "$rp"
wait "$rp" 2>/dev/null || true
rc=0
"$LOADTAPE" report "$LT_TMP/k.res" --format json >"$LT_TMP/k.json" 2>"$LT_TMP/k.err" || rc=$?
lt_eq "report of a killed run: inconclusive" 4 "$rc"
grep -q "not closed" "$LT_TMP/k.err" || lt_fail "no warning for a file that was not closed"
python3 - "$LT_TMP/k.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
r = j["requests"]
assert 500 <= r["completed"] <= 2000, r     # 2 or 3 whole seconds at 500 req/s
assert j["latency_ms"]["count"] == r["completed"]
assert 1.9 <= j["duration_s"] <= 3.6, j["duration_s"]
assert j["interrupted"] is True, j
PY
echo ok
