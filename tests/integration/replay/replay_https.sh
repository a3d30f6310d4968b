# replay_https.sh - https and HTTP/2 go through libcurl: nginx with TLS (a
# self-signed certificate made here) and http2; every request arrives, over h2.
source "$LT_TEST_ROOT/lib.sh"
set -euo pipefail
lt_need_cmd nginx openssl
nginx -V 2>&1 | grep -q http_v2_module || lt_skip "nginx without http2"

d=$LT_TMP/ngx
mkdir -p "$d/logs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days 1 \
    -subj /CN=127.0.0.1 >/dev/null 2>&1
port=$(lt_free_port)
port2=$(lt_free_port)
# The TLS server proxies to a plain one so that nginx reads each request body
# before answering: 'return' answers early and resets the HTTP/2 stream
# (RST_STREAM NO_ERROR), which libcurl 7.88 reports as a stream error.
cat >"$d/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 1024; }
http {
    log_format p '\$server_protocol \$request_method \$request_uri \$status';
    access_log $d/logs/access.log p;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    server {
        listen 127.0.0.1:$port ssl http2;
        ssl_certificate $d/cert.pem;
        ssl_certificate_key $d/key.pem;
        location / { proxy_pass http://127.0.0.1:$port2; }
    }
    server {
        listen 127.0.0.1:$port2;
        access_log off;
        location / { return 202 '{"accepted":1}'; }
    }
}
CONF
nginx -c "$d/nginx.conf" -p "$d" &
LT_PIDS+=($!)
lt_wait_port "$port"

"$LOADTAPE" synth realistic -o "$LT_TMP/t.tape" --rate 200 --duration 1s --seed 4 2>/dev/null
"$LOADTAPE" replay "$LT_TMP/t.tape" --target "https://127.0.0.1:$port" --speed 4 -c 8 -k --json \
    >"$LT_TMP/out.json"
n=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); r=j["requests"]; assert r["ok"]==r["scheduled"], (r, j["errors"]); print(r["ok"])' "$LT_TMP/out.json")
sleep 0.2
lt_eq "requests over HTTP/2" "$n" "$(grep -c '^HTTP/2.0 POST /collect/' "$d/logs/access.log")"
# without -k the self-signed certificate is refused: every request fails, exit 1
rc=0
"$LOADTAPE" replay "$LT_TMP/t.tape" --target "https://127.0.0.1:$port" --limit 5 --json \
    >"$LT_TMP/bad.json" 2>/dev/null || rc=$?
lt_eq "unverified certificate exit" 1 "$rc"
lt_eq "tls errors" 5 "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errors"]["other"])' "$LT_TMP/bad.json")"
echo ok
