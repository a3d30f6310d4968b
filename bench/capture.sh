#!/usr/bin/env bash
# bench/capture.sh - capture throughput, side by side with its peers.
#
# 1. Offline: a pcap of REQUESTS real requests (ab -k POSTing a small event to
#    nginx on lo, recorded by tcpdump) is read by `tcpdump -r` (reading speed,
#    the floor), `tshark -Y http.request` (full dissection) and
#    `loadtape capture -r` (pcap -> tape), each pinned to one core; medians of
#    ROUNDS runs (TSHARK_ROUNDS for tshark, which is slow), MB/s of pcap and
#    requests/s, and ratios.
# 2. Live: `loadtape capture -i lo` while a rate-controlled sender
#    (bench/capture_sender.c: absolute deadlines, keep-alive connections)
#    sends at fixed, increasing RATES for SECS seconds each, until the first
#    kernel drop or missing request.
#
#   sudo bench/capture.sh                  # uses ./build/cli/loadtape
#   LOADTAPE=... REQUESTS=200000 ROUNDS=3 RATES="10000 20000 50000" SECS=5 bench/capture.sh
#   OFFLINE=0 or LIVE=0 runs one part only.
# Offline also times `capture -r --keep-secrets` (no redaction: what redaction costs);
# BASE=path/to/another/loadtape times that build too, on the same pcap, its runs
# interleaved with the others' (before/after figures in one session); SECRETS=1 makes
# every request carry secrets to redact (an Authorization header, a writeKey in the
# query and in the JSON body), so each record is rewritten.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
LOADTAPE=${LOADTAPE:-$root/build/cli/loadtape}
REQUESTS=${REQUESTS:-200000}
ROUNDS=${ROUNDS:-3}
TSHARK_ROUNDS=${TSHARK_ROUNDS:-1}
RATES=${RATES:-"5000 10000 20000 30000 50000 75000 100000"}
SECS=${SECS:-5}
CONNS=${CONNS:-32}
NGINX_WORKERS=${NGINX_WORKERS:-2}
CPU=${CPU:-0}
OFFLINE=${OFFLINE:-1} # 0 skips part 1
LIVE=${LIVE:-1}       # 0 skips part 2
BASE=${BASE:-}
SECRETS=${SECRETS:-0}

[ "$(id -u)" = 0 ] || { echo "bench/capture.sh: needs root (tcpdump and live capture)" >&2; exit 1; }
for c in nginx ab tcpdump tshark python3 cc taskset; do
    command -v $c >/dev/null || { echo "bench/capture.sh: needs $c" >&2; exit 1; }
done
[ -x "$LOADTAPE" ] || { echo "bench/capture.sh: no loadtape at $LOADTAPE (set LOADTAPE)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/loadtape-bench-capture.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

. "$here/bench_lib.sh"
bench_nginx "$NGINX_WORKERS"

# wait_line FILE TEXT: up to 10 s for TEXT to appear in FILE
wait_line() {
    for _ in $(seq 200); do grep -q "$2" "$1" && return 0; sleep 0.05; done
    cat "$1" >&2
    return 1
}

# ---- 1. offline ---------------------------------------------------------------
if [ "$OFFLINE" = 1 ]; then
pcap=$tmp/bench.pcap
abx=() path=/collect/web key=
if [ "$SECRETS" = 1 ]; then
    abx=(-H "Authorization: Bearer sk_bench_0001") path="/collect/web?writeKey=wk_bench_0001"
    key='"writeKey":"wk_bench_0001",'
fi
printf '{%s"type":"track","event":"Order Completed","userId":"user-0001","properties":{"revenue":12.5,"currency":"EUR"},"context":{"library":{"name":"analytics.js"}}}' "$key" >"$tmp/event.json"
tcpdump -i lo -s 0 -B 262144 -U -w "$pcap" "tcp port $port" 2>"$tmp/tcpdump.log" &
tpid=$!
pids+=("$tpid")
wait_line "$tmp/tcpdump.log" "listening on"
ab -q -k -n "$REQUESTS" -c 16 -p "$tmp/event.json" -T application/json "${abx[@]}" \
    "http://127.0.0.1:$port$path" >"$tmp/ab.txt"
sleep 1
kill -INT "$tpid"
wait "$tpid" || true
grep -q "^0 packets dropped by kernel" "$tmp/tcpdump.log" ||
    echo "warning: tcpdump dropped packets while making the pcap: $(grep dropped "$tmp/tcpdump.log" | head -1)" >&2
bytes=$(stat -c %s "$pcap")
npk=$(grep "packets captured" "$tmp/tcpdump.log" | cut -d' ' -f1)
echo "pcap: $REQUESTS requests, $npk packets, $bytes bytes"

# time_cmd: "WALL CPU" seconds of the command (pinned to CPU), stdout discarded.
# CPU (user + sys) is the figure to trust on a shared machine; wall is shown too.
time_cmd() {
    /usr/bin/time -f "%e %U %S" -o "$tmp/time.txt" taskset -c "$CPU" "$@" >/dev/null 2>"$tmp/cmd.err"
    python3 -c 'import sys; w, u, s = map(float, open(sys.argv[1]).read().split()[-3:]); print("%.2f %.2f" % (w, u + s))' \
        "$tmp/time.txt"
}
median() { python3 -c 'import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }

tdw=() tdc=() tsw=() tsc=() ltw=() ltc=() ksw=() ksc=() bsw=() bsc=()
for r in $(seq "$ROUNDS"); do
    read -r w c < <(time_cmd tcpdump -r "$pcap" -w /dev/null)
    tdw+=("$w") tdc+=("$c")
    read -r w c < <(time_cmd "$LOADTAPE" capture -q -r "$pcap" -o "$tmp/bench.tape")
    ltw+=("$w") ltc+=("$c")
    read -r w c < <(time_cmd "$LOADTAPE" capture -q -r "$pcap" -o "$tmp/keep.tape" --keep-secrets)
    ksw+=("$w") ksc+=("$c")
    if [ -n "$BASE" ]; then
        read -r w c < <(time_cmd "$BASE" capture -q -r "$pcap" -o "$tmp/base.tape")
        bsw+=("$w") bsc+=("$c")
    fi
done
for r in $(seq "$TSHARK_ROUNDS"); do
    read -r w c < <(time_cmd tshark -r "$pcap" -d "tcp.port==$port,http" -Y http.request)
    tsw+=("$w") tsc+=("$c")
done
nrec=$("$LOADTAPE" export "$tmp/bench.tape" | wc -l)
nred=$("$LOADTAPE" export "$tmp/bench.tape" | grep -c '"flags":\["redacted"\]' || true)
[ -n "$BASE" ] || bsw=(0) bsc=(0)
python3 - "$bytes" "$REQUESTS" "$nrec" "$ROUNDS" "$TSHARK_ROUNDS" \
    "$(median "${tdw[@]}")" "$(median "${tdc[@]}")" "$(median "${tsw[@]}")" "$(median "${tsc[@]}")" \
    "$(median "${ltw[@]}")" "$(median "${ltc[@]}")" "$(median "${ksw[@]}")" "$(median "${ksc[@]}")" \
    "$(median "${bsw[@]}")" "$(median "${bsc[@]}")" "$nred" "${ltc[*]}" "${ksc[*]}" "${bsc[*]}" <<'PY'
import sys
b, req, nrec = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rounds, trounds = sys.argv[4], sys.argv[5]
tdw, tdc, tsw, tsc, ltw, ltc, ksw, ksc, bsw, bsc = map(float, sys.argv[6:16])
nred = int(sys.argv[16])
runs = sys.argv[17:20]
def row(name, w, c, n):
    print("  %-26s cpu %6.2f s  %7.1f MB/s  %5.2f Gbit/s  %8.0f req/s | wall %6.2f s  (median of %s)"
          % (name, c, b / c / 1e6, b * 8 / c / 1e9, req / c, w, n))
print("offline, one core (cpu = user + sys of the process):")
row("tcpdump -r (read only)", tdw, tdc, rounds)
row("tshark -Y http.request", tsw, tsc, trounds)
row("loadtape capture -r", ltw, ltc, rounds)
row("  ... --keep-secrets", ksw, ksc, rounds)
if bsc:
    row("BASE capture -r", bsw, bsc, rounds)
print("  loadtape recorded %d of %d requests, %d of them redacted" % (nrec, req, nred))
print("  redaction: cpu %+.1f%% over --keep-secrets" % (100 * (ltc / ksc - 1)))
if bsc:
    print("  this build vs BASE: cpu %+.1f%%" % (100 * (ltc / bsc - 1)))
print("  every round's cpu (s): capture -r %s | --keep-secrets %s%s"
      % (runs[0], runs[1], " | BASE " + runs[2] if bsc else ""))
print("  cpu ratios: loadtape / tcpdump %.2fx, tshark / loadtape %.1fx" % (ltc / tdc, tsc / ltc))
print("  target >= 1 Gbit/s of pcap per core: %s" % ("met" if b * 8 / ltc >= 1e9 else "MISSED"))
PY

fi

# ---- 2. live ------------------------------------------------------------------
[ "$LIVE" = 1 ] || exit 0
cc -O2 -o "$tmp/sender" "$here/capture_sender.c"
echo "live on lo ($CONNS connections, $SECS s per rate):"
for rate in $RATES; do
    count=$((rate * SECS))
    /usr/bin/time -f "%U %S %e" -o "$tmp/live.time" \
        "$LOADTAPE" capture -i lo --port "$port" -o "$tmp/live.tape" 2>"$tmp/live.err" &
    cpid=$!
    pids+=("$cpid")
    wait_line "$tmp/live.err" "listening on lo"
    out=$("$tmp/sender" 127.0.0.1 "$port" "$rate" "$count" "$CONNS")
    sleep 1
    # /usr/bin/time ignores SIGINT: signal loadtape, its child
    kill -INT "$(pgrep -P "$cpid")" 2>/dev/null || kill -INT "$cpid"
    wait "$cpid" || true
    sent=$(echo "$out" | sed 's/.*sent=\([0-9]*\).*/\1/')
    resp=$(echo "$out" | sed 's/.*responses=\([0-9]*\).*/\1/')
    secs=$(echo "$out" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
    rec=$(grep -o '^capture: [0-9]* requests recorded' "$tmp/live.err" | cut -d' ' -f2)
    drop=$(grep -o '[0-9]* dropped by the kernel' "$tmp/live.err" | cut -d' ' -f1)
    gap=$(grep -o '[0-9]* bytes lost in gaps' "$tmp/live.err" | cut -d' ' -f1)
    # +1: the sender's probe request. Every answered request crossed the wire,
    # so the tape must hold at least those; the rest may still have been queued.
    sent=$((sent + 1)) resp=$((resp + 1))
    cpu=$(python3 -c 'import sys; u, s, e = map(float, open(sys.argv[1]).read().split()[-3:]); print("%.2f s cpu in %.1f s" % (u + s, e))' "$tmp/live.time")
    printf '  %7d req/s: scheduled %d in %.2f s, %d answered; recorded %d, kernel drops %s, gap bytes %s; loadtape %s\n' \
        "$rate" "$sent" "$secs" "$resp" "$rec" "$drop" "$gap" "$cpu"
    if [ "$drop" != 0 ] || [ "$gap" != 0 ] || [ "$rec" -lt "$resp" ]; then
        echo "  first capture loss at $rate req/s"
        break
    fi
    if [ "$resp" -lt "$sent" ]; then
        echo "  the server (nginx, $NGINX_WORKERS worker(s)) answered only $resp of $sent: the rate is not held end to end; stopping"
        break
    fi
done
