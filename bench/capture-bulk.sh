#!/usr/bin/env bash
# bench/capture-bulk.sh - live capture of one large download on lo: curl
# fetches a SIZE file from nginx (sendfile) while `loadtape capture -i lo`
# records it, ROUNDS times; prints the transfer rate, the kernel drops and
# whether the request got its response, per round.
#
#   sudo bench/capture-bulk.sh                         # ./build/cli/loadtape, default buffer
#   SIZE=1G ROUNDS=5 BUFFER=32MiB LOADTAPE=... bench/capture-bulk.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
LOADTAPE=${LOADTAPE:-$root/build/cli/loadtape}
SIZE=${SIZE:-1G}
ROUNDS=${ROUNDS:-5}
BUFFER=${BUFFER:-} # empty: loadtape's default

[ "$(id -u)" = 0 ] || { echo "bench/capture-bulk.sh: needs root (live capture)" >&2; exit 1; }
. "$here/bench_lib.sh"
bench_init loadtape-bench-bulk nginx curl truncate python3 bc

mkdir -p "$tmp/files" "$tmp/ngx/logs"
truncate -s "$SIZE" "$tmp/files/big"
chmod -R a+rX "$tmp"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/ngx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $tmp/ngx/body;
    sendfile on;
    server { listen 127.0.0.1:$port; location /files/ { alias $tmp/files/; } }
}
CONF
nginx -c "$tmp/ngx/nginx.conf" -p "$tmp/ngx" &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done

bufargs=()
[ -n "$BUFFER" ] && bufargs=(--buffer-size "$BUFFER")
echo "download of $SIZE on lo, buffer ${BUFFER:-default}:"
for r in $(seq "$ROUNDS"); do
    "$LOADTAPE" capture -i lo --port "$port" -o "$tmp/out.tape" "${bufargs[@]}" 2>"$tmp/cap.err" &
    cpid=$!
    pids+=("$cpid")
    for _ in $(seq 200); do grep -q "listening on" "$tmp/cap.err" && break; sleep 0.05; done
    rate=$(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$port/files/big")
    sleep 1
    kill -INT "$cpid"
    wait "$cpid" || true
    drops=$(grep -o '[0-9]* dropped by the kernel' "$tmp/cap.err" | cut -d' ' -f1)
    resp=$(grep -o '([0-9]* with a response' "$tmp/cap.err" | tr -dc 0-9)
    printf '  round %d: %6.0f MB/s, kernel drops %s, with response %s\n' "$r" \
        "$(echo "$rate / 1000000" | bc -l)" "$drops" "$resp"
done
