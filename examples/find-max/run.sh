#!/usr/bin/env bash
# run.sh - the worked example of replay --find-max: a production-like tape, nginx on
# loopback in front of the sink letting 3,000 requests a second through (limit_req; 503
# above it), and the question "at what rate does it still answer with under 1% failing
# and p99 under 50 ms?", searched from 1,000 req/s. output.txt is what it printed on a
# 2-core machine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
loadtape=${LOADTAPE:-loadtape}
work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) $sink 2>/dev/null || true; rm -rf "$work"' EXIT
"$loadtape" sink --listen 127.0.0.1:8090 >/dev/null &
sink=$!
cp "$here/nginx.conf" "$work/"
(cd "$work" && nginx -p "$work" -c nginx.conf) &
sleep 1
"$loadtape" synth realistic -o "$work/prod.tape" --rate 1000 --duration 2m --seed 1 2>/dev/null
echo "\$ loadtape replay prod.tape --target http://127.0.0.1:8089 --rate 1000 --find-max \\"
echo "    --slo 'error_rate<1%,p99<50ms' --step 10s --cooldown 2s -o search.res"
"$loadtape" replay "$work/prod.tape" --target http://127.0.0.1:8089 --rate 1000 --find-max \
    --slo 'error_rate<1%,p99<50ms' --step 10s --cooldown 2s -o "$work/search.res" 2>&1
