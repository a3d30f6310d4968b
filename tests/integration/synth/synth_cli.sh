#!/usr/bin/env bash
# synth_cli.sh - 'loadtape synth' as users drive it: the same arguments give
# the same bytes, each example scenario file gives the same tape as its
# built-in, bad input gets one clear error and the right exit status, and
# inspect shows the rate, the mix and the invalid share of a synth tape.
source "$LT_TEST_ROOT/lib.sh"
EX="$LT_SRC_ROOT/examples/scenarios"
T=$LT_TMP
lt=("$LOADTAPE")

# exit status and stderr of a command expected to fail: expect_fail CODE PATTERN cmd...
expect_fail() {
    local code=$1 pat=$2 rc=0
    shift 2
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    lt_eq "exit status of: $*" "$code" "$rc"
    grep -qF -- "$pat" "$T/err" || lt_fail "stderr of '$*' lacks [$pat]: $(cat "$T/err")"
    [ "$(grep -c 'error:' "$T/err")" = 1 ] || lt_fail "not one error line: $(cat "$T/err")"
}

# 1. Determinism: same arguments and seed, same bytes; another seed, other bytes.
for sc in baseline payload realistic burst errors; do
    "${lt[@]}" synth "$sc" --count 4000 -o "$T/$sc-a.tape" -q
    "${lt[@]}" synth "$sc" --count 4000 -o "$T/$sc-b.tape" -q
    cmp -s "$T/$sc-a.tape" "$T/$sc-b.tape" || lt_fail "$sc: two runs differ"
    "${lt[@]}" synth "$sc" --count 4000 --seed 2 -o "$T/$sc-c.tape" -q
    cmp -s "$T/$sc-a.tape" "$T/$sc-c.tape" && lt_fail "$sc: seed 2 gives the same tape"
    # 2. The example file is the built-in, byte for byte on the tape.
    "${lt[@]}" synth "$EX/$sc.json" --count 4000 -o "$T/$sc-file.tape" -q
    cmp -s "$T/$sc-a.tape" "$T/$sc-file.tape" || lt_fail "$sc: example file differs from built-in"
done
# ... with every override too, and through standard output.
args=(--rate 2k --duration 3s --seed 9 --arrivals poisson --streams a,b --users 50
      --spike 3x:500ms/2s --origin 2025-06-01T12:00:00Z --level 5)
"${lt[@]}" synth realistic "${args[@]}" -o "$T/o1.tape" -q
"${lt[@]}" synth "$EX/realistic.json" "${args[@]}" -o - -q >"$T/o2.tape"
cmp -s "$T/o1.tape" "$T/o2.tape" || lt_fail "overridden example differs from overridden built-in"
# Nothing from the clock: a tape made a second later is the same.
sleep 1
"${lt[@]}" synth realistic "${args[@]}" -o "$T/o3.tape" -q
cmp -s "$T/o1.tape" "$T/o3.tape" || lt_fail "a later run differs"

# 3. inspect shows what was asked for.
"${lt[@]}" inspect --json "$T/o1.tape" >"$T/o1.json"
python3 - "$T/o1.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
src = j["source"]
assert src["kind"] == "synth" and src["scenario"] == "realistic" and src["seed"] == 9, src
p = src["parameters"]
assert p["spike"] == "3x:500ms/2s", p
assert p["streams"] == ["a", "b"] and p["users"] == 50, p
assert p["phases"] == [{"rate": 2000, "arrivals": "poisson"}], p["phases"]
assert p["origin"] == "2025-06-01T12:00:00.000000000Z", p
assert j["origin"] == "2025-06-01T12:00:00.000000000Z", j["origin"]
assert p["events"]["mix"] == {"track": 60, "identify": 30, "page": 10}, p["events"]
assert {s for s, _ in j["top_streams"]} == {"a", "b"}, j["top_streams"]
assert j["last_ts_ns"] < 3_000_000_000
PY
"${lt[@]}" synth realistic --arrivals constant --rate 500 --duration 20s -o "$T/c.tape" -q
"${lt[@]}" inspect --json "$T/c.tape" >"$T/c.json"
python3 - "$T/c.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["records"] == 10000, j["records"]          # 500/s x 20 s, exactly
assert abs(j["mean_rps"] - 500) < 1, j["mean_rps"]
assert j["peak_rps"] == 500, j["peak_rps"]
# the mix made, exactly 60/30/10 (10 in every 100 is exact per window of 100)
assert j["source"]["events"] == {"track": 6000, "identify": 3000, "page": 1000}, j["source"]
assert j["source"]["invalid"] == {}, j["source"]
PY
"${lt[@]}" synth errors --count 10000 -o "$T/e.tape" -q
"${lt[@]}" inspect --json "$T/e.tape" >"$T/e.json"
python3 - "$T/e.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["flags"] == {"invalid": 1000}, j["flags"]   # 10 in every 100
kinds = ["malformed_json", "missing_type", "unknown_type", "track_without_event", "wrong_field_type"]
assert j["source"]["invalid"] == {k: 200 for k in kinds}, j["source"]["invalid"]
assert sum(j["source"]["events"].values()) == 10000, j["source"]["events"]
PY
# The text form shows the rate and the scenario.
"${lt[@]}" inspect "$T/c.tape" >"$T/c.txt"
grep -q "realistic" "$T/c.txt" || lt_fail "inspect text lacks the scenario"
grep -q '"track":6000,"identify":3000,"page":1000' "$T/c.txt" || lt_fail "inspect text lacks the mix"
grep -q '^rate  *500\.[0-9]/s mean, 500/s peak' "$T/c.txt" || lt_fail "inspect text lacks the rate"

# 4. The spike's windows carry FACTOR times the rate (exported times).
"${lt[@]}" synth burst --duration 60s -o "$T/burst.tape" -q
"${lt[@]}" export "$T/burst.tape" -o "$T/burst.jsonl"
python3 - "$T/burst.jsonl" <<'PY'
import json, sys
inwin = calm = 0
for line in open(sys.argv[1]):
    t = json.loads(line)["ts_ns"]
    if t % 30_000_000_000 >= 25_000_000_000: inwin += 1
    else: calm += 1
assert abs(inwin - 2 * 5 * 10000) <= 100, inwin   # 10x 1000/s in 2 windows of 5 s
assert abs(calm - 2 * 25 * 1000) <= 50, calm
PY

# 5. Errors: one line, exit 2 for usage, 1 for bad input.
expect_fail 2 "unknown scenario 'nosuch'" "${lt[@]}" synth nosuch -o "$T/x.tape"
expect_fail 2 "give --duration or --count, not both" \
    "${lt[@]}" synth baseline --count 5 --duration 1s -o "$T/x.tape"
expect_fail 2 "missing -o TAPE" "${lt[@]}" synth baseline --count 5
expect_fail 2 "--spike: invalid spike" "${lt[@]}" synth baseline --spike 10x -o "$T/x.tape"
expect_fail 2 "--arrivals: expected 'constant' or 'poisson'" \
    "${lt[@]}" synth baseline --arrivals bursty -o "$T/x.tape"
expect_fail 2 "invalid stream name 'a b'" "${lt[@]}" synth baseline --streams 'a b' -o "$T/x.tape"
expect_fail 2 "--rate: scenario 'launch-day' has 4 phases" \
    "${lt[@]}" synth "$EX/launch-day.json" --rate 5 -o "$T/x.tape"
printf '{"name":"x","duration":"1s","events":{"mix":{"trak":1}}}' >"$T/bad.json"
expect_fail 1 "scenario '$T/bad.json': key 'events.mix.trak': unknown key" \
    "${lt[@]}" synth "$T/bad.json" -o "$T/x.tape"
printf '{"phases":[{"rate":"lots"}],"duration":"1s"}' >"$T/bad2.json"
expect_fail 1 "key 'phases[0].rate': must be a rate" "${lt[@]}" synth "$T/bad2.json" -o "$T/x.tape"
expect_fail 1 "cannot open '$T/none.json'" "${lt[@]}" synth "$T/none.json" -o "$T/x.tape"
[ -e "$T/x.tape" ] && lt_fail "a failed synth left a tape behind"

# 6. The launch-day example runs (a ramp and spikes), bounded by --count.
"${lt[@]}" synth "$EX/launch-day.json" --count 20000 -o "$T/launch.tape" -q
"${lt[@]}" inspect --json "$T/launch.tape" | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["records"] == 20000 and j["source"]["scenario"] == "launch-day", j["records"]'
# 7. Ctrl-C: generation stops, the tape is closed and valid, exit status 1.
"${lt[@]}" synth baseline --count 1000000000 -o "$T/int.tape" 2>"$T/int.err" &
pid=$!
LT_PIDS+=("$pid")
for _ in $(seq 100); do
    [ "$(stat -c %s "$T/int.tape" 2>/dev/null || echo 0)" -gt 100000 ] && break
    sleep 0.1
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
lt_eq "exit status after SIGINT" 1 "$rc"
grep -q "interrupted: '$T/int.tape' holds the first" "$T/int.err" || lt_fail "no interruption note"
"${lt[@]}" inspect --json "$T/int.tape" | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["closed"] is True and 0 < j["records"] < 1000000000, (j["closed"], j["records"])'
echo "synth-cli: ok"
