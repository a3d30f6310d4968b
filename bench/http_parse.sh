#!/usr/bin/env bash
# bench/http_parse.sh - loadtape's HTTP/1.x parser against Debian's http-parser
# (libhttp-parser-dev) on the same pipelined event POSTs; prints MB/s,
# requests/s and the ratio. Needs a build (default ./build) for the libraries.
#
#   bench/http_parse.sh [BUILD_DIR] [REQUESTS] [PASSES]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build}
[ -f /usr/include/http_parser.h ] || { echo "bench/http_parse.sh: needs libhttp-parser-dev" >&2; exit 1; }
[ -f "$build/formats/liblt_formats.a" ] || { echo "bench/http_parse.sh: no build in '$build'" >&2; exit 1; }
tmp=$(mktemp -d /tmp/loadtape-bench-http.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/formats/include" -I"$root/common/include" \
    "$here/http_parse.c" "$build/formats/liblt_formats.a" "$build/common/liblt_common.a" \
    -lhttp_parser -lcjson -lzstd -o "$tmp/http_parse"
"$tmp/http_parse" "${2:-100000}" "${3:-5}"
