# bench_lib.sh - shared setup for the replay benchmarks. Source it, then:
#   bench_init NAME CMD...   checks the commands, makes $tmp, cleans up child $pids on exit
#   bench_nginx [WORKERS] [MASTER] [CPUS]
#                            starts nginx (`return 202`, no access log; WORKERS 1 and
#                            master_process on by default; "off" makes $nginx_pid the
#                            one serving process, for CPU accounting) on a free loopback
#                            port, waits for it, sets $port and $nginx_pid. CPUS (a
#                            taskset list, e.g. 0) pins nginx and its workers there.
#                            With $nginx_log set, every request is logged to that file
#                            as "METHOD STATUS CONTENT_LENGTH REQUEST_LENGTH".
#                            GET /nginx_status answers nginx's stub_status counters.
#   bench_nginx_requests     requests nginx has served so far (from /nginx_status)
#   bench_nginx_stop         stops the nginx started last
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
    local workers=${1:-1} master=${2:-on} cpus=${3:-} i d log="access_log off;" pin=()
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    d=$tmp/ngx-$port
    mkdir -p "$d/logs"
    [ -z "${nginx_log:-}" ] ||
        log="log_format m '\$request_method \$status \$content_length \$request_length'; access_log $nginx_log m;"
    [ -z "$cpus" ] || pin=(taskset -c "$cpus")
    cat >"$d/nginx.conf" <<CONF
daemon off;
master_process $master;
worker_processes $workers;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 4096; }
http {
    $log
    client_body_temp_path $d/body;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$port;
        location / { return 202 '{"accepted":1}'; }
        location = /nginx_status { stub_status; }
    }
}
CONF
    "${pin[@]}" nginx -c "$d/nginx.conf" -p "$d" &
    nginx_pid=$!
    pids+=($nginx_pid)
    for i in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nginx did not start: $(cat "$d/logs/error.log")" >&2
    exit 1
}

bench_nginx_requests() {
    curl -s "http://127.0.0.1:$port/nginx_status" | awk 'NR == 3 { print $3 }'
}

bench_nginx_stop() {
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
}
