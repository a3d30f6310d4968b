#!/usr/bin/env bash
# Real clients speaking TLS and HTTP/2 (prior knowledge) to a plain HTTP/1.1
# port, beside one HTTP/1.1 request: the capture counts one flow of each, as
# TLS, HTTP/2 and HTTP, records only the HTTP/1.1 request, and counts nothing
# of the others as unparsable.
. "$LT_TEST_ROOT/lib.sh"
lt_need_root
lt_need_cmd tcpdump curl nginx python3

port=$(lt_free_port)
lt_start_nginx "$port"
tcpdump -i lo -s 0 -B 65536 -U --immediate-mode -w "$LT_TMP/p.pcap" "tcp port $port" \
    2>"$LT_TMP/tcpdump.log" &
tpid=$!
LT_PIDS+=("$tpid")
for _ in $(seq 100); do grep -q "listening on" "$LT_TMP/tcpdump.log" && break; sleep 0.05; done
curl -sk -o /dev/null --max-time 5 "https://127.0.0.1:$port/tls" || true
curl -s -o /dev/null --max-time 5 --http2-prior-knowledge "http://127.0.0.1:$port/h2" || true
curl -sS -o /dev/null "http://127.0.0.1:$port/plain"
sleep 1
kill -INT "$tpid"
wait "$tpid" || true

"$LOADTAPE" capture -r "$LT_TMP/p.pcap" -o "$LT_TMP/p.tape" 2>"$LT_TMP/p.err"
cat "$LT_TMP/p.err"
"$LOADTAPE" export "$LT_TMP/p.tape" >"$LT_TMP/p.jsonl"
lt_eq "records" 1 "$(wc -l <"$LT_TMP/p.jsonl")"
grep -q '"url":"/plain"' "$LT_TMP/p.jsonl" || lt_fail "the HTTP/1.1 request is missing"
grep -q "not HTTP/1.x: 1 TLS, 1 HTTP/2, 0 other flows" "$LT_TMP/p.err" ||
    lt_fail "TLS and HTTP/2 flows not counted as such"
grep -q "0 unparsable" "$LT_TMP/p.err" || lt_fail "TLS or HTTP/2 counted as unparsable"
python3 - "$LT_TMP/p.tape" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
i = raw.rfind(b'"capture":')
cap, _ = json.JSONDecoder().raw_decode(raw[i + 10:].decode("utf-8", "replace"))
assert cap["protocols"] == {"http": 1, "tls": 1, "http2": 1, "other": 0}, cap["protocols"]
print("ok: protocols", cap["protocols"])
PY
