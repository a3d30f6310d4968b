# suite.sh - 'loadtape suite' end to end: against the embedded sink (all pass, exit 0),
# with a threshold no scenario can pass (exit 3), against nginx (which accepts the
# invalid events: errors fails, exit 3), and stopped by SIGTERM (exit 4, with the
# default thresholds); the files of each scenario, index.html and summary.json checked
# exactly. Only error-rate thresholds are judged to pass or fail here: whether a
# latency term holds depends on the machine's load, and tests assert no timings.
source "$LT_TEST_ROOT/lib.sh"
set -euo pipefail

names="baseline payload realistic burst errors"

# check_files DIR: every scenario's six files, and index.html linking each report
check_files() {
    local n f
    for n in $names; do
        for f in "$n.tape" "$n.res" "$n.json" "$n.html" "${n}_stats.csv" "${n}_stats_history.csv"; do
            [ -s "$1/$f" ] || lt_fail "$1/$f missing or empty"
        done
        grep -q "<a href=\"$n.html\">$n</a>" "$1/index.html" || lt_fail "index.html lacks $n"
        lt_eq "$n: Aggregated row" 1 "$(grep -c '^,Aggregated,' "$1/${n}_stats.csv")"
        grep -q '<svg' "$1/$n.html" || lt_fail "$n.html has no chart"
    done
    [ -s "$1/summary.json" ] || lt_fail "no summary.json"
}

# 1. the embedded sink: every scenario passes (nothing fails: invalid events get the 400
# they should)
rc=0
"$LOADTAPE" suite --out "$LT_TMP/s" --duration 2s --rate 600 --slo 'error_rate<1%' \
    >"$LT_TMP/s.out" 2>"$LT_TMP/s.err" || rc=$?
lt_eq "suite against the sink: exit" 0 "$rc"
check_files "$LT_TMP/s"
grep -q '^suite: pass; the reports: ' "$LT_TMP/s.out" || lt_fail "no verdict line: $(cat "$LT_TMP/s.out")"
for n in $names; do
    "$LOADTAPE" inspect "$LT_TMP/s/$n.tape" --json >"$LT_TMP/$n.inspect"
done
python3 - "$LT_TMP" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/s/summary.json"))
assert j["verdict"] == "pass" and j["exit"] == 0, (j["verdict"], j["exit"])
assert j["embedded_sink"] is True and j["target"].startswith("http://127.0.0.1:"), j["target"]
assert j["rate"] == 600 and j["duration_s"] == 2, (j["rate"], j["duration_s"])
names = [s["name"] for s in j["scenarios"]]
assert names == ["baseline", "payload", "realistic", "burst", "errors"], names
rates = {s["name"]: s["rate"] for s in j["scenarios"]}
assert rates == {"baseline": 600, "payload": 30, "realistic": 60, "burst": 60, "errors": 60}, rates
for s in j["scenarios"]:
    n = s["name"]
    assert s["verdict"] == "pass" and s["exit"] == 0, (n, s["verdict"], s["exit"])
    assert s["slo"] == "error_rate<1%", (n, s["slo"])
    assert s["ok"] == ("expected" if n == "errors" else "2xx"), (n, s["ok"])
    assert s["files"] == {"tape": n + ".tape", "results": n + ".res", "summary": n + ".json",
                          "report": n + ".html", "stats_csv": n + "_stats.csv",
                          "history_csv": n + "_stats_history.csv"}, s["files"]
    r = s["summary"]["requests"]
    tape = json.load(open("%s/%s.inspect" % (d, n)))
    # every record of the tape was sent and answered, and it is what the replay wrote
    assert r["scheduled"] == r["completed"] == tape["records"], (n, r, tape["records"])
    assert s["summary"] == json.load(open("%s/s/%s.json" % (d, n))), n
    assert [(t["expr"], t["pass"]) for t in s["summary"]["slo"]] == [("error_rate<1%", True)], n
    assert s["summary"]["groups"], n
e = [s for s in j["scenarios"] if s["name"] == "errors"][0]["summary"]
invalid = sum(json.load(open(d + "/errors.inspect"))["source"]["invalid"].values())
# --ok expected: each invalid event's 400 is what it should get
assert e["status"]["400"] == invalid > 0 and e["requests"]["failed"] == 0, (e["status"], invalid)
open(d + "/invalid", "w").write(str(invalid))
PY
lt_eq "text table" "scenario verdict
baseline pass
payload pass
realistic pass
burst pass
errors pass" "$(awk 'NR <= 6 { print $1, $2 }' "$LT_TMP/s.out")"

# 2. a threshold no run can pass: every scenario fails, exit 3
rc=0
"$LOADTAPE" suite --out "$LT_TMP/f" --duration 1s --rate 600 --slo 'error_rate<0%' --progress \
    >"$LT_TMP/f.out" 2>"$LT_TMP/f.err" || rc=$?
lt_eq "failing threshold: exit" 3 "$rc"
# --progress: which scenario runs, and how it ended (without it, as in 1., none of this)
lt_eq "progress lines" "suite: [1/5] baseline: synth 600 events/s for 1.00s
suite: [1/5] baseline: fail
suite: [2/5] payload: synth 30 events/s for 1.00s
suite: [2/5] payload: fail
suite: [3/5] realistic: synth 60 events/s for 1.00s
suite: [3/5] realistic: fail
suite: [4/5] burst: synth 60 events/s for 1.00s
suite: [4/5] burst: fail
suite: [5/5] errors: synth 60 events/s for 1.00s
suite: [5/5] errors: fail" "$(tr '\r' '\n' <"$LT_TMP/f.err" | grep -E '^suite: \[[1-5]/5\] [a-z]+: (synth|fail)')"
grep -q '^suite: \[' "$LT_TMP/s.err" && lt_fail "progress shown without a terminal"
check_files "$LT_TMP/f"
lt_eq "failing threshold: verdicts" "fail 3 fail:3 fail:3 fail:3 fail:3 fail:3 error_rate<0%" \
    "$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["verdict"], j["exit"], " ".join("%s:%d" % (s["verdict"], s["exit"]) for s in j["scenarios"]),
      j["scenarios"][0]["slo"])' "$LT_TMP/f/summary.json")"
grep -q '<td class="fail">fail</td>' "$LT_TMP/f/index.html" || lt_fail "index.html shows no failure"

# 3. nginx answers 202 to everything: under --ok expected the invalid events fail
port=$(lt_free_port)
lt_start_nginx "$port"
rc=0
"$LOADTAPE" suite --target "http://127.0.0.1:$port" --out "$LT_TMP/n" --duration 2s --rate 600 \
    --slo 'error_rate<1%' >"$LT_TMP/n.out" 2>"$LT_TMP/n.err" || rc=$?
lt_eq "against nginx: exit" 3 "$rc"
check_files "$LT_TMP/n"
python3 - "$LT_TMP/n/summary.json" "$(cat "$LT_TMP/invalid")" "$port" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
invalid = int(sys.argv[2])
assert j["target"] == "http://127.0.0.1:" + sys.argv[3] and j["embedded_sink"] is False
assert (j["verdict"], j["exit"]) == ("fail", 3), (j["verdict"], j["exit"])
v = {s["name"]: (s["verdict"], s["exit"]) for s in j["scenarios"]}
assert v == {"baseline": ("pass", 0), "payload": ("pass", 0), "realistic": ("pass", 0),
             "burst": ("pass", 0), "errors": ("fail", 3)}, v
e = [s for s in j["scenarios"] if s["name"] == "errors"][0]["summary"]
# the same seed, the same tape: exactly the events the sink refused
assert e["status"] == {"202": e["requests"]["completed"]}, e["status"]
assert e["requests"]["failed"] == invalid, (e["requests"], invalid)
PY
# nginx saw every request of the five tapes
total=0
for n in $names; do
    total=$((total + $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$LT_TMP/$n.inspect")))
done
for i in $(seq 50); do [ "$(wc -l <"$LT_NGINX_LOG")" -ge "$total" ] && break; sleep 0.1; done
lt_eq "requests nginx logged" "$total" "$(wc -l <"$LT_NGINX_LOG")"

# 4. stopped by SIGTERM during the first replay: inconclusive, exit 4, the rest not run
"$LOADTAPE" suite --out "$LT_TMP/t" --duration 20s --rate 600 >"$LT_TMP/t.out" 2>"$LT_TMP/t.err" &
suite=$!
LT_PIDS+=($suite)
for i in $(seq 300); do [ -s "$LT_TMP/t/baseline.res" ] && break; sleep 0.1; done
[ -s "$LT_TMP/t/baseline.res" ] || lt_fail "the first replay never wrote its results"
kill -TERM "$suite"
rc=0
wait "$suite" || rc=$?
lt_eq "stopped: exit" 4 "$rc"
lt_eq "stopped: verdicts" "inconclusive 4 inconclusive:4 not run:None not run:None not run:None not run:None True" \
    "$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["verdict"], j["exit"], " ".join("%s:%s" % (s["verdict"], s["exit"]) for s in j["scenarios"]),
      j["scenarios"][0]["summary"]["interrupted"])' "$LT_TMP/t/summary.json")"
# the default thresholds, baseline's with its throughput term (5/6 of the rate)
lt_eq "default thresholds" \
    "p50<50ms,p95<100ms,p99<200ms,throughput>=500 p50<50ms p95<100ms p99<200ms throughput>=500" \
    "$(python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))["scenarios"][0]
print(b["slo"], " ".join(t["expr"] for t in b["summary"]["slo"]))' "$LT_TMP/t/summary.json")"
[ ! -e "$LT_TMP/t/payload.tape" ] || lt_fail "payload ran after the stop"

# usage errors
rc=0
"$LOADTAPE" suite --rate 10 2>"$LT_TMP/u.err" || rc=$?
lt_eq "--rate 10: exit" 2 "$rc"
rc=0
"$LOADTAPE" suite --slo 'p99<' 2>"$LT_TMP/u.err" || rc=$?
lt_eq "--slo bad: exit" 2 "$rc"
echo ok
