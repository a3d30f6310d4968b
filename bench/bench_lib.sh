# bench_lib.sh - shared setup for the replay benchmarks. Source it, then:
#   bench_init NAME CMD...   checks the commands, makes $tmp, cleans up child $pids on exit
#   bench_nginx              starts nginx (one worker, `return 202`) on a free loopback
#                            port, sets $port
bench_init() {
    local name=$1 c
    shift
    for c in "$@"; do
        command -v "$c" >/dev/null || { echo "needs $c (bash scripts/deps.sh bench)" >&2; exit 1; }
    done
    tmp=$(mktemp -d "/tmp/$name.XXXXXX")
    pids=()
    trap bench_cleanup EXIT
}

bench_cleanup() {
    local p
    for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}

bench_nginx() {
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$tmp/ngx/logs"
    cat >"$tmp/ngx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/ngx/body;
    keepalive_requests 100000000;
    server { listen 127.0.0.1:$port; location / { return 202 '{"accepted":1}'; } }
}
CONF
    nginx -c "$tmp/ngx/nginx.conf" -p "$tmp/ngx" &
    pids+=($!)
    sleep 0.5
}
