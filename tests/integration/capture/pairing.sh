#!/usr/bin/env bash
# Pairing and framing against tshark on traffic to nginx recorded by tcpdump:
# a keep-alive connection of 1000 requests with response packets removed
# afterwards (every other request keeps tshark's status and http.time within
# 1 us, the ones that lost theirs are flagged and counted), methods outside
# the common ones, a PROPFIND whose body holds a request line, a 32-digit
# Content-Length, asterisk-form, a response over the 64 MiB body limit,
# malformed request lines (counted as such) and the file's snaplen.
. "$LT_TEST_ROOT/lib.sh"
lt_need_root
lt_need_cmd tcpdump tshark editcap curl nginx python3
port=$(lt_free_port)
mkdir -p "$LT_TMP/files"
head -c $((70 << 20)) /dev/zero >"$LT_TMP/files/big" # over the 64 MiB body limit
chmod a+rx "$LT_TMP" "$LT_TMP/files" && chmod a+r "$LT_TMP/files/big" # nginx's worker reads it
lt_start_nginx "$port" "location /s404 { return 404; }
        location /files/ { alias $LT_TMP/files/; }"

pcap=$LT_TMP/t.pcap
tcpdump -i lo -s 0 -B 262144 -U -w "$pcap" "tcp port $port" 2>"$LT_TMP/tcpdump.log" &
tpid=$!
LT_PIDS+=("$tpid")
for _ in $(seq 50); do grep -q "listening on" "$LT_TMP/tcpdump.log" && break; sleep 0.1; done
grep -q "listening on" "$LT_TMP/tcpdump.log" || lt_fail "tcpdump did not start"

python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])

def response(s, buf):
    """Reads one response (Content-Length framed); returns (status, rest)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        assert d, buf
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, v = line.split(b":", 1)
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(buf) < n:
        buf += s.recv(65536)
    return int(head.split()[1]), buf[n:]

# 1000 requests, one at a time, answered 202 and 404 in turn
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buf = b""
for i in range(1000):
    path = "/s404/%d" % i if i % 2 else "/ok/%d" % i
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    st, buf = response(s, buf)
    assert st == (404 if i % 2 else 202), (i, st)
s.close()

# methods, a PROPFIND body holding a request line, a long Content-Length, asterisk-form
body = b"<a>\r\nGET /phantom HTTP/1.1\r\nHost: x\r\n\r\n</a>"
reqs = [
    b"CCM_POST /m/ccm HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"XPOST /m/xpost HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"PROPFIND /m/propfind HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body),
    b"PURGE /m/purge HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"QUERY /m/query HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"MKCOL /m/mkcol HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"REPORT /m/report HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"POST /m/cl HTTP/1.1\r\nHost: x\r\nContent-Length: %s\r\n\r\n%s" % (b"0" * 30 + b"50", b"z" * 50),
    b"GET /m/last HTTP/1.1\r\nHost: x\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",  # nginx: 400, close
]
s = socket.create_connection(("127.0.0.1", port))
buf = b""
for r in reqs:
    s.sendall(r)
    st, buf = response(s, buf)
s.close()

# malformed request lines, one connection each (nginx answers 400 and closes)
for bad in [b"GET HTTP/1.1\r\n\r\n", b"GET / HTTP/1.\r\n\r\n", b"OPTIONS\r\n\r\n"]:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(bad + b"\r\n")
    while s.recv(65536):
        pass
    s.close()
PY
curl -sS -o /dev/null "http://127.0.0.1:$port/files/big"
sleep 1
kill -INT "$tpid"
wait "$tpid" || true
grep -q "^0 packets dropped by kernel" "$LT_TMP/tcpdump.log" ||
    { cat "$LT_TMP/tcpdump.log"; lt_fail "tcpdump itself dropped packets"; }

# tshark's pairs on the whole file: request uri -> status, http.time
tshark -r "$pcap" -d "tcp.port==$port,http" -Y http.response -T fields -E separator=/t \
    -e http.request_in -e http.response.code -e http.time -e frame.number \
    >"$LT_TMP/resp.txt" 2>/dev/null
tshark -r "$pcap" -d "tcp.port==$port,http" -Y http.request -T fields -E separator=/t \
    -e frame.number -e http.request.method -e http.request.uri -e tcp.stream \
    >"$LT_TMP/req.txt" 2>/dev/null

# remove the packets of five responses of the long connection (requests 0, 3,
# 10, 11 and 998: the first, a single one, two in a row, one near the end)
frames=$(python3 - "$LT_TMP/req.txt" "$LT_TMP/resp.txt" <<'PY'
import sys
uri = {l.split("\t")[0]: l.split("\t")[2] for l in open(sys.argv[1]) if l.strip()}
lose = {"/ok/0", "/s404/3", "/ok/10", "/s404/11", "/ok/998"}
out = []
for l in open(sys.argv[2]):
    f = l.rstrip("\n").split("\t")
    if uri.get(f[0]) in lose:
        out.append(f[3])
assert len(out) == 5, out
print(" ".join(out))
PY
)
# shellcheck disable=SC2086
editcap "$pcap" "$LT_TMP/lost.pcap" $frames >/dev/null

for f in t lost; do
    "$LOADTAPE" capture -q -r "$LT_TMP/$f.pcap" -o "$LT_TMP/$f.tape" ||
        lt_fail "capture of $f.pcap failed"
    "$LOADTAPE" export "$LT_TMP/$f.tape" >"$LT_TMP/$f.jsonl"
    "$LOADTAPE" inspect --json "$LT_TMP/$f.tape" >"$LT_TMP/$f.info"
done
python3 - "$LT_TMP" <<'PY'
import json, sys
d = sys.argv[1]
req = {}
for l in open(d + "/req.txt"):
    f = l.rstrip("\n").split("\t")
    req[f[0]] = (f[1], f[2])
tsh = {}
for l in open(d + "/resp.txt"):
    f = l.rstrip("\n").split("\t")
    if f[0] in req:
        tsh[req[f[0]]] = (int(f[1]), float(f[2]))
lost = {"/ok/0", "/s404/3", "/ok/10", "/s404/11", "/ok/998"}
for name in ("t", "lost"):
    recs = [json.loads(l) for l in open("%s/%s.jsonl" % (d, name))]
    info = json.load(open("%s/%s.info" % (d, name)))
    cap = info["capture"]
    by = {}
    for r in recs:
        by.setdefault((r["method"], r["url"]), []).append(r)
    # every request recorded once, with tshark's status and time unless its response was lost
    long_conn = [k for k in tsh if k[1].startswith(("/ok/", "/s404/"))]
    assert len(long_conn) == 1000, len(long_conn)
    for k, (status, t) in tsh.items():
        if k[1] == "/files/big" or k in (("GET", "HTTP/1.1"), ("GET", "/"), ("OPTIONS", "")):
            continue  # checked below; tshark takes the malformed lines as requests
        assert len(by.get(k, [])) == 1, (name, k, by.get(k))
        r = by[k][0]
        if name == "lost" and k[1] in lost:
            assert "response" not in r and r["flags"] == ["no_response"], (k, r)
            continue
        assert r["response"]["status"] == status, (name, k, r["response"], status)
        assert abs(r["response"]["latency_ns"] / 1e9 - t) < 1e-6, (name, k, r["response"], t)
        assert "no_response" not in r.get("flags", []), r
    rq = cap["requests"]
    nlost = 5 if name == "lost" else 0
    assert rq["response_lost"] == nlost and rq["no_response"] == nlost, rq
    assert rq["unpaired_responses"] == 0, rq
    # methods as sent, no phantom request from the PROPFIND body
    for m in ("CCM_POST", "XPOST", "PROPFIND", "PURGE", "QUERY", "MKCOL", "REPORT"):
        assert ("%s" % m, "/m/" + m.lower().replace("ccm_post", "ccm")) in by, m
    assert not [r for r in recs if r["url"] == "/phantom"], "phantom request"
    pf = by[("PROPFIND", "/m/propfind")][0]
    assert pf["body"].startswith("<a>\r\nGET /phantom"), pf
    cl = by[("POST", "/m/cl")][0]
    assert cl["body"] == "z" * 50 and not cl.get("flags"), cl
    assert ("OPTIONS", "*") in by, "asterisk-form"
    # the 70 MiB response: status and latency recorded
    big = by[("GET", "/files/big")][0]
    st, t = tsh[("GET", "/files/big")]
    assert big["response"]["status"] == 200 == st, big
    assert abs(big["response"]["latency_ns"] / 1e9 - t) < 1e-6, (big["response"], t)
    nw = cap["not_recorded_whole"]
    assert nw["dropped_unparsable"] == 3, nw
    assert cap["protocols"]["other"] == 0, cap["protocols"]
    assert info["source"]["snaplen"] == 262144, info["source"]
print("ok: pairs, methods, bodies and counts match tshark")
PY

# methods and asterisk-form survive HAR and JSONL round trips, and replay sends them as recorded
python3 - "$LT_TMP/t.jsonl" >"$LT_TMP/m.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["url"].startswith("/m/") or r["url"] == "*":
        print(json.dumps(r))
PY
lt_eq "method records" 10 "$(wc -l <"$LT_TMP/m.jsonl")"
"$LOADTAPE" import "$LT_TMP/m.jsonl" -o "$LT_TMP/m.tape" 2>/dev/null
"$LOADTAPE" export "$LT_TMP/m.tape" --to har -o "$LT_TMP/m.har"
"$LOADTAPE" import "$LT_TMP/m.har" -o "$LT_TMP/mh.tape" 2>/dev/null
for t in m mh; do
    "$LOADTAPE" export "$LT_TMP/$t.tape" | python3 -c '
import json, sys
print(" ".join("%s:%s" % (r["method"], r["url"]) for r in map(json.loads, sys.stdin)))'
done >"$LT_TMP/m.lines"
want="CCM_POST:/m/ccm XPOST:/m/xpost PROPFIND:/m/propfind PURGE:/m/purge QUERY:/m/query MKCOL:/m/mkcol REPORT:/m/report POST:/m/cl GET:/m/last OPTIONS:*"
lt_eq "methods after JSONL" "$want" "$(sed -n 1p "$LT_TMP/m.lines")"
lt_eq "methods after HAR" "$want" "$(sed -n 2p "$LT_TMP/m.lines")"
before=$(wc -l <"$LT_NGINX_LOG")
"$LOADTAPE" replay "$LT_TMP/m.tape" --target "http://127.0.0.1:$port" --burst -c 1 --keep-order \
    -o "$LT_TMP/m.results" >/dev/null 2>&1 || true
sleep 0.5
tail -n +$((before + 1)) "$LT_NGINX_LOG" | cut -d' ' -f2- >"$LT_TMP/m.sent"
cat "$LT_TMP/m.sent"
for m in CCM_POST:/m/ccm XPOST:/m/xpost PROPFIND:/m/propfind PURGE:/m/purge QUERY:/m/query \
    MKCOL:/m/mkcol REPORT:/m/report POST:/m/cl; do
    grep -qx "${m%%:*} ${m#*:} 202" "$LT_TMP/m.sent" || lt_fail "replay did not send $m as recorded"
done

# the metadata's snaplen is the file's
editcap -F pcap -s 300 "$pcap" "$LT_TMP/s300.pcap" >/dev/null
# editcap cuts the packets but keeps the header's snaplen: set it as a capture with -s 300 has it
python3 - "$LT_TMP/s300.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    magic = f.read(4)
    f.seek(16)
    f.write(struct.pack("<I" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">I", 300))
PY
"$LOADTAPE" capture -q -r "$LT_TMP/s300.pcap" -o "$LT_TMP/s300.tape"
"$LOADTAPE" inspect --json "$LT_TMP/s300.tape" >"$LT_TMP/s300.info"
lt_eq "source.snaplen of a 300-byte capture" 300 \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["source"]["snaplen"])' \
        "$LT_TMP/s300.info")"
echo ok
