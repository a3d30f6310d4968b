#!/usr/bin/env bash
# sink --record: export gives back what was sent; SIGTERM while busy leaves a valid tape.
source "$LT_TEST_ROOT/lib.sh"
lt_need_cmd python3 ab
python3 "$(dirname "$0")/record.py"
