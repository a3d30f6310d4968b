# replay_wire.sh - the bytes that reach the server are the record's: the path
# as recorded (no dot-segment removal), no Accept/Expect/form Content-Type from
# libcurl, Host from the target unless --keep-host, hop-by-hop headers gone,
# Content-Length true to the body, --header/--drop-header applied, and
# --fresh-ids rewriting messageId in events and batches.
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail

python3 - >"$LT_TMP/w.jsonl" <<'PY'
import json
recs = [
    {"ts_ns": 0, "session": 1, "method": "POST", "url": "/collect/web/../x//y?a=1&b=%41",
     "headers": [["Host", "prod.example.com"], ["Connection", "keep-alive, X-Hop"], ["X-Hop", "1"],
                 ["Content-Length", "999"], ["User-Agent", "rec/1"], ["X-Drop", "d"],
                 ["Content-Type", "application/json"]],
     "body": "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"m-1\"}"},
    {"ts_ns": 1000000, "session": 2, "method": "POST", "url": "/raw",
     "headers": [["Host", "prod.example.com"]], "body": "a=1&b=2"},
    {"ts_ns": 2000000, "session": 3, "method": "GET", "url": "/health", "headers": [["Accept", "*/*"]]},
    {"ts_ns": 3000000, "session": 4, "method": "PUT", "url": "/b",
     "headers": [["Content-Type", "application/json"]],
     "body": "{\"batch\":[{\"messageId\":\"m-2\"},{\"messageId\":\"m-3\"}]}"},
]
for r in recs:
    print(json.dumps(r))
PY
"$LOADTAPE" import "$LT_TMP/w.jsonl" -o "$LT_TMP/w.tape" 2>/dev/null

port=$(lt_free_port)
start_fault capture "$port" "$LT_TMP/cap.txt"
"$LOADTAPE" replay "$LT_TMP/w.tape" --target "http://127.0.0.1:$port/pre" -c 1 \
    --header 'User-Agent: replayed/2' --header 'X-Add: yes' --drop-header x-drop --fresh-ids \
    --json >"$LT_TMP/out.json"
lt_eq completed 4 "$(jget "$LT_TMP/out.json" 'j["requests"]["ok"]')"
python3 - "$LT_TMP/cap.txt" "$port" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read().split(b"\n--END--\n")[:-1]
port = sys.argv[2].encode()
assert len(raw) == 4, len(raw)
reqs = {}
for r in raw:
    head, _, body = r.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    hdrs = [tuple(x.strip() for x in l.split(b":", 1)) for l in lines[1:]]
    reqs[lines[0]] = (dict((k.lower(), v) for k, v in hdrs), [k.lower() for k, _ in hdrs], body)

a = reqs[b"POST /pre/collect/web/../x//y?a=1&b=%41 HTTP/1.1"]   # path exactly as recorded
h, names, body = a
assert h[b"host"] == b"127.0.0.1:" + port, h
assert h[b"user-agent"] == b"replayed/2" and h[b"x-add"] == b"yes", h
assert b"x-drop" not in h and b"x-hop" not in h and b"connection" not in h, names
assert b"accept" not in h and b"expect" not in h, names
assert h[b"content-type"] == b"application/json"
assert int(h[b"content-length"]) == len(body), (h, len(body))
assert b'"messageId":"m-1"' not in body and b'"messageId":"' in body, body
assert names.count(b"content-length") == 1 and names.count(b"host") == 1, names

h, names, body = reqs[b"POST /pre/raw HTTP/1.1"]
assert body == b"a=1&b=2"
assert b"content-type" not in h, ("libcurl's form Content-Type leaked", names)
assert b"accept" not in h and b"expect" not in h, names

h, names, body = reqs[b"GET /pre/health HTTP/1.1"]
assert h[b"accept"] == b"*/*" and body == b"", h         # a recorded Accept stays

h, names, body = reqs[b"PUT /pre/b HTTP/1.1"]
assert b"m-2" not in body and b"m-3" not in body and body.count(b"messageId") == 2, body
assert int(h[b"content-length"]) == len(body)
PY

# --keep-host sends the recorded Host
: >"$LT_TMP/cap.txt"
"$LOADTAPE" replay "$LT_TMP/w.tape" --target "http://127.0.0.1:$port" --keep-host --limit 1 \
    >/dev/null
grep -q "^Host: prod.example.com" "$LT_TMP/cap.txt" || lt_fail "--keep-host"

# one connection, mixed methods: nothing of one request leaks into the next
python3 - >"$LT_TMP/m.jsonl" <<'PY'
import json
for i, (m, b) in enumerate([("POST", "xyz"), ("GET", None), ("HEAD", None), ("DELETE", None),
                            ("PUT", "q"), ("GET", None)]):
    r = {"ts_ns": i, "session": 1, "method": m, "url": "/%d" % i, "headers": []}
    if b:
        r["body"] = b
    print(json.dumps(r))
PY
"$LOADTAPE" import "$LT_TMP/m.jsonl" -o "$LT_TMP/m.tape" 2>/dev/null
: >"$LT_TMP/cap.txt"
"$LOADTAPE" replay "$LT_TMP/m.tape" --target "http://127.0.0.1:$port" -c 1 --keep-order >/dev/null
lt_eq "methods and bodies" "POST /0|Content-Length: 3|xyz|GET /1|HEAD /2|DELETE /3|PUT /4|Content-Length: 1|q|GET /5" \
    "$(grep -a -E '^(GET|POST|HEAD|PUT|DELETE) |^Content-Length|^xyz|^q' "$LT_TMP/cap.txt" | sed 's/ HTTP.1.1//' | tr -d '\r' | paste -sd'|')"
echo ok
