#!/usr/bin/env bash
# --workers 3 with --record: SO_REUSEPORT threads share the load; counters merge
# exactly; the tape's records are every request, in non-decreasing ts order.
source "$LT_TEST_ROOT/lib.sh"
lt_need_cmd ab python3 curl

"$LOADTAPE" sink --listen 127.0.0.1:0 --workers 3 --record "$LT_TMP/w.tape" >"$LT_TMP/out" 2>"$LT_TMP/err" &
sink=$!
LT_PIDS+=($sink)
for _ in $(seq 100); do grep -q listening "$LT_TMP/out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$LT_TMP/out")
[ -n "$url" ] || lt_fail "sink did not print its URL: $(cat "$LT_TMP/err")"

printf '{"type":"track","event":"e","anonymousId":"a"}' >"$LT_TMP/ev.json"
ab -k -q -n 3000 -c 30 -p "$LT_TMP/ev.json" -T application/json "$url/collect/w" >"$LT_TMP/ab" 2>&1 ||
    lt_fail "ab failed: $(tail -5 "$LT_TMP/ab")"
lt_eq "ab failed requests" 0 "$(sed -n 's/^Failed requests: *//p' "$LT_TMP/ab")"
stats=$(curl -s --max-time 5 "$url/stats")
lt_eq "requests" 3000 "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["requests"])' "$stats")"
lt_eq "events" 3000 "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["events_accepted"])' "$stats")"
kill -TERM "$sink"
wait "$sink" || lt_fail "sink exited with $?: $(cat "$LT_TMP/err")"
grep -q "recorded 3001 requests" "$LT_TMP/err" || lt_fail "record count: $(cat "$LT_TMP/err")"
"$LOADTAPE" export "$LT_TMP/w.tape" >"$LT_TMP/w.jsonl" || lt_fail "export failed"
python3 - "$LT_TMP/w.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 3001, len(recs)
ts = [r["ts_ns"] for r in recs]
assert ts == sorted(ts), "ts_ns not in order"
assert sum(1 for r in recs if r["url"] == "/collect/w") == 3000
assert len({r["session"] for r in recs}) >= 30, "sessions are not per connection"
PY
echo ok
