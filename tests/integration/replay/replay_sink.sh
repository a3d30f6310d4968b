# replay_sink.sh - replay against the embedded sink: its /stats saw exactly what
# replay sent, statuses agree; a tape the sink recorded (with responses) replayed
# against a sink that fails 20% counts exactly those as status mismatches.
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail
lt_need_cmd curl

"$LOADTAPE" synth errors -o "$LT_TMP/e.tape" --rate 500 --duration 2s --seed 11 2>/dev/null

port=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$port" --record "$LT_TMP/rec.tape" >"$LT_TMP/sink1.out" 2>&1 &
sink=$!
LT_PIDS+=($sink)
lt_wait_port "$port"
"$LOADTAPE" replay "$LT_TMP/e.tape" --target "http://127.0.0.1:$port" --speed 4 --json >"$LT_TMP/a.json"
invariants "$LT_TMP/a.json"
curl -s "http://127.0.0.1:$port/stats" >"$LT_TMP/stats.json"
python3 - "$LT_TMP/a.json" "$LT_TMP/stats.json" <<'PY'
import json, sys
a, s = (json.load(open(p)) for p in sys.argv[1:3])
r = a["requests"]
assert r["scheduled"] == r["sent"] == r["completed"], r
assert s["requests"] == r["completed"], (s["requests"], r)
assert s["status"] == a["status"], (s["status"], a["status"])
assert a["status"].get("400", 0) > 0 and r["failed"] == a["status"]["400"], a["status"]
PY
kill -INT "$sink"
wait "$sink" || true

# --ok expected: every invalid event's 400 is what it should get, so nothing failed
port=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$port" >"$LT_TMP/sink3.out" 2>&1 &
LT_PIDS+=($!)
lt_wait_port "$port"
"$LOADTAPE" replay "$LT_TMP/e.tape" --target "http://127.0.0.1:$port" --speed 4 --ok expected \
    --json >"$LT_TMP/ok.json"
invariants "$LT_TMP/ok.json"
python3 - "$LT_TMP/a.json" "$LT_TMP/ok.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert b["status"] == a["status"], (a["status"], b["status"])
assert b["requests"]["failed"] == 0 and b["error_rate"] == 0, b["requests"]
assert b["requests"]["ok"] == b["requests"]["completed"], b["requests"]
PY
# a target that accepts invalid events shows up as failures under --ok expected
port=$(lt_free_port)
lt_start_nginx "$port"
rc=0
"$LOADTAPE" replay "$LT_TMP/e.tape" --target "http://127.0.0.1:$port" --speed 4 --ok expected \
    --json >"$LT_TMP/ng.json" || rc=$?
python3 - "$LT_TMP/a.json" "$LT_TMP/ng.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert b["requests"]["failed"] == a["status"]["400"], (b["requests"], a["status"])
PY
# --ok as a list
"$LOADTAPE" replay "$LT_TMP/e.tape" --target "http://127.0.0.1:$port" --speed 4 --ok 200,4xx \
    --json >"$LT_TMP/ng2.json"
lt_eq "--ok 200,4xx against 202s" 0 "$(jget "$LT_TMP/ng2.json" 'j["requests"]["ok"]')"
rc=0
"$LOADTAPE" replay "$LT_TMP/e.tape" --target "http://127.0.0.1:$port" --ok 2xz >/dev/null 2>&1 || rc=$?
lt_eq "--ok usage" 2 "$rc"

port=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$port" --error-rate 20% >"$LT_TMP/sink2.out" 2>&1 &
LT_PIDS+=($!)
lt_wait_port "$port"
"$LOADTAPE" replay "$LT_TMP/rec.tape" --target "http://127.0.0.1:$port" --speed 4 --json >"$LT_TMP/b.json"
invariants "$LT_TMP/b.json"
python3 - "$LT_TMP/a.json" "$LT_TMP/b.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
n503 = b["status"].get("503", 0)
assert b["requests"]["completed"] == a["requests"]["completed"] + 1, (a["requests"], b["requests"])  # + GET /stats, recorded too
assert 0 < n503 and b["requests"]["mismatched"] == n503, (b["requests"], b["status"])
PY
echo ok
