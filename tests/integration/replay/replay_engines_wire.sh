# replay_engines_wire.sh - both engines put the same request bytes on the wire
# for the same records: tcpdump on lo captures each run against nginx, tshark
# extracts what the client sent, and the two byte streams must be identical
# (methods, asterisk-form, HEAD, empty header values, a large body, --header).
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail
lt_need_root
lt_need_cmd tcpdump tshark python3

python3 - >"$LT_TMP/w.jsonl" <<'PY'
import json
big = "{\"type\":\"track\",\"event\":\"big\",\"userId\":\"u\",\"properties\":{\"p\":\"" + "x" * 100000 + "\"}}"
recs = [
    ("POST", "/collect/web/../x//y?a=1", [["Host", "prod"], ["Content-Type", "application/json"],
                                          ["X-Empty", ""], ["Connection", "keep-alive"]],
     "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}"),
    ("GET", "/health", [["Accept", "*/*"]], None),
    ("HEAD", "/h", [], None),
    ("OPTIONS", "*", [], None),
    ("POST", "/empty", [], None),
    ("PUT", "/b", [["Content-Type", "text/plain"]], "q"),
    ("DELETE", "/d/%41b", [["X-Trace", "t"]], None),
    ("POST", "/collect/big", [["Content-Type", "application/json"]], big),
]
for i, (m, u, h, b) in enumerate(recs):
    r = {"ts_ns": i * 1000000, "session": 1, "method": m, "url": u, "headers": h}
    if b is not None:
        r["body"] = b
    print(json.dumps(r))
PY
"$LOADTAPE" import "$LT_TMP/w.jsonl" -o "$LT_TMP/w.tape" 2>/dev/null

port=$(lt_free_port)
lt_start_nginx "$port"
for engine in curl native; do
    tcpdump -i lo -U --immediate-mode -s 0 -w "$LT_TMP/$engine.pcap" "tcp dst port $port" 2>"$LT_TMP/td-$engine.err" &
    td=$!
    for i in $(seq 50); do grep -q "listening on" "$LT_TMP/td-$engine.err" && break; sleep 0.1; done
    "$LOADTAPE" replay "$LT_TMP/w.tape" --engine "$engine" --target "http://127.0.0.1:$port" \
        -c 1 --threads 1 --keep-order --header 'X-Add: yes' --json >"$LT_TMP/$engine.json"
    sleep 0.5
    kill -INT "$td"
    wait "$td" || true
    lt_eq "$engine: sent" 8 "$(jget "$LT_TMP/$engine.json" 'j["requests"]["sent"]')"
    lt_eq "$engine: answered" 8 "$(jget "$LT_TMP/$engine.json" 'j["requests"]["completed"]')"
    # what the client sent, in capture order (one connection at a time)
    tshark -r "$LT_TMP/$engine.pcap" -Y "tcp.len > 0" -T fields -e tcp.payload 2>/dev/null |
        tr -d ':\n' >"$LT_TMP/$engine.hex"
done
python3 - "$LT_TMP/curl.hex" "$LT_TMP/native.hex" <<'PY'
import sys
a = bytes.fromhex(open(sys.argv[1]).read())
b = bytes.fromhex(open(sys.argv[2]).read())
assert len(a) > 100000, len(a)
if a != b:
    i = next(i for i in range(min(len(a), len(b))) if a[i] != b[i]) if a[:min(len(a), len(b))] != b[:min(len(a), len(b))] else min(len(a), len(b))
    sys.exit("the engines differ at byte %d:\ncurl:   %r\nnative: %r" % (i, a[max(0, i - 80):i + 80], b[max(0, i - 80):i + 80]))
# and the bytes are the records': asterisk-form, HEAD, an empty value, the path as recorded
for want in (b"OPTIONS * HTTP/1.1\r\n", b"HEAD /h HTTP/1.1\r\n", b"X-Empty:\r\n",
             b"POST /collect/web/../x//y?a=1 HTTP/1.1\r\n", b"POST /empty HTTP/1.1\r\n",
             b"Content-Length: 0\r\n", b"DELETE /d/%41b HTTP/1.1\r\n", b"X-Add: yes\r\n"):
    assert want in a, want
for unwanted in (b"Expect:", b"Connection:", b"Host: prod", b"Content-Type: application/x-www"):
    assert unwanted not in a, unwanted
assert a.count(b"Accept:") == 1, "only the recorded Accept goes out"
PY
echo ok
