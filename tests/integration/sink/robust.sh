#!/usr/bin/env bash
# Pipelining, garbage, oversized and slow requests, delays that never block.
source "$LT_TEST_ROOT/lib.sh"
lt_need_cmd python3
python3 "$(dirname "$0")/robust.py"
