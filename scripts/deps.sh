#!/usr/bin/env bash
# deps.sh - installs the Debian 12 packages loadtape builds, tests and benchmarks with,
# only those that are missing (apt-get update runs only when something is).
set -euo pipefail

build_pkgs="cmake make gcc pkg-config clang-format git libpcap-dev libzstd-dev libcurl4-openssl-dev libcjson-dev"
test_pkgs="libcmocka-dev clang libclang-rt-14-dev nginx-light curl apache2-utils wrk tcpdump tshark
           python3 python3-yaml iproute2 zstd gzip procps openssl time dpkg-dev file debootstrap man-db
           chromium"
bench_pkgs="python3-locust linux-perf hyperfine jq libhttp-parser-dev hey nghttp2-client"

case "${1:-test}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
bench) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
*) echo "usage: deps.sh [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
