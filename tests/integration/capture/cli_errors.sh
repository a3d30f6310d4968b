#!/usr/bin/env bash
# 'loadtape capture' on bad input and bad usage: one clear error line, the
# documented exit code, and a closed tape whenever packets were read.
. "$LT_TEST_ROOT/lib.sh"
lt_need_cmd python3

# expect CODE PATTERN ARGS...: exit code and a stderr line matching PATTERN
expect() {
    local code=$1 pat=$2 rc=0
    shift 2
    "$LOADTAPE" capture "$@" >"$LT_TMP/out" 2>"$LT_TMP/err" || rc=$?
    lt_eq "exit code of 'capture $*'" "$code" "$rc"
    grep -q -- "$pat" "$LT_TMP/err" || { cat "$LT_TMP/err"; lt_fail "no '$pat' from 'capture $*'"; }
}

# A pcap of one HTTP exchange (raw IPv4), and variants of it.
python3 - "$LT_TMP" <<'PY'
import struct, sys
d = sys.argv[1]
def ip4(payload, src, dst):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, 6, 0, src, dst) + payload
def tcp(sp, dp, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
c, s = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])
req = b"POST /collect/web HTTP/1.1\r\nHost: h\r\nCookie: a=b\r\nContent-Length: 2\r\n\r\n{}"
resp = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
pk = [ip4(tcp(40000, 80, 1, 0, 2), c, s), ip4(tcp(80, 40000, 9, 2, 0x12), s, c),
      ip4(tcp(40000, 80, 2, 10, 0x18, req), c, s),
      ip4(tcp(80, 40000, 10, 2 + len(req), 0x18, resp), s, c)]
def pcap(link, pkts):
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, link)
    for i, p in enumerate(pkts):
        out += struct.pack("<IIII", 1700000000, i * 1000, len(p), len(p)) + p
    return out
open(d + "/ok.pcap", "wb").write(pcap(101, pk))
open(d + "/usb.pcap", "wb").write(pcap(220, pk))
full = pcap(101, pk + pk)
open(d + "/cut.pcap", "wb").write(full[:len(pcap(101, pk)) + 30])
open(d + "/notpcap.pcap", "wb").write(b"this is not a capture file at all\n")
PY

expect 2 "give exactly one of" -o "$LT_TMP/x.tape"
expect 2 "give exactly one of" -r "$LT_TMP/ok.pcap" -i lo -o "$LT_TMP/x.tape"
expect 2 "missing -o TAPE" -r "$LT_TMP/ok.pcap"
expect 2 "unknown option '--bogus'" -r "$LT_TMP/ok.pcap" -o "$LT_TMP/x.tape" --bogus
expect 2 "port" -r "$LT_TMP/ok.pcap" -o "$LT_TMP/x.tape" --port 70000
# an error before the first record leaves no tape behind (not even an empty one)
no_tape() { [ ! -e "$LT_TMP/x.tape" ] || lt_fail "a failed capture left $(stat -c %s "$LT_TMP/x.tape") bytes in x.tape ($*)"; }
expect 1 "cannot read '$LT_TMP/missing.pcap'" -r "$LT_TMP/missing.pcap" -o "$LT_TMP/x.tape"
no_tape missing file
expect 1 "cannot read '$LT_TMP/notpcap.pcap'" -r "$LT_TMP/notpcap.pcap" -o "$LT_TMP/x.tape"
no_tape not a pcap
expect 1 "unsupported link type" -r "$LT_TMP/usb.pcap" -o "$LT_TMP/x.tape"
no_tape unsupported link type
expect 2 "bad filter 'tcp port ('" -r "$LT_TMP/ok.pcap" -o "$LT_TMP/x.tape" -f 'tcp port ('
lt_eq "error lines" 1 "$(wc -l <"$LT_TMP/err")"
no_tape bad filter
expect 1 "cannot capture on 'nosuchif0'" -i nosuchif0 -o "$LT_TMP/x.tape"
no_tape bad interface
# and a tape that was already there is left as it was
echo "an older tape" >"$LT_TMP/old.tape"
expect 1 "cannot read '$LT_TMP/notpcap.pcap'" -r "$LT_TMP/notpcap.pcap" -o "$LT_TMP/old.tape"
lt_eq "the older tape" "an older tape" "$(cat "$LT_TMP/old.tape")"
expect 1 "cannot create '$LT_TMP/no/such/dir.tape'" -r "$LT_TMP/ok.pcap" -o "$LT_TMP/no/such/dir.tape"
lt_eq "error lines" 1 "$(wc -l <"$LT_TMP/err")"

"$LOADTAPE" capture --help >"$LT_TMP/help"
for f in -i -r --listen -o -f --port --duration --count --snaplen --buffer-size \
    --reorder-window --no-responses --keep-secrets --redact-header; do
    grep -q -- "$f" "$LT_TMP/help" || lt_fail "--help does not mention $f"
done

# the good file: one record, redacted, summary on stderr, stdout empty
expect 0 "1 requests recorded" -r "$LT_TMP/ok.pcap" -o "$LT_TMP/ok.tape"
[ -s "$LT_TMP/out" ] && lt_fail "capture wrote to stdout"
"$LOADTAPE" export "$LT_TMP/ok.tape" >"$LT_TMP/ok.jsonl"
lt_eq "record" '{"ts_ns":2000000,"session":1,"method":"POST","url":"/collect/web","headers":[["Host","h"],["Cookie","[redacted]"],["Content-Length","2"]],"body":"{}","response":{"status":202,"latency_ns":1000000},"flags":["redacted"]}' \
    "$(cat "$LT_TMP/ok.jsonl")"
"$LOADTAPE" capture -q -r "$LT_TMP/ok.pcap" -o "$LT_TMP/keep.tape" --keep-secrets
"$LOADTAPE" export "$LT_TMP/keep.tape" | grep -q '\["Cookie","a=b"\]' || lt_fail "--keep-secrets"
"$LOADTAPE" capture -q -r "$LT_TMP/ok.pcap" -o "$LT_TMP/h.tape" --redact-header host
"$LOADTAPE" export "$LT_TMP/h.tape" | grep -q '\["Host","\[redacted\]"\]' || lt_fail "--redact-header"
"$LOADTAPE" capture -q -r "$LT_TMP/ok.pcap" -o "$LT_TMP/f.tape" -f 'tcp port 81'
lt_eq "records through a filter that matches nothing" 0 "$("$LOADTAPE" export "$LT_TMP/f.tape" | wc -l)"

# a file cut inside a packet: an error, and a closed tape with what came before
expect 1 "truncated" -r "$LT_TMP/cut.pcap" -o "$LT_TMP/cut.tape"
"$LOADTAPE" export "$LT_TMP/cut.tape" >"$LT_TMP/cut.jsonl" 2>"$LT_TMP/cut.err"
[ -s "$LT_TMP/cut.err" ] && { cat "$LT_TMP/cut.err"; lt_fail "the tape was not closed"; }
lt_eq "records before the cut" 1 "$(wc -l <"$LT_TMP/cut.jsonl")"
echo ok
