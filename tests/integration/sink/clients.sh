#!/usr/bin/env bash
# The sink under real clients: ab -k, wrk (POST script), Python's http.client
# on one keep-alive connection. /stats must count what each sent.
source "$LT_TEST_ROOT/lib.sh"
lt_need_cmd ab wrk python3 curl
here=$(cd "$(dirname "$0")" && pwd)

"$LOADTAPE" sink --listen 127.0.0.1:0 >"$LT_TMP/out" 2>"$LT_TMP/err" &
LT_PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$LT_TMP/out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$LT_TMP/out")
[ -n "$url" ] || lt_fail "sink did not print its URL: $(cat "$LT_TMP/err")"

stat() { curl -s --max-time 5 "$url/stats" | python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# ab, keep-alive, 2000 POSTs over 10 connections
printf '{"type":"identify","userId":"u7","traits":{"plan":"pro"}}' >"$LT_TMP/ev.json"
ab -k -q -n 2000 -c 10 -p "$LT_TMP/ev.json" -T application/json "$url/collect/ab" >"$LT_TMP/ab" 2>&1 ||
    lt_fail "ab failed: $(tail -5 "$LT_TMP/ab")"
lt_eq "ab complete" 2000 "$(sed -n 's/^Complete requests: *//p' "$LT_TMP/ab")"
lt_eq "ab failed" 0 "$(sed -n 's/^Failed requests: *//p' "$LT_TMP/ab")"
lt_eq "ab keep-alive" 2000 "$(sed -n 's/^Keep-Alive requests: *//p' "$LT_TMP/ab")"
grep -q "Non-2xx" "$LT_TMP/ab" && lt_fail "ab saw non-2xx answers"
lt_eq "stats ab" "{'requests': 2000, 'events': 2000, 'rejected': 0}" "$(stat "d['streams']['ab']")"

# wrk for 2 s on 20 connections: wrk counts completed answers; the sink may
# also have counted the few in flight when wrk stopped (at most one a connection)
wrk -t2 -c20 -d2s -s "$here/post.lua" "$url/collect/wrk" >"$LT_TMP/wrk" 2>&1 || lt_fail "wrk failed"
n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$LT_TMP/wrk")
[ -n "$n" ] && [ "$n" -gt 100 ] || lt_fail "wrk did too little: $(cat "$LT_TMP/wrk")"
grep -q "Non-2xx" "$LT_TMP/wrk" && lt_fail "wrk saw non-2xx answers: $(cat "$LT_TMP/wrk")"
grep -q "Socket errors" "$LT_TMP/wrk" && lt_fail "wrk saw socket errors: $(cat "$LT_TMP/wrk")"
got=$(stat "d['streams']['wrk']['events']")
[ "$got" -ge "$n" ] && [ "$got" -le $((n + 20)) ] || lt_fail "sink counted $got wrk events, wrk $n"

# Python http.client: 300 requests on one keep-alive connection, every third invalid
python3 - "$url" <<'PY'
import http.client, json, sys
host, port = sys.argv[1][len("http://"):].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port), timeout=10)
want = {202: 0, 400: 0}
for i in range(300):
    ok = i % 3 != 0
    ev = {"type": "page", "anonymousId": "a%d" % i} if ok else {"type": "page"}
    c.request("POST", "/collect/py", body=json.dumps(ev), headers={"Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read())
    if r.status != (202 if ok else 400):
        sys.exit("request %d: status %d %r" % (i, r.status, body))
    want[r.status] += 1
if c.sock is None:
    sys.exit("the connection was not kept alive")
c.close()
print(json.dumps(want))
PY
lt_eq "stats py" "{'requests': 300, 'events': 200, 'rejected': 100}" "$(stat "d['streams']['py']")"
lt_eq "missing_user" 100 "$(stat "d['rejected']['missing_user']")"
lt_eq "connections open" 0 "$(stat "d['connections']['open'] - 1")"
echo ok
