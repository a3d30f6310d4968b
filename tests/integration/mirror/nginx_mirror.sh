#!/usr/bin/env bash
# examples/nginx-mirror: nginx's mirror directive copies /collect/ traffic to
# `loadtape sink --record` while clients get the collector's answers. Real clients
# (curl, ab): every request is on the tape exactly once, redacted, bodies valid JSON;
# with the recorder down, every client request still succeeds, without delay.
source "$LT_TEST_ROOT/lib.sh"
lt_need_cmd nginx ab curl python3
conf=$LT_SRC_ROOT/examples/nginx-mirror/nginx.conf
[ -f "$conf" ] || lt_fail "no $conf"
front=$(lt_free_port); coll=$(lt_free_port); rec=$(lt_free_port)
d=$LT_TMP/mirror
mkdir -p "$d"
# The example as it is, on free ports, with its files here.
sed -e "s/127.0.0.1:8080/127.0.0.1:$front/; s/127.0.0.1:8081/127.0.0.1:$coll/g" \
    -e "s/127.0.0.1:8091/127.0.0.1:$rec/" -e "s#client_body_temp_path /tmp;#client_body_temp_path $d/body;#" \
    -e "s#^error_log stderr error;#error_log $d/error.log error;#; s#^pid nginx.pid;#pid $d/nginx.pid;#" "$conf" >"$d/nginx.conf"
grep -q "listen 127.0.0.1:$front" "$d/nginx.conf" || lt_fail "the example's front port was not found"
grep -q "server 127.0.0.1:$rec " "$d/nginx.conf" || lt_fail "the example's recorder port was not found"

"$LOADTAPE" sink --listen "127.0.0.1:$rec" --record "$d/prod.tape" >"$d/sink.out" 2>"$d/sink.err" &
sink=$!
LT_PIDS+=($sink)
lt_wait_port "$rec"
nginx -p "$d" -c "$d/nginx.conf" 2>"$d/nginx.err" &
LT_PIDS+=($!)
lt_wait_port "$front"

body='{"type":"track","event":"Signed Up","userId":"u1","writeKey":"WK2","context":{"password":"P3"},"properties":{"plan":"pro"}}'
for i in $(seq 0 19); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer SECRET123' \
        -H 'X-Write-Key: wk_live_1' -H 'Content-Type: application/json' --data "$body" \
        "http://127.0.0.1:$front/collect/web?i=$i&api_key=AK1&keep=1")
    lt_eq "curl request $i" 202 "$code"
done
printf '%s' '{"batch":[{"type":"page","name":"home","anonymousId":"a1","token":"T4"}]}' >"$d/batch.json"
ab -q -n 1000 -c 8 -p "$d/batch.json" -T application/json \
    "http://127.0.0.1:$front/collect/ab?x=1" >"$d/ab1.out" 2>&1 || lt_fail "ab: $(tail -3 "$d/ab1.out")"
grep -q '^Failed requests: *0$' "$d/ab1.out" || lt_fail "ab saw failures: $(grep Failed "$d/ab1.out")"
if grep -q '^Non-2xx' "$d/ab1.out"; then lt_fail "ab: $(grep Non-2xx "$d/ab1.out")"; fi

# Copies are asynchronous: wait until the recorder has them all.
n=0
for _ in $(seq 100); do
    n=$(curl -s "http://127.0.0.1:$rec/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["recorded"])')
    [ "$n" -ge 1020 ] && break
    sleep 0.1
done
lt_eq "requests recorded through the mirror" 1020 "$n"
kill -INT "$sink"
wait "$sink" || lt_fail "the sink exited $?: $(cat "$d/sink.err")"

"$LOADTAPE" export "$d/prod.tape" >"$d/prod.jsonl"
python3 - "$d/prod.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
mirrored = [r for r in recs if r["url"].startswith("/collect/")]
assert len(mirrored) == 1020, len(mirrored)
text = open(sys.argv[1]).read()
for secret in ("SECRET123", "wk_live_1", "AK1", "WK2", "P3", "T4"):
    assert secret not in text, "secret %s on the tape" % secret
seen = {}
for r in mirrored:
    hdr = {h[0].lower(): h[1] for h in r["headers"]}
    body = r.get("body", "")
    assert int(hdr["content-length"]) == len(body.encode()), (hdr, body)
    doc = json.loads(body)
    if r["url"].startswith("/collect/web?"):
        q = dict(p.split("=", 1) for p in r["url"].split("?", 1)[1].split("&"))
        assert q["api_key"] == "%5Bredacted%5D" and q["keep"] == "1", r["url"]
        seen[q["i"]] = seen.get(q["i"], 0) + 1
        assert hdr["authorization"] == "[redacted]" and hdr["x-write-key"] == "[redacted]", hdr
        assert doc["writeKey"] == "[redacted]" and doc["context"]["password"] == "[redacted]", doc
        assert doc["properties"] == {"plan": "pro"} and doc["event"] == "Signed Up", doc
    else:
        assert r["url"] == "/collect/ab?x=1", r["url"]
        assert doc["batch"][0]["token"] == "[redacted]" and doc["batch"][0]["name"] == "home", doc
    assert "redacted" in r.get("flags", []), r
assert seen == {str(i): 1 for i in range(20)}, seen
assert sum(1 for r in mirrored if r["url"] == "/collect/ab?x=1") == 1000
PY

# The recorder down: the clients see nothing of it.
ab -q -n 2000 -c 8 -p "$d/batch.json" -T application/json \
    "http://127.0.0.1:$front/collect/ab" >"$d/ab2.out" 2>&1 || lt_fail "ab: $(tail -3 "$d/ab2.out")"
grep -q '^Failed requests: *0$' "$d/ab2.out" || lt_fail "recorder down, ab saw failures: $(grep Failed "$d/ab2.out")"
if grep -q '^Non-2xx' "$d/ab2.out"; then lt_fail "recorder down: $(grep Non-2xx "$d/ab2.out")"; fi
grep -q '^Complete requests: *2000$' "$d/ab2.out" || lt_fail "ab: $(grep Complete "$d/ab2.out")"
# ab's longest request (ms): refused copies fail at once, far inside the mirror's 200 ms
# connect timeout, so no client request waits on the recorder.
longest=$(awk '/^ *100% /{print $2}' "$d/ab2.out")
[ -n "$longest" ] && [ "$longest" -lt 1000 ] || lt_fail "recorder down, the longest request took ${longest:-?} ms"
echo "ok: 1020 mirrored requests recorded and redacted; recorder down, 2000 of 2000 answered (longest ${longest} ms)"
