#!/usr/bin/env bash
# Ethernet framing from a real link: a veth pair between two network
# namespaces made by this test, nginx in one, curl and ab in the other.
# loadtape captures live on the veth (DLT_EN10MB) while tcpdump records a
# pcap of the same link; the live tape, the tape made from the pcap and
# tshark's dissection must all agree request by request.
. "$LT_TEST_ROOT/lib.sh"
lt_need_root
lt_need_cmd ip nginx curl ab tcpdump tshark python3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ns_c=ltcapc$$
ns_s=ltcaps$$
if_c=ltc$$
if_s=lts$$
cleanup_ns() {
    lt_cleanup
    ip netns del "$ns_c" 2>/dev/null || true
    ip netns del "$ns_s" 2>/dev/null || true
}
trap cleanup_ns EXIT
ip netns add "$ns_c" || lt_skip "cannot create network namespaces"
ip netns add "$ns_s"
ip link add "$if_c" type veth peer name "$if_s"
ip link set "$if_c" netns "$ns_c"
ip link set "$if_s" netns "$ns_s"
ip -n "$ns_c" addr add 10.251.0.1/24 dev "$if_c"
ip -n "$ns_s" addr add 10.251.0.2/24 dev "$if_s"
for ns in "$ns_c" "$ns_s"; do ip -n "$ns" link set lo up; done
ip -n "$ns_c" link set "$if_c" up
ip -n "$ns_s" link set "$if_s" up
# segmentation offload would hand the capture 64 KiB "packets": keep real frames
ip netns exec "$ns_c" ethtool -K "$if_c" tso off gso off gro off >/dev/null 2>&1 || true

port=8080
conf=$LT_TMP/nginx
mkdir -p "$conf/logs"
cat >"$conf/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $conf/nginx.pid;
error_log $conf/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $conf/body;
    client_max_body_size 10m;
    server {
        listen 10.251.0.2:$port;
        location / { return 202 '{"accepted":1}'; }
    }
}
CONF
ip netns exec "$ns_s" nginx -c "$conf/nginx.conf" -p "$conf" &
LT_PIDS+=($!)
for _ in $(seq 100); do
    ip netns exec "$ns_c" bash -c "exec 3<>/dev/tcp/10.251.0.2/$port" 2>/dev/null && break
    sleep 0.1
done

ip netns exec "$ns_c" tcpdump -i "$if_c" -s 0 -B 65536 -U --immediate-mode -w "$LT_TMP/veth.pcap" \
    "tcp port $port" 2>"$LT_TMP/tcpdump.log" &
tpid=$!
LT_PIDS+=("$tpid")
ip netns exec "$ns_c" "$LOADTAPE" capture -i "$if_c" --port "$port" -o "$LT_TMP/live.tape" \
    2>"$LT_TMP/live.err" &
cpid=$!
LT_PIDS+=("$cpid")
for _ in $(seq 100); do
    grep -q "listening on" "$LT_TMP/tcpdump.log" && grep -q "listening on" "$LT_TMP/live.err" && break
    sleep 0.05
done

url=http://10.251.0.2:$port
head -c 30000 /dev/urandom | base64 -w0 >"$LT_TMP/body"
ip netns exec "$ns_c" curl -sS -o /dev/null "$url/collect/one"
ip netns exec "$ns_c" curl -sS -o /dev/null --data-binary @"$LT_TMP/body" "$url/collect/big"
ip netns exec "$ns_c" curl -sS -o /dev/null -H 'Transfer-Encoding: chunked' \
    --data-binary @"$LT_TMP/body" "$url/collect/chunked"
ip netns exec "$ns_c" ab -q -k -n 200 -c 4 "$url/collect/ab" >/dev/null
sleep 1
kill -INT "$cpid" "$tpid"
wait "$cpid" || lt_fail "live capture exited with $?"
wait "$tpid" || true
grep -q "^0 packets dropped by kernel" "$LT_TMP/tcpdump.log" ||
    { cat "$LT_TMP/tcpdump.log"; lt_fail "tcpdump itself dropped packets"; }
cat "$LT_TMP/live.err"

lt_eq "link type of the pcap" "EN10MB" \
    "$(tcpdump -r "$LT_TMP/veth.pcap" -c 1 2>&1 | grep -o 'link-type [A-Z0-9]*' | head -1 | cut -d' ' -f2)"
"$LOADTAPE" capture -q -r "$LT_TMP/veth.pcap" -o "$LT_TMP/file.tape"
"$LOADTAPE" export "$LT_TMP/live.tape" >"$LT_TMP/live.jsonl"
"$LOADTAPE" export "$LT_TMP/file.tape" >"$LT_TMP/file.jsonl"
tshark -r "$LT_TMP/veth.pcap" -d "tcp.port==$port,http" -Y http.request -T fields \
    -E separator=/t -E aggregator='|' -e tcp.stream -e http.request.method \
    -e http.request.uri -e http.content_length -e http.chunk_size >"$LT_TMP/tshark.txt" 2>/dev/null
python3 "$here/compare_tshark.py" "$LT_TMP/tshark.txt" "$LT_TMP/file.jsonl" --min 203
python3 "$here/compare_tshark.py" "$LT_TMP/tshark.txt" "$LT_TMP/live.jsonl" --min 203
python3 - "$LT_TMP/live.jsonl" "$LT_TMP/file.jsonl" <<'PY'
import json, sys
def load(p):
    return [(r["session"], r["method"], r["url"], r.get("body", ""), r["response"]["status"])
            for r in map(json.loads, open(p))]
live, file = load(sys.argv[1]), load(sys.argv[2])
assert live == file, "live and pcap tapes differ"
assert len(live) == 203, len(live)
print("ok: live capture on the veth equals the pcap's records")
PY
