# replay_groups.sh - the per-endpoint breakdown against the sink: requests grouped by
# method and path (no query; /collect/{stream} by stream), exact counts and statuses
# per group in --json, the results file, report's text, json, csv and html; shards
# merge into exactly the groups of the whole run; --max-groups sends the rest to (other).
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail

# 60 valid web events (half with a query), 30 ios batches (with a query),
# 20 GET /health, 10 GET /stats?x=1, 5 POST /nowhere (404): 125 records, 1 ms apart
python3 - "$LT_TMP/g.jsonl" <<'PY'
import json, sys
ev = json.dumps({"type": "track", "event": "e", "userId": "u"})
rows = []
for i in range(125):
    if i < 60:
        m, u, b = "POST", "/collect/web" + ("?writeKey=k" if i % 2 else ""), ev
    elif i < 90:
        m, u, b = "POST", "/collect/ios?v=2", json.dumps({"batch": [json.loads(ev)] * 2})
    elif i < 110:
        m, u, b = "GET", "/health", ""
    elif i < 120:
        m, u, b = "GET", "/stats?x=1", ""
    else:
        m, u, b = "POST", "/nowhere", ev
    r = {"ts_ns": i * 1000000, "session": i, "method": m, "url": u,
         "headers": [["Content-Type", "application/json"]] if b else [], "body": b}
    rows.append(json.dumps(r))
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PY
"$LOADTAPE" import "$LT_TMP/g.jsonl" -o "$LT_TMP/g.tape" 2>/dev/null

port=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$port" >"$LT_TMP/sink.out" 2>&1 &
LT_PIDS+=($!)
lt_wait_port "$port"
url=http://127.0.0.1:$port

"$LOADTAPE" replay "$LT_TMP/g.tape" --target "$url" --threads 2 -c 4 --json \
    -o "$LT_TMP/all.res" >"$LT_TMP/all.json"
invariants "$LT_TMP/all.json"
cat >"$LT_TMP/want.py" <<'PY'
want = [  # method, path, requests, failed, status
    ("POST", "/collect/ios", 30, 0, {"202": 30}),
    ("POST", "/collect/web", 60, 0, {"202": 60}),
    ("GET", "/health", 20, 0, {"200": 20}),
    ("POST", "/nowhere", 5, 5, {"404": 5}),
    ("GET", "/stats", 10, 0, {"200": 10}),
]
PY
check_groups() {
    python3 - "$LT_TMP/want.py" "$1" <<'PY'
import json, sys
exec(open(sys.argv[1]).read())
j = json.load(open(sys.argv[2]))
got = [(g["method"], g["path"], g["requests"]["completed"], g["requests"]["failed"], g["status"])
       for g in j["groups"]]
assert got == want, got
# every group's numbers add up to the run's
for k in ("scheduled", "sent", "completed", "ok", "failed"):
    assert sum(g["requests"][k] for g in j["groups"]) == j["requests"][k], k
assert sum(g["latency_ms"]["count"] for g in j["groups"]) == j["latency_ms"]["count"]
assert sum(g["events"] for g in j["groups"]) == j["events"] == 60 + 30 * 2 + 5, j["events"]
assert [g.get("stream") for g in j["groups"]] == ["ios", "web", None, None, None]
assert "lag_ms" not in j["groups"][0] and "latency_ms" in j["groups"][0]
PY
}
check_groups "$LT_TMP/all.json"

# report rebuilds the same groups from the results file
"$LOADTAPE" report "$LT_TMP/all.res" --format json >"$LT_TMP/rep.json"
check_groups "$LT_TMP/rep.json"
python3 - "$LT_TMP/all.json" "$LT_TMP/rep.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["groups"] == b["groups"], "replay and report disagree"
PY
"$LOADTAPE" report "$LT_TMP/all.res" >"$LT_TMP/rep.txt"
lt_eq "text table header" 1 "$(grep -c '^endpoint  *requests  *failed  *req/s  *p50 ms  *p99 ms  *max ms$' "$LT_TMP/rep.txt")"
lt_eq "text rows" "POST /collect/ios:30:0 POST /collect/web:60:0 GET /health:20:0 POST /nowhere:5:5 GET /stats:10:0" \
    "$(sed -n '/^endpoint/,$p' "$LT_TMP/rep.txt" | tail -n +2 | awk '{ if (NR > 1) printf " "; printf "%s %s:%s:%s", $1, $2, $3, $4 }')"

# csv: a row per endpoint, then Aggregated
"$LOADTAPE" report "$LT_TMP/all.res" --format csv -o "$LT_TMP/c"
lt_eq "csv rows" "Type,Name,Request Count,Failure Count
POST,/collect/ios,30,0
POST,/collect/web,60,0
GET,/health,20,0
POST,/nowhere,5,5
GET,/stats,10,0
,Aggregated,125,5" "$(cut -d, -f1-4 "$LT_TMP/c_stats.csv")"

# html: the per-endpoint table
"$LOADTAPE" report "$LT_TMP/all.res" --format html -o "$LT_TMP/r.html"
for n in /collect/ios /collect/web /health /nowhere /stats; do
    grep -q "<td>$n</td>" "$LT_TMP/r.html" || lt_fail "html lacks the row of $n"
done

# two shards merge into exactly the whole run's groups
for i in 0 1; do
    "$LOADTAPE" replay "$LT_TMP/g.tape" --target "$url" --shard $i/2 -c 4 --json \
        -o "$LT_TMP/s$i.res" >"$LT_TMP/s$i.json"
done
python3 - "$LT_TMP/s0.json" "$LT_TMP/s1.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
# each shard got part of each group: the shards really differ
assert a["groups"] != b["groups"]
PY
"$LOADTAPE" report "$LT_TMP/s0.res" "$LT_TMP/s1.res" --format json >"$LT_TMP/merged.json"
check_groups "$LT_TMP/merged.json"

# --max-groups 2: the first two seen keep their names, the rest are (other)
"$LOADTAPE" replay "$LT_TMP/g.tape" --target "$url" --max-groups 2 -c 4 --json >"$LT_TMP/cap.json"
lt_eq "capped groups" "[('POST', '/collect/ios', 30), ('POST', '/collect/web', 60), ('', '(other)', 35)]" \
    "$(jget "$LT_TMP/cap.json" '[(g["method"], g["path"], g["requests"]["completed"]) for g in j["groups"]]')"
rc=0
"$LOADTAPE" replay "$LT_TMP/g.tape" --target "$url" --max-groups 0 2>"$LT_TMP/err" >/dev/null || rc=$?
lt_eq "--max-groups 0 exit" 2 "$rc"
echo ok
