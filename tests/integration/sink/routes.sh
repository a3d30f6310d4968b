#!/usr/bin/env bash
# The sink's routes and answers with curl and http.client; /stats counts exactly.
source "$LT_TEST_ROOT/lib.sh"
lt_need_cmd curl python3
python3 "$(dirname "$0")/routes.py"
