#!/usr/bin/env bash
# Real clients (curl, ab -k, a pipelined raw socket, chunked and 50 KB uploads,
# IPv4 and IPv6) against nginx on loopback, recorded by tcpdump; every request
# loadtape records must match tshark's own dissection of the same pcap, and
# the pcapng form of the file must give the same tape records.
. "$LT_TEST_ROOT/lib.sh"
lt_need_root
lt_need_cmd tcpdump tshark editcap curl ab nginx python3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

port=$(lt_free_port)
lt_start_nginx "$port" "listen [::1]:$port;"
lt_wait_port "$port" ::1

pcap=$LT_TMP/t.pcap
tcpdump -i lo -s 0 -B 65536 -U --immediate-mode -w "$pcap" "tcp port $port" 2>"$LT_TMP/tcpdump.log" &
tpid=$!
LT_PIDS+=("$tpid")
for _ in $(seq 50); do grep -q "listening on" "$LT_TMP/tcpdump.log" && break; sleep 0.1; done
grep -q "listening on" "$LT_TMP/tcpdump.log" || lt_fail "tcpdump did not start"

url=http://127.0.0.1:$port
head -c 38400 /dev/urandom | base64 -w0 >"$LT_TMP/50k" # 51200 bytes
printf '{"type":"track","event":"e","userId":"u1"}' >"$LT_TMP/small.json"
curl -sS -o /dev/null "$url/collect/web?x=1"
curl -sS -o /dev/null -X POST --data-binary @"$LT_TMP/small.json" -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer secret' "$url/collect/web"
curl -sS -o /dev/null --data-binary @"$LT_TMP/50k" "$url/collect/big"
curl -sS -o /dev/null -H 'Transfer-Encoding: chunked' --data-binary @"$LT_TMP/50k" "$url/collect/chunked"
curl -sS -o /dev/null -H 'Expect: 100-continue' --data-binary @"$LT_TMP/50k" "$url/collect/expect"
curl -sS -o /dev/null -g "http://[::1]:$port/collect/v6"
curl -sS -o /dev/null -g --data-binary @"$LT_TMP/50k" "http://[::1]:$port/collect/v6big"
curl -sS -o /dev/null -I "$url/head"
ab -q -k -n 300 -c 4 "$url/collect/ab" >/dev/null
ab -q -k -n 100 -c 2 -p "$LT_TMP/small.json" -T application/json "$url/collect/abpost" >/dev/null
python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
reqs = b"".join([
    b"GET /pipe/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"POST /pipe/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /pipe/3 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
])
s.sendall(reqs)
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
assert data.count(b"HTTP/1.1 202") == 3, data
PY
sleep 1
kill -INT "$tpid"
wait "$tpid" || true
grep -q "^0 packets dropped by kernel" "$LT_TMP/tcpdump.log" ||
    { cat "$LT_TMP/tcpdump.log"; lt_fail "tcpdump itself dropped packets"; }

total=$((1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 300 + 100 + 3))
tshark -r "$pcap" -d "tcp.port==$port,http" -Y http.request -T fields -E separator=/t \
    -E aggregator='|' -e tcp.stream -e http.request.method -e http.request.uri \
    -e http.content_length -e http.chunk_size >"$LT_TMP/tshark.txt" 2>/dev/null

"$LOADTAPE" capture -r "$pcap" -o "$LT_TMP/t.tape" 2>"$LT_TMP/summary.txt" ||
    { cat "$LT_TMP/summary.txt"; lt_fail "capture failed"; }
cat "$LT_TMP/summary.txt"
"$LOADTAPE" export "$LT_TMP/t.tape" >"$LT_TMP/t.jsonl"
python3 "$here/compare_tshark.py" "$LT_TMP/tshark.txt" "$LT_TMP/t.jsonl" --min "$total"

# exact expectations beyond tshark: statuses, redaction, decoded chunked body
python3 - "$LT_TMP/t.jsonl" "$total" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == int(sys.argv[2]), len(recs)
for r in recs:
    want = 202  # nginx answers every method (HEAD included) with 202 here
    assert r.get("response", {}).get("status") == want, r
    assert "no_response" not in r.get("flags", []), r
    assert r["ts_ns"] >= 0
ts = [r["ts_ns"] for r in recs]
assert ts == sorted(ts), "records not in ts order"
auth = [r for r in recs if r["url"] == "/collect/web" and r["method"] == "POST"][0]
assert ["Authorization", "[redacted]"] in auth["headers"], auth["headers"]
assert auth["flags"] == ["redacted"], auth
ch = [r for r in recs if r["url"] == "/collect/chunked"][0]
names = [h[0].lower() for h in ch["headers"]]
assert "transfer-encoding" not in names, names
assert ["Content-Length", "51200"] in ch["headers"], ch["headers"]
assert len(ch["body"]) == 51200
big = [r for r in recs if r["url"] == "/collect/big"][0]
assert big["body"] == ch["body"]
pipe = [r for r in recs if r["url"].startswith("/pipe/")]
assert [r["url"] for r in pipe] == ["/pipe/1", "/pipe/2", "/pipe/3"], pipe
assert len({r["session"] for r in pipe}) == 1
assert pipe[1]["body"] == "hello"
print("ok: statuses, order, redaction, chunked decoding")
PY

# pcapng gives the same records
editcap -F pcapng "$pcap" "$LT_TMP/t.pcapng"
"$LOADTAPE" capture -q -r "$LT_TMP/t.pcapng" -o "$LT_TMP/ng.tape"
"$LOADTAPE" export "$LT_TMP/ng.tape" >"$LT_TMP/ng.jsonl"
cmp "$LT_TMP/t.jsonl" "$LT_TMP/ng.jsonl" || lt_fail "pcapng records differ from pcap records"

# a capture that starts mid-connection (the first 300 packets cut away, inside
# ab's keep-alive connections): every request that starts after the cut is
# recorded, nothing is invented, and nothing that began before the cut is passed
# off as whole
editcap -r "$pcap" "$LT_TMP/cut.pcap" 301-1000000 >/dev/null
"$LOADTAPE" capture -q -r "$LT_TMP/cut.pcap" -o "$LT_TMP/cut.tape"
"$LOADTAPE" export "$LT_TMP/cut.tape" >"$LT_TMP/cut.jsonl"
"$LOADTAPE" inspect --json "$LT_TMP/t.tape" >"$LT_TMP/t.info"
"$LOADTAPE" inspect --json "$LT_TMP/cut.tape" >"$LT_TMP/cut.info"
python3 - "$LT_TMP/t.jsonl" "$LT_TMP/t.info" "$LT_TMP/cut.jsonl" "$LT_TMP/cut.info" <<'PY'
import collections, json, sys
def load(recs, info):
    origin = int(json.load(open(info))["origin_ns"])
    return [(origin + r["ts_ns"], r["method"], r["url"], r.get("body", ""), tuple(r.get("flags", [])))
            for r in map(json.loads, open(recs))]
full, cut = load(sys.argv[1], sys.argv[2]), load(sys.argv[3], sys.argv[4])
cut_origin = int(json.load(open(sys.argv[4]))["origin_ns"])
# records from the cut file are requests of the full file (ts may be later for
# a request whose first packets were cut, so compare without ts)
fk = collections.Counter(r[1:4] for r in full)
ck = collections.Counter(r[1:4] for r in cut if not r[4])
assert not (ck - fk), ("invented", list((ck - fk).items())[:3])
# every request whose first packet is after the cut is there, same ts
after = collections.Counter(r[:4] for r in full if r[0] > cut_origin)
got = collections.Counter(r[:4] for r in cut)
missing = after - got
assert not missing, ("missing after the cut", len(missing), list(missing)[:3])
print("ok: mid-connection start: %d of %d requests after the cut, none invented"
      % (sum(after.values()), len(full)))
PY

# --no-responses and --count
"$LOADTAPE" capture -q -r "$pcap" -o "$LT_TMP/nr.tape" --no-responses --count 5
"$LOADTAPE" export "$LT_TMP/nr.tape" >"$LT_TMP/nr.jsonl"
lt_eq "records with --count 5" 5 "$(wc -l <"$LT_TMP/nr.jsonl")"
lt_eq "responses with --no-responses" 0 "$(grep -c '"response"' "$LT_TMP/nr.jsonl" || true)"
head -5 "$LT_TMP/t.jsonl" | python3 -c '
import json, sys
for l in sys.stdin: r = json.loads(l); print(r["method"], r["url"])' >"$LT_TMP/first5"
python3 -c '
import json, sys
for l in open(sys.argv[1]): r = json.loads(l); print(r["method"], r["url"])' "$LT_TMP/nr.jsonl" >"$LT_TMP/nr5"
cmp "$LT_TMP/first5" "$LT_TMP/nr5" || lt_fail "--count did not keep the first 5 requests"
echo "ok"
