# replay_stall.sh - a stalled target cannot hide its stall: -c 10 at a constant
# 1000 req/s, nginx's worker stopped (SIGSTOP) for 1 s. The requests meant to
# go during the stall wait in loadtape's queue and that wait counts: latency
# p99 >= 0.8 s, while service time (from the actual send) p99 stays < 50 ms.
# A closed-loop tool would send nothing during the stall and report neither.
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail

port=$(lt_free_port)
start_nginx_msec "$port"
worker=$(nginx_worker)
T=$LT_TMP/t.tape
"$LOADTAPE" synth baseline -o "$T" --rate 1000 --duration 5s --seed 9 2>/dev/null
trap 'kill -CONT "$worker" 2>/dev/null || true; lt_cleanup' EXIT

"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 1000 -c 10 --json \
    >"$LT_TMP/out.json" &
rp=$!
sleep 1.5
kill -STOP "$worker"
sleep 1
kill -CONT "$worker"
wait "$rp" || lt_fail "replay failed"

invariants "$LT_TMP/out.json"
python3 - "$LT_TMP/out.json" <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
r = j["requests"]
assert r["completed"] == r["scheduled"] == 5000, r
lat, svc = j["latency_ms"], j["service_ms"]
assert lat["p99"] >= 800, ("latency p99 hides the stall", lat)
assert lat["max"] >= 900, lat
# sanitized builds (LT_SANITIZED=1) are several times slower per request
assert svc["p99"] < (150 if os.environ.get("LT_SANITIZED") == "1" else 50), ("service p99", svc)
print("latency p99 %.1f ms, service p99 %.1f ms" % (lat["p99"], svc["p99"]))
PY
echo ok
