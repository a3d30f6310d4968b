# replay_rewrite.sh - rewrite rules on real records, sent to the sink with --record: the
# recorded requests (read back with export) show every rewrite, in order, with bodies that
# are valid JSON and a Content-Length true to them; a batch body is edited in each element;
# a path regex with groups; the rule that never matched is reported on stderr and in --json;
# synth's realistic events edited field by field, nothing else changed; --check prints the
# plan and the first 3 requests as the sink then received them, and opens
# no connection.
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail

python3 - "$LT_TMP/in.jsonl" <<'PY'
import json, sys
recs = [
    {"ts_ns": 0, "session": 1, "method": "POST", "url": "/v1/collect/web?api_key=prod&x=1",
     "headers": [["Content-Type", "application/json"], ["X-Prod", "1"]],
     "body": json.dumps({"writeKey": "prod", "type": "track", "event": "A",
                         "context": {"library": {"name": "analytics.js", "version": "1"},
                                     "ip": "1.2.3.4"}})},
    {"ts_ns": 1000000, "session": 2, "method": "POST", "url": "/v1/collect/ios",
     "headers": [["Content-Type", "application/json"]],
     "body": json.dumps({"writeKey": "prod", "batch": [
         {"type": "track", "context": {"library": {"name": "ios"}, "ip": "5.6.7.8"}},
         {"type": "identify", "context": {"library": {"name": "ios"}}, "note": "caf\u00e9 \"q\""}]},
         ensure_ascii=False)},
    {"ts_ns": 2000000, "session": 3, "method": "GET", "url": "/v1/health/deep?x=2",
     "headers": [["X-Prod", "2"]]},
    {"ts_ns": 3000000, "session": 4, "method": "POST", "url": "/v1/collect/web",
     "headers": [["Content-Type", "text/plain"]], "body": "not json {"},
]
with open(sys.argv[1], "w") as f:
    for r in recs:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
"$LOADTAPE" import "$LT_TMP/in.jsonl" -o "$LT_TMP/in.tape" 2>/dev/null

rules=(--rewrite-path '^/v1/([a-z]+)/(.*)$=>/\1/\2'
    --set-query api_key=staging --drop-query x
    -H 'X-Env: staging' --drop-header X-Prod
    --set-field writeKey=stagekey --set-field context.library.name=loadtape
    --set-field sampled=true --drop-field context.ip
    --rewrite-path '^/nowhere$=>/x')

port=$(lt_free_port)
# --keep-secrets: the sink records what replay sent, writeKey and api_key included
"$LOADTAPE" sink --listen "127.0.0.1:$port" --record "$LT_TMP/rec.tape" --keep-secrets \
    >"$LT_TMP/sink.out" 2>&1 &
sink=$!
LT_PIDS+=($sink)
lt_wait_port "$port"
# one connection: the sink records the requests in the tape's order
"$LOADTAPE" replay "$LT_TMP/in.tape" --target "http://127.0.0.1:$port" --speed 10 -c 1 "${rules[@]}" \
    --json >"$LT_TMP/run.json" 2>"$LT_TMP/run.err"
"$LOADTAPE" replay "$LT_TMP/in.tape" --target "http://127.0.0.1:$port" --check "${rules[@]}" \
    >"$LT_TMP/check.out" 2>"$LT_TMP/check.err"
kill -INT "$sink"
wait "$sink" || true
"$LOADTAPE" export "$LT_TMP/rec.tape" >"$LT_TMP/rec.jsonl"

# the report of the rule that never matched, and of the one that only ever added
grep -qxF 'loadtape replay: warning: rule 10 (--rewrite-path ^/nowhere$) never matched' \
    "$LT_TMP/run.err" || lt_fail "no never-matched report: $(cat "$LT_TMP/run.err")"
grep -qxF "loadtape replay: warning: rule 8 (--set-field sampled) never matched: it added the field to 2 requests" \
    "$LT_TMP/run.err" || lt_fail "no report of the added field: $(cat "$LT_TMP/run.err")"
grep -qxF "loadtape replay: warning: rule 4 (--header X-Env) never matched: it added the header to 4 requests" \
    "$LT_TMP/run.err" || lt_fail "no report of the added header: $(cat "$LT_TMP/run.err")"
lt_eq "never-matched lines" 3 "$(grep -c 'never matched' "$LT_TMP/run.err")"
# the value of a rule (a key, a token) is never printed
grep -q "stagekey\|staging" "$LT_TMP/run.err" && lt_fail "a rule's value on stderr"
python3 - "$LT_TMP/run.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
r = {x["rule"]: x for x in j["rules"]}
assert len(r) == 10, j["rules"]
exp = {1: (4, 0), 2: (1, 3), 3: (2, 0), 4: (0, 4), 5: (2, 0), 6: (2, 0), 7: (2, 0), 8: (0, 2),
       9: (2, 0), 10: (0, 0)}
for k, (m, a) in exp.items():
    assert (r[k]["matched"], r[k]["added"]) == (m, a), (k, r[k])
    assert r[k]["never_matched"] == (m == 0), r[k]
assert r[1]["option"] == "--rewrite-path" and r[6]["subject"] == "writeKey", r
assert j["requests"]["completed"] == 4, j["requests"]
PY

python3 - "$LT_TMP/rec.jsonl" "$LT_TMP/check.out" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 4, len(recs)
def hdr(r, name):
    return [v for k, v in r["headers"] if k.lower() == name.lower()]
urls = [r["url"] for r in recs]
assert urls == ["/collect/web?api_key=staging", "/collect/ios?api_key=staging",
                "/health/deep?api_key=staging", "/collect/web?api_key=staging"], urls
for r in recs:
    assert hdr(r, "X-Env") == ["staging"] and hdr(r, "X-Prod") == [], r["headers"]
    body = r.get("body", "").encode()
    if body:
        assert hdr(r, "Content-Length") == [str(len(body))], (hdr(r, "Content-Length"), len(body))
b0 = json.loads(recs[0]["body"])
assert b0 == {"writeKey": "stagekey", "type": "track", "event": "A",
              "context": {"library": {"name": "loadtape", "version": "1"}}, "sampled": True}, b0
b1 = json.loads(recs[1]["body"])
assert b1 == {"writeKey": "stagekey", "batch": [
    {"type": "track", "context": {"library": {"name": "loadtape"}}},
    {"type": "identify", "context": {"library": {"name": "loadtape"}}, "note": "caf\u00e9 \"q\""}],
    "sampled": True}, b1
assert "body" not in recs[2] or recs[2]["body"] == "", recs[2]
assert recs[3]["body"] == "not json {", recs[3]

# --check: the plan, then the first 3 requests byte for byte as the sink received them
out = open(sys.argv[2], "rb").read()
assert out.startswith(b"plan: 4 records; one pass: trace span 3.00ms"), out[:200]
parts = out.split(b"--- request ")
assert len(parts) == 4, len(parts)
for i, (p, r) in enumerate(zip(parts[1:], recs)):
    head, wire = p.split(b"\n", 1)
    assert head.startswith(b"%d: record %d," % (i + 1, i)), head
    req, _, body = wire.partition(b"\r\n\r\n")
    lines = req.split(b"\r\n")
    assert lines[0] == b"%s %s HTTP/1.1" % (r["method"].encode(), r["url"].encode()), lines[0]
    sent = [tuple(l.split(b": ", 1)) for l in lines[1:]]
    got = [(k.encode(), v.encode()) for k, v in r["headers"]]
    assert sent == got, (sent, got)
    assert body.rstrip(b"\n") == r.get("body", "").encode(), (body, r.get("body"))
PY
grep -qF 'rule 10 (--rewrite-path ^/nowhere$) never matched' "$LT_TMP/check.err" ||
    lt_fail "--check does not report the rule that never matched"

# synth's realistic events: every body edited, still JSON, its Content-Length true
"$LOADTAPE" synth realistic -o "$LT_TMP/real.tape" --rate 200 --duration 1s --seed 5 2>/dev/null
port=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$port" --record "$LT_TMP/real-rec.tape" --keep-secrets \
    >"$LT_TMP/sink2.out" 2>&1 &
sink=$!
LT_PIDS+=($sink)
lt_wait_port "$port"
"$LOADTAPE" replay "$LT_TMP/real.tape" --target "http://127.0.0.1:$port" --speed 4 \
    --set-field context.library.name=loadtape --drop-field context.userAgent \
    --set-field properties.price=0 --json >"$LT_TMP/real.json" 2>"$LT_TMP/real.err"
kill -INT "$sink"
wait "$sink" || true
"$LOADTAPE" export "$LT_TMP/real.tape" >"$LT_TMP/real.jsonl"
"$LOADTAPE" export "$LT_TMP/real-rec.tape" >"$LT_TMP/real-rec.jsonl"
python3 - "$LT_TMP/real.jsonl" "$LT_TMP/real-rec.jsonl" "$LT_TMP/real.json" <<'PY'
import json, sys
orig = [json.loads(l) for l in open(sys.argv[1])]
recs = [json.loads(l) for l in open(sys.argv[2])]
j = json.load(open(sys.argv[3]))
assert len(recs) == len(orig) == j["requests"]["completed"] > 100, (len(recs), len(orig))
# the sink takes them in any order: match each to its original by messageId
by_id = {json.loads(r["body"])["messageId"]: json.loads(r["body"]) for r in orig}
prices = 0
for r in recs:
    body = r["body"].encode()
    cl = [v for k, v in r["headers"] if k.lower() == "content-length"]
    assert cl == [str(len(body))], (cl, len(body))
    b = json.loads(body)
    o = by_id[b["messageId"]]
    assert b["context"]["library"]["name"] == "loadtape", b["context"]
    assert "userAgent" not in b["context"], b["context"]
    # replaced where it was, added (with properties if need be) where it was not
    assert b["properties"]["price"] == 0, b["properties"]
    prices += "price" in o.get("properties", {})
    # nothing else changed
    o["context"]["library"]["name"] = "loadtape"
    o["context"].pop("userAgent", None)
    o.setdefault("properties", {})["price"] = 0
    assert b == o, (b, o)
rules = {x["rule"]: x for x in j["rules"]}
assert rules[1]["matched"] == rules[2]["matched"] == len(recs), rules
assert rules[3]["matched"] == prices > 0, (rules[3], prices)
assert rules[3]["added"] == len(recs) - prices > 0, (rules[3], prices)
PY

# --check opens no connection: the listener's first connection must be the test's own
lport=$(lt_free_port)
python3 - "$lport" "$LT_TMP/listener.out" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
open(sys.argv[2], "w").write("listening\n")
c, _ = s.accept()
c.settimeout(10)
data = c.recv(100)
open(sys.argv[2], "a").write("ok\n" if data == b"done\n" else "connection from the check: %r\n" % data)
PY
LT_PIDS+=($!)
lpid=$!
for _ in $(seq 100); do grep -q listening "$LT_TMP/listener.out" 2>/dev/null && break; sleep 0.05; done
"$LOADTAPE" replay "$LT_TMP/in.tape" --target "http://127.0.0.1:$lport" --check "${rules[@]}" \
    >/dev/null 2>&1
python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(b"done\n"); s.close()' "$lport"
wait "$lpid" || true
lt_eq "the listener's first connection" ok "$(tail -1 "$LT_TMP/listener.out")"

# usage errors name the rule
rc=0
"$LOADTAPE" replay "$LT_TMP/in.tape" --target http://127.0.0.1:9 --rewrite-path '^/(a=>/\2' \
    2>"$LT_TMP/u.err" >/dev/null || rc=$?
lt_eq "bad regex exit" 2 "$rc"
grep -q "rewrite-path: invalid expression" "$LT_TMP/u.err" || lt_fail "$(cat "$LT_TMP/u.err")"
rc=0
"$LOADTAPE" replay "$LT_TMP/in.tape" --target http://127.0.0.1:9 --rewrite-path '^/(a)=>/\2' \
    2>"$LT_TMP/u.err" >/dev/null || rc=$?
lt_eq "bad group exit" 2 "$rc"
grep -q "'\\\\2' in '/\\\\2', but the expression has 1 group" "$LT_TMP/u.err" || lt_fail "$(cat "$LT_TMP/u.err")"
rc=0
"$LOADTAPE" replay "$LT_TMP/in.tape" --target http://127.0.0.1:9 --set-field 'a..b=1' \
    2>"$LT_TMP/u.err" >/dev/null || rc=$?
lt_eq "bad path exit" 2 "$rc"
echo ok
