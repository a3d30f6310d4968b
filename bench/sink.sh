#!/usr/bin/env bash
# bench/sink.sh - requests/s of `loadtape sink` (parses and validates every
# event) against nginx answering `return 202` (parses nothing), same machine,
# same wrk load (a small valid event POST), then the sink with --record.
# Runs each target ROUNDS times, alternating, and prints medians and ratios of
# requests/s and of requests per CPU second of the server process (the
# latter holds up better on a machine shared with other work).
#
#   bench/sink.sh                      # uses ./build/cli/loadtape
#   LOADTAPE=path/to/loadtape DURATION=10s CONNS=50 THREADS=1 ROUNDS=3 bench/sink.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
LOADTAPE=${LOADTAPE:-$root/build/cli/loadtape}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-3}
lua=$root/tests/integration/sink/post.lua

for c in wrk nginx python3; do
    command -v $c >/dev/null || { echo "bench/sink.sh: needs $c" >&2; exit 1; }
done
[ -x "$LOADTAPE" ] || { echo "bench/sink.sh: no loadtape at $LOADTAPE (set LOADTAPE)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/loadtape-bench-sink.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# nginx: one worker (the sink runs one), no access log (the sink keeps none);
# no master process, so $nginx_pid is the process whose CPU is counted.
. "$root/bench/bench_lib.sh"
bench_nginx 1 off
nport=$port

start_sink() { # args...; sets sink_url and sink_pid
    "$LOADTAPE" sink --listen 127.0.0.1:0 "$@" >"$tmp/sink.out" 2>"$tmp/sink.err" &
    sink_pid=$!
    pids+=($sink_pid)
    for _ in $(seq 100); do grep -q listening "$tmp/sink.out" && break; sleep 0.1; done
    sink_url=$(sed -n 's/^listening on //p' "$tmp/sink.out")
    [ -n "$sink_url" ] || { echo "sink did not start: $(cat "$tmp/sink.err")" >&2; exit 1; }
}
stop_sink() { kill -TERM "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_wrk() { # url server-pid -> "requests/s requests-per-server-CPU-second"
    local out t0 t1 n
    t0=$(cpu_ticks "$2")
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$lua" "$1/collect/bench")
    t1=$(cpu_ticks "$2")
    if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
        echo "errors against $1:" >&2; echo "$out" >&2; exit 1
    fi
    n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' <<<"$out")
    echo "$(sed -n 's/^Requests\/sec: *//p' <<<"$out") $(awk -v n="$n" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", t ? n / (t / hz) : 0 }')"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "wrk -t$THREADS -c$CONNS -d$DURATION, POST of a $(python3 -c "import re;print(len(re.search(r\"wrk.body = '(.*)'\", open('$lua').read()).group(1)))")-byte event, $ROUNDS rounds, medians" >&2
: >"$tmp/nginx.rps"; : >"$tmp/sink.rps"; : >"$tmp/rec.rps"
for r in $(seq "$ROUNDS"); do
    run_wrk "http://127.0.0.1:$nport" "$nginx_pid" >>"$tmp/nginx.rps"
    start_sink
    run_wrk "$sink_url" "$sink_pid" >>"$tmp/sink.rps"
    stop_sink
    start_sink --record "$tmp/rec.tape"
    run_wrk "$sink_url" "$sink_pid" >>"$tmp/rec.rps"
    stop_sink
    echo "round $r (requests/s, requests per server CPU second): nginx $(tail -1 "$tmp/nginx.rps")," \
        "sink $(tail -1 "$tmp/sink.rps"), sink --record $(tail -1 "$tmp/rec.rps")" >&2
done
col() { awk -v c="$1" '{print $c}' "$2" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
n=$(col 1 "$tmp/nginx.rps"); s=$(col 1 "$tmp/sink.rps"); rr=$(col 1 "$tmp/rec.rps")
nc=$(col 2 "$tmp/nginx.rps"); sc=$(col 2 "$tmp/sink.rps"); rc=$(col 2 "$tmp/rec.rps")
printf '%-22s %12s %8s %16s %8s\n' target "requests/s" "ratio" "req/CPU-second" "ratio"
printf '%-22s %12.0f %8s %16.0f %8s\n' "nginx (return 202)" "$n" "1.00" "$nc" "1.00"
printf '%-22s %12.0f %8s %16.0f %8s\n' "loadtape sink" "$s" "$(ratio "$s" "$n")" "$sc" "$(ratio "$sc" "$nc")"
printf '%-22s %12.0f %8s %16.0f %8s\n' "loadtape sink --record" "$rr" "$(ratio "$rr" "$n")" "$rc" "$(ratio "$rc" "$nc")"
