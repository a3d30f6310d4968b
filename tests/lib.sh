# lib.sh - shared helpers for loadtape's shell tests. Source it first.
# Environment from ctest: LOADTAPE (the binary), LT_TEST_ROOT, LT_SRC_ROOT.
set -euo pipefail

: "${LOADTAPE:=loadtape}"
: "${LT_TEST_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
LT_TMP=$(mktemp -d /tmp/loadtape-test.XXXXXX)
LT_PIDS=()

lt_cleanup() {
    local p
    for p in "${LT_PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    for p in "${LT_PIDS[@]:-}"; do
        [ -n "$p" ] && wait "$p" 2>/dev/null || true
    done
    rm -rf "$LT_TMP"
}
trap lt_cleanup EXIT

# lt_skip REASON: exit 77 (skipped), or fail under LOADTAPE_REQUIRE_ALL=1.
lt_skip() {
    if [ "${LOADTAPE_REQUIRE_ALL:-0}" = 1 ]; then
        echo "FAIL (skip not allowed under LOADTAPE_REQUIRE_ALL=1): $*" >&2
        exit 1
    fi
    echo "SKIP: $*" >&2
    exit 77
}

lt_need_root() { [ "$(id -u)" = 0 ] || lt_skip "needs root"; }
lt_need_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || lt_skip "needs $c"; done; }

lt_fail() { echo "FAIL: $*" >&2; exit 1; }

# lt_eq WHAT EXPECTED ACTUAL
lt_eq() {
    if [ "$2" != "$3" ]; then
        echo "FAIL: $1: expected [$2], got [$3]" >&2
        exit 1
    fi
}

# lt_free_port: a free TCP port on 127.0.0.1.
lt_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# lt_wait_port PORT [HOST]: waits up to 10 s for a listener.
lt_wait_port() {
    local host=${2:-127.0.0.1} i
    for i in $(seq 100); do
        if (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    lt_fail "nothing listening on $host:$1"
}

# lt_start_nginx PORT [EXTRA_SERVER_CONF [EXTRA_HTTP_CONF]]: nginx on 127.0.0.1:PORT answering
# POSTs with 202, run as a child of the test. Sets LT_NGINX_DIR, LT_NGINX_LOG (one
# line a request: "$msec $request_method $request_uri $status") and
# LT_NGINX_MASTER (the master's pid, also added to the pids cleaned up).
lt_start_nginx() {
    lt_need_cmd nginx
    local port=$1 extra=${2:-} extra_http=${3:-}
    LT_NGINX_DIR=$LT_TMP/nginx-$port
    mkdir -p "$LT_NGINX_DIR/logs"
    cat >"$LT_NGINX_DIR/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $LT_NGINX_DIR/nginx.pid;
error_log $LT_NGINX_DIR/logs/error.log warn;
events { worker_connections 4096; }
http {
    log_format lt '\$msec \$request_method \$request_uri \$status';
    access_log $LT_NGINX_DIR/logs/access.log lt;
    client_body_temp_path $LT_NGINX_DIR/body;
    proxy_temp_path $LT_NGINX_DIR/proxy;
    fastcgi_temp_path $LT_NGINX_DIR/fastcgi;
    uwsgi_temp_path $LT_NGINX_DIR/uwsgi;
    scgi_temp_path $LT_NGINX_DIR/scgi;
    keepalive_requests 1000000;
    client_max_body_size 100m;
    $extra_http
    server {
        listen 127.0.0.1:$port;
        $extra
        location / { return 202 '{"accepted":1}'; }
    }
}
CONF
    LT_NGINX_LOG=$LT_NGINX_DIR/logs/access.log
    nginx -c "$LT_NGINX_DIR/nginx.conf" -p "$LT_NGINX_DIR" &
    LT_NGINX_MASTER=$!
    LT_PIDS+=($!)
    lt_wait_port "$port"
}
