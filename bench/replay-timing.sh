#!/usr/bin/env bash
# replay-timing.sh - how close to its schedule 'loadtape replay' sends: a 10k req/s
# Poisson tape replayed at --speed 1 and 2 against nginx on loopback. Prints the
# scheduler lag loadtape reports (release time - intended time), and the same
# measured independently on the wire: a tcpdump capture of the loopback gives each
# request's arrival, paired with its record by the event's messageId, and aligned
# at the best offset (so the smallest lag is 0). The wire figure charges loadtape
# with every delay between its clock and the socket, queue wait for a free
# connection included. Target: p99 under 1 ms on both.
#
# usage: bench/replay-timing.sh [BUILD_DIR]   (needs root for tcpdump)
#        env: RATE (10k), SECS (10), CONNS (64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
lt=$build/cli/loadtape
[ -x "$lt" ] || { echo "no $lt: build first" >&2; exit 1; }
RATE=${RATE:-10k}
SECS=${SECS:-10}
CONNS=${CONNS:-64}
[ "$(id -u)" = 0 ] || { echo "needs root (tcpdump on lo)" >&2; exit 1; }
. "$root/bench/bench_lib.sh"
bench_init replay-timing nginx tcpdump tshark python3
bench_nginx

"$lt" synth baseline -o "$tmp/t.tape" --rate "$RATE" --arrivals poisson --duration "${SECS}s" 2>/dev/null
"$lt" export "$tmp/t.tape" | python3 -c '
import json, re, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["ts_ns"], re.search(r"\"messageId\":\"([^\"]+)\"", r["body"]).group(1))' >"$tmp/ts.txt"

printf '%-7s %9s | %-28s | %-28s\n' speed "req/s" "lag reported p50/p99/max ms" "lag on the wire p50/p99/max ms"
for speed in 1 2; do
    tcpdump -i lo -s 1024 -B 65536 -w "$tmp/cap.pcap" "tcp dst port $port and tcp[tcpflags] & tcp-push != 0" \
        2>/dev/null &
    tp=$!
    sleep 1
    "$lt" replay "$tmp/t.tape" --target "http://127.0.0.1:$port" --speed "$speed" -c "$CONNS" --json \
        >"$tmp/r.json"
    sleep 0.5
    kill -INT "$tp"
    wait "$tp" 2>/dev/null || true
    tshark -r "$tmp/cap.pcap" -Y 'tcp.len > 0' -T fields -e frame.time_epoch -e tcp.payload \
        2>/dev/null >"$tmp/arr.txt"
    python3 - "$tmp/r.json" "$tmp/ts.txt" "$tmp/arr.txt" "$speed" <<'PY'
import json, re, sys
j = json.load(open(sys.argv[1]))
speed = float(sys.argv[4])
ts = {}
t0 = None
for l in open(sys.argv[2]):
    t, mid = l.split()
    ts[mid] = int(t)
    t0 = int(t) if t0 is None else min(t0, int(t))
d = []
for l in open(sys.argv[3]):
    parts = l.split()
    if len(parts) < 2:
        continue
    m = re.search(rb'"messageId":"([^"]+)"', bytes.fromhex(parts[1].replace(":", "")))
    if m and m.group(1).decode() in ts:
        d.append(float(parts[0]) - (ts.pop(m.group(1).decode()) - t0) / speed / 1e9)
n = len(d)
if ts:
    print("  (%d requests not found in the capture)" % len(ts), file=sys.stderr)
off = min(d)
lag = sorted((x - off) * 1000 for x in d)
pct = lambda p: lag[min(n - 1, int(p / 100 * n))]
l = j["lag_ms"]
print("%-7s %9.0f | %8.3f %8.3f %9.3f | %8.3f %8.3f %9.3f" % (
    sys.argv[4], j["throughput_rps"], l["p50"], l["p99"], l["max"], pct(50), pct(99), lag[-1]))
PY
done
echo "(Poisson arrivals at $RATE req/s for $SECS s of trace, -c $CONNS, nginx 1 worker, same host)"
