# replay_threads.sh - worker threads never split a session: with --keep-order
# and --threads 2 every session's requests reach nginx in order, one after the
# other's answer, and the totals are exact; the same tape on one thread gives
# the same counters, and report rebuilds the same numbers from the results.
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail
lt_need_cmd python3

# 200 sessions x 15 requests, interleaved, over 1.5 s: /s/SESSION/SEQ
python3 - >"$LT_TMP/t.jsonl" <<'PY'
import json
i = 0
for seq in range(15):
    for s in range(200):
        print(json.dumps({"ts_ns": i * 500000, "session": s + 1, "method": "POST",
                          "url": "/s/%d/%d" % (s + 1, seq), "headers": [], "body": "x"}))
        i += 1
PY
"$LOADTAPE" import "$LT_TMP/t.jsonl" -o "$LT_TMP/t.tape" 2>/dev/null

port=$(lt_free_port)
start_nginx_msec "$port"
for n in 2 1; do
    : >"$NGX_LOG"
    "$LOADTAPE" replay "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" --keep-order \
        --threads "$n" -c 16 -o "$LT_TMP/t$n.res" --json >"$LT_TMP/t$n.json"
    invariants "$LT_TMP/t$n.json"
    lt_eq "threads $n: completed" 3000 "$(jget "$LT_TMP/t$n.json" 'j["requests"]["completed"]')"
    lt_eq "threads $n: ok" 3000 "$(jget "$LT_TMP/t$n.json" 'j["requests"]["ok"]')"
    lt_eq "threads $n: in the run" "$n" "$(jget "$LT_TMP/t$n.json" 'j["run"]["threads"]')"
    for i in $(seq 50); do [ "$(wc -l <"$NGX_LOG")" -ge 3000 ] && break; sleep 0.1; done
    python3 - "$NGX_LOG" <<'PY'
import sys, collections
last = collections.defaultdict(lambda: -1)
n = 0
for line in open(sys.argv[1]):
    _, method, uri, status = line.split()
    _, _, s, seq = uri.split("/")
    assert int(seq) == last[s] + 1, "session %s: %s after %d" % (s, seq, last[s])
    last[s] = int(seq)
    n += 1
assert n == 3000 and len(last) == 200 and all(v == 14 for v in last.values()), (n, len(last))
PY
    # the results file rebuilds the same numbers
    "$LOADTAPE" report "$LT_TMP/t$n.res" --format json >"$LT_TMP/r$n.json"
    lt_eq "threads $n: report" "$(jget "$LT_TMP/t$n.json" '[j["requests"], j["status"], j["latency_ms"]["count"]]')" \
        "$(jget "$LT_TMP/r$n.json" '[j["requests"], j["status"], j["latency_ms"]["count"]]')"
done
# one thread or two: the same counters
lt_eq "threads 1 = 2" "$(jget "$LT_TMP/t1.json" '[j["requests"][k] for k in ("scheduled", "sent", "completed", "ok", "failed")]')" \
    "$(jget "$LT_TMP/t2.json" '[j["requests"][k] for k in ("scheduled", "sent", "completed", "ok", "failed")]')"

# without --keep-order, 4 threads on 3 connections: no more threads than connections
"$LOADTAPE" replay "$LT_TMP/t.tape" --target "http://127.0.0.1:$port" --threads 4 -c 3 \
    --rate 5000 --json >"$LT_TMP/t4.json"
invariants "$LT_TMP/t4.json"
lt_eq "threads capped at -c" 3 "$(jget "$LT_TMP/t4.json" 'j["run"]["threads"]')"
lt_eq "completed" 3000 "$(jget "$LT_TMP/t4.json" 'j["requests"]["completed"]')"
echo ok
