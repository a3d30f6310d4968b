# replay_nginx.sh - exact counts against nginx's access log; report of the
# results file gives the same numbers; two shards merged equal the whole.
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail

port=$(lt_free_port)
start_nginx_msec "$port"
T=$LT_TMP/t.tape
"$LOADTAPE" synth realistic -o "$T" --rate 1000 --duration 2s --seed 5 2>/dev/null
n=$("$LOADTAPE" inspect --json "$T" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
[ "$n" -gt 1500 ] || lt_fail "tape too small: $n"

# the whole tape at 4x: every request reached nginx exactly once
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --speed 4 -c 16 -o "$LT_TMP/all.res" \
    --json >"$LT_TMP/all.json"
invariants "$LT_TMP/all.json"
lt_eq scheduled "$n" "$(jget "$LT_TMP/all.json" 'j["requests"]["scheduled"]')"
lt_eq sent "$n" "$(jget "$LT_TMP/all.json" 'j["requests"]["sent"]')"
lt_eq completed "$n" "$(jget "$LT_TMP/all.json" 'j["requests"]["completed"]')"
lt_eq ok "$n" "$(jget "$LT_TMP/all.json" 'j["requests"]["ok"]')"
lt_eq status "{'202': $n}" "$(jget "$LT_TMP/all.json" 'j["status"]')"
lt_eq mode speed "$(jget "$LT_TMP/all.json" 'j["mode"]')"
wait_lines "$NGX_LOG" "$n"
lt_eq "nginx saw" "$n" "$(wc -l <"$NGX_LOG")"

# report rebuilds exactly the numbers replay printed
"$LOADTAPE" report "$LT_TMP/all.res" --format json >"$LT_TMP/rep.json"
python3 - "$LT_TMP/all.json" "$LT_TMP/rep.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("mode", "target", "duration_s", "requests", "status", "errors", "throughput_rps",
          "latency_ms", "service_ms", "lag_ms", "error_rate", "bytes"):
    assert a[k] == b[k], (k, a[k], b[k])
PY
"$LOADTAPE" report "$LT_TMP/all.res" >"$LT_TMP/rep.txt"
grep -q "completed $n$" "$LT_TMP/rep.txt" && grep -q "^ *ok $n, failed 0 " "$LT_TMP/rep.txt" || lt_fail "text report: $(cat "$LT_TMP/rep.txt")"

# --rate with two shards: the halves merged give the whole run's counts
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 4000 --json -o "$LT_TMP/r.res" >"$LT_TMP/r.json"
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 4000 --shard 0/2 -o "$LT_TMP/s0.res" >/dev/null
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 4000 --shard 1/2 -o "$LT_TMP/s1.res" >/dev/null
"$LOADTAPE" report "$LT_TMP/s0.res" "$LT_TMP/s1.res" --format json >"$LT_TMP/m.json"
invariants "$LT_TMP/m.json"
python3 - "$LT_TMP/r.json" "$LT_TMP/m.json" "$LT_TMP/s0.res" "$LT_TMP/s1.res" "$LOADTAPE" <<'PY'
import json, subprocess, sys
whole, merged = (json.load(open(p)) for p in sys.argv[1:3])
# (held counts the client's own waits, which differ from run to run)
counts = lambda j: {k: v for k, v in j["requests"].items() if k != "held"}
assert counts(whole) == counts(merged), (whole["requests"], merged["requests"])
assert whole["status"] == merged["status"]
# each shard got a fair part, and the shards' histograms add up
parts = [json.loads(subprocess.check_output([sys.argv[5], "report", p, "--format", "json"]))
         for p in sys.argv[3:5]]
assert all(0.3 < p["requests"]["completed"] / whole["requests"]["completed"] < 0.7 for p in parts)
assert sum(p["latency_ms"]["count"] for p in parts) == merged["latency_ms"]["count"]
assert merged["latency_ms"]["max"] == max(p["latency_ms"]["max"] for p in parts)
assert merged["latency_ms"]["min"] == min(p["latency_ms"]["min"] for p in parts)
# both shards span the whole schedule (computed before the split): n/4000 s
span = (whole["requests"]["scheduled"] - 1) / 4000
for p in parts:
    assert p["duration_s"] >= 0.95 * span, (p["duration_s"], span)
PY
wait_lines "$NGX_LOG" "$((n * 3))"
lt_eq "nginx saw" "$((n * 3))" "$(wc -l <"$NGX_LOG")"

# only parts of one run merge: another rate, or the same shard twice, is refused with
# the difference named; --merge-any merges and says so
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 3000 --shard 1/2 --limit 50 \
    -o "$LT_TMP/o1.res" >/dev/null
rc=0
"$LOADTAPE" report "$LT_TMP/s0.res" "$LT_TMP/o1.res" >/dev/null 2>"$LT_TMP/mix.err" || rc=$?
lt_eq "different runs refused" 1 "$rc"
grep -q "not part of the same run as '.*s0.res': rate 3000 vs 4000" "$LT_TMP/mix.err" ||
    lt_fail "the refusal does not name the difference: $(cat "$LT_TMP/mix.err")"
# the same schedule with other rewrite rules is another run too; the rule's value (it may
# be a secret) is not in the results file, only the option's name and a hash
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 4000 --shard 1/2 \
    --set-field writeKey=STAGING_KEY_1 -o "$LT_TMP/w1.res" >/dev/null
rc=0
"$LOADTAPE" report "$LT_TMP/s0.res" "$LT_TMP/w1.res" >/dev/null 2>"$LT_TMP/rules.err" || rc=$?
lt_eq "other rewrite rules refused" 1 "$rc"
grep -q "not part of the same run as '.*s0.res': rules_id " "$LT_TMP/rules.err" ||
    lt_fail "the refusal does not name the rules: $(cat "$LT_TMP/rules.err")"
if grep -q STAGING_KEY_1 "$LT_TMP/w1.res"; then lt_fail "a rule's value is in the results file"; fi
grep -aq '"rules":\["set-field"\],"rules_id":"[0-9a-f]\{16\}"' "$LT_TMP/w1.res" ||
    lt_fail "the results metadata does not name the rules"
rc=0
"$LOADTAPE" report "$LT_TMP/s0.res" "$LT_TMP/s0.res" >/dev/null 2>"$LT_TMP/dup.err" || rc=$?
lt_eq "a shard twice refused" 1 "$rc"
grep -q "both shard 0/2" "$LT_TMP/dup.err" || lt_fail "no message for a shard given twice"
"$LOADTAPE" report "$LT_TMP/s0.res" "$LT_TMP/o1.res" --merge-any --format json \
    >"$LT_TMP/mix.json" 2>/dev/null
lt_eq "--merge-any says mixed" True "$(jget "$LT_TMP/mix.json" 'j["mixed_runs"]')"

# --limit and --loop with --fresh-ids
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 5000 --limit 100 --loop 3 \
    --fresh-ids --json >"$LT_TMP/l.json"
lt_eq "limit x loop" 300 "$(jget "$LT_TMP/l.json" 'j["requests"]["completed"]')"

# --from/--to: only the records in [first + 0.5 s, first + 1.25 s)
want=$("$LOADTAPE" export "$T" | python3 -c '
import json, sys
ts = [json.loads(l)["ts_ns"] for l in sys.stdin]
print(sum(1 for t in ts if ts[0] + 500000000 <= t < ts[0] + 1250000000))')
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --from 500ms --to 1250ms --speed 4 \
    --json >"$LT_TMP/ft.json"
lt_eq "--from/--to" "$want" "$(jget "$LT_TMP/ft.json" 'j["requests"]["completed"]')"

# --start-at: two shards started apart begin on the same wall-clock instant
at=$(python3 -c 'import time; print("%.3f" % (time.time() + 2.5))')
before=$(wc -l <"$NGX_LOG")
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 2000 --limit 200 --shard 0/2 \
    --start-at "$at" --json >"$LT_TMP/sa0.json" &
p0=$!
sleep 0.5
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate 2000 --limit 200 --shard 1/2 \
    --start-at "$at" --json >"$LT_TMP/sa1.json"
wait "$p0"
wait_lines "$NGX_LOG" "$((before + 200))"
tail -n +"$((before + 1))" "$NGX_LOG" | python3 -c '
import sys
at = float(sys.argv[1])
t = sorted(float(l.split()[0]) for l in sys.stdin)
assert len(t) == 200, len(t)
assert at - 0.002 <= t[0], ("a request before --start-at", t[0] - at)
assert t[0] < at + 0.5, ("first arrival late", t[0] - at)    # loose: shared CI machines
assert t[-1] - at < 0.9, ("200 at 2000/s take 0.1 s", t[-1] - at)' "$at"
echo ok
