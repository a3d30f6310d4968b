#!/usr/bin/env bash
# capture --listen: requests sent to loadtape's own listener are answered 202
# and recorded (redacted, chunked bodies decoded); --count stops it by itself.
. "$LT_TEST_ROOT/lib.sh"
lt_need_cmd curl python3

"$LOADTAPE" capture --listen 127.0.0.1:0 --count 3 -o "$LT_TMP/l.tape" 2>"$LT_TMP/l.err" &
cpid=$!
LT_PIDS+=("$cpid")
for _ in $(seq 100); do grep -q "listening on http" "$LT_TMP/l.err" && break; sleep 0.05; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$LT_TMP/l.err")
[ -n "$url" ] || { cat "$LT_TMP/l.err"; lt_fail "no URL printed"; }
lt_eq "status" 202 "$(curl -sS -o /dev/null -w '%{http_code}' -H 'Cookie: s=1' "$url/collect/a?x=1")"
lt_eq "status" 202 "$(curl -sS -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
    --data-binary 'hello world' "$url/collect/b")"
lt_eq "status" 202 "$(curl -sS -o /dev/null -w '%{http_code}' --data-binary '{}' "$url/collect/c")"
for _ in $(seq 100); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$cpid" 2>/dev/null && lt_fail "--count 3 did not stop the capture"
wait "$cpid" || lt_fail "capture --listen exited with $?"
grep -q "3 requests recorded" "$LT_TMP/l.err" || { cat "$LT_TMP/l.err"; lt_fail "summary"; }
"$LOADTAPE" export "$LT_TMP/l.tape" >"$LT_TMP/l.jsonl"
python3 - "$LT_TMP/l.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["url"] for r in recs] == ["/collect/a?x=1", "/collect/b", "/collect/c"], recs
assert ["Cookie", "[redacted]"] in recs[0]["headers"] and recs[0]["flags"] == ["redacted"]
b = recs[1]
assert b["body"] == "hello world"
assert ["Content-Length", "11"] in b["headers"], b["headers"]
assert all(h[0].lower() != "transfer-encoding" for h in b["headers"])
assert recs[2]["body"] == "{}"
assert all("response" not in r for r in recs)
assert [r["session"] for r in recs] == [1, 2, 3]
ts = [r["ts_ns"] for r in recs]
assert ts == sorted(ts)
print("ok: --listen recorded 3 requests")
PY
