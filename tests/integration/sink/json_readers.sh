#!/usr/bin/env bash
# JSON on every path that reads it from outside: a UTF-8 event type comes back intact in
# the sink's error message, and one reader refuses the same bad JSON in a sink POST, a
# JSONL import line, a HAR entry and a scenario file.
source "$LT_TEST_ROOT/lib.sh"
lt_need_cmd python3
here=$(cd "$(dirname "$0")" && pwd)
cd "$LT_TMP"
python3 "$here/json_readers.py"
