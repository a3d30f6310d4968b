# bench_lib.sh - shared setup for the replay benchmarks. Source it, then:
#   bench_init NAME CMD...   checks the commands, makes $tmp, cleans up child $pids on exit
#   bench_nginx [WORKERS] [MASTER]
#                            starts nginx (`return 202`, no access log; WORKERS 1 and
#                            master_process on by default; "off" makes $nginx_pid the
#                            one serving process, for CPU accounting) on a free loopback
#                            port, waits for it, sets $port and $nginx_pid
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
    local workers=${1:-1} master=${2:-on} i
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$tmp/ngx/logs"
    cat >"$tmp/ngx/nginx.conf" <<CONF
daemon off;
master_process $master;
worker_processes $workers;
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
    nginx_pid=$!
    pids+=($nginx_pid)
    for i in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nginx did not start: $(cat "$tmp/ngx/logs/error.log")" >&2
    exit 1
}
