# replay_lib.sh - helpers for the replay tests (source after tests/lib.sh).

# LT_ENGINE=native|curl runs every replay of a test with that engine: the same
# tests cover both (ctest registers each of them once per engine).
if [ -n "${LT_ENGINE:-}" ]; then
    lt_real_loadtape=$LOADTAPE
    LOADTAPE=$LT_TMP/loadtape-$LT_ENGINE
    cat >"$LOADTAPE" <<EOF
#!/bin/sh
if [ "\$1" = replay ]; then shift; exec "$lt_real_loadtape" replay --engine $LT_ENGINE "\$@"; fi
exec "$lt_real_loadtape" "\$@"
EOF
    chmod +x "$LOADTAPE"
fi

# start_nginx_msec PORT: nginx on 127.0.0.1:PORT answering 202, logging
# "$msec $request_method $request_uri $status" per request to $NGX_LOG.
start_nginx_msec() {
    lt_start_nginx "$1"
    NGX_LOG=$LT_NGINX_LOG
    NGX_DIR=$LT_NGINX_DIR
    NGX_MASTER=$LT_NGINX_MASTER
}

# nginx_worker: the pid of the (single) worker of the nginx started above.
nginx_worker() {
    local i
    for i in $(seq 50); do
        local w
        w=$(pgrep -P "$NGX_MASTER" | head -1 || true)
        [ -n "$w" ] && { echo "$w"; return 0; }
        sleep 0.1
    done
    lt_fail "no nginx worker"
}

# jget FILE PYEXPR: evaluates PYEXPR with j = the JSON object in FILE.
jget() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# start_fault MODE PORT [CAPTURE]: one of faultsrv.py's servers.
start_fault() {
    python3 "$LT_TEST_ROOT/integration/replay/faultsrv.py" "$@" >"$LT_TMP/fault-$2.out" &
    LT_PIDS+=($!)
    lt_wait_port "$2"
}

# invariants FILE: the counter invariants of DESIGN.md §4 hold in a --json summary.
invariants() {
    python3 - "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
r, e = j["requests"], j["errors"]
errs = sum(e.values())
assert r["scheduled"] == r["sent"] + r["skipped"] + r["not_sent_target_stalled"], r
assert r["sent"] == r["completed"] + errs + r["abandoned"], (r, e)
assert r["failed"] == r["completed"] - r["ok"] + errs + r["not_sent_target_stalled"], r
# every answer is timed, and so is every timeout (it was at least that slow)
assert j["latency_ms"]["count"] == r["completed"] + e["timeout"], (j["latency_ms"], e)
assert sum(j["status"].values()) == r["completed"], j["status"]
PY
}

# breach_rc FILE: the exit status a breached latency threshold must give for the run in
# the --json summary FILE: 3, or 4 (inconclusive) when that run was client-bound, as a
# loaded machine can make any run.
breach_rc() {
    if [ "$(jget "$1" 'j["client_bound"]')" = True ]; then echo 4; else echo 3; fi
}

# wait_lines FILE N: waits (up to 5 s) until FILE has N lines, for logs written after the answer.
wait_lines() {
    local i
    for i in $(seq 50); do
        [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
}
