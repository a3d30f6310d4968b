#!/usr/bin/env bash
# replay-burst.sh - closed-loop capacity, side by side in one run on the same nginx:
# 'loadtape replay --burst' (native engine and --engine curl) vs wrk, h2load (--h1),
# hey and Locust (FastHttpUser), the same small JSON POST and the same connection
# count for all.
#
# Part 1: nginx has one worker pinned to CPU 0; every client is pinned to CPU 1 and
# runs one thread (loadtape --threads 1, wrk -t1, h2load -t1, hey -cpus 1).
# Part 2: nginx with 2 workers, loadtape at its default thread count vs wrk -t2, all
# unpinned.
#
# Each round runs every tool once, the tools in a rotated order, and the round's
# ratios to wrk are taken within it; the table gives medians over RUNS rounds.
# requests/s = the tool's own count of completed requests / its own duration
# (loadtape: "completed" and "duration_s" of --json). Client CPU = user + sys of the
# client process and its children (wait4). nginx's own request counter
# (stub_status) is read around every run as a check of the tool's count, and every
# run must have had only 2xx answers. Before the measured rounds, a short check
# run of every tool against a second nginx that logs every request shows that all
# send POSTs with the same body and that nginx answered 202.
#
# usage: bench/replay-burst.sh [BUILD_DIR]   (default: build)
#        env: CONNS (32), SECS (5), RUNS (5), TOOLS (part 1's, in order),
#             PART2 (1; 0 skips it), LOCUST (1; 0 skips Locust, the slowest),
#             RT (0; 1 runs nginx and every client at real-time priority, chrt -f 10,
#             which keeps the other jobs of a shared machine off their CPUs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
lt=$build/cli/loadtape
[ -x "$lt" ] || { echo "no $lt: build first" >&2; exit 1; }
CONNS=${CONNS:-32}
SECS=${SECS:-5}
RUNS=${RUNS:-5}
PART2=${PART2:-1}
LOCUST=${LOCUST:-1}
RT=${RT:-0}
rt=
[ "$RT" != 1 ] || rt="chrt -f 10"
TOOLS=${TOOLS:-loadtape loadtape-curl wrk h2load hey$([ "$LOCUST" = 0 ] || echo " locust")}
. "$root/bench/bench_lib.sh"
bench_init replay-burst nginx wrk h2load hey taskset curl python3
[ "$LOCUST" = 0 ] || command -v locust >/dev/null || { echo "needs locust (LOCUST=0 skips it)" >&2; exit 1; }
body='{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1"}'
printf '%s' "$body" >"$tmp/body.json"

# the same request for every tool: loadtape replays a 100k-record tape with --loop
python3 - "$body" >"$tmp/t.jsonl" <<'PY'
import json, sys
for i in range(100000):
    print(json.dumps({"ts_ns": i * 1000, "session": i % 1000, "method": "POST", "url": "/collect/web",
                      "headers": [["Host", "x"], ["Content-Type", "application/json"]], "body": sys.argv[1]}))
PY
"$lt" import "$tmp/t.jsonl" -o "$tmp/t.tape" 2>/dev/null
cat >"$tmp/post.lua" <<EOF2
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
EOF2
cat >"$tmp/locustfile.py" <<EOF2
from locust import task, constant
from locust.contrib.fasthttp import FastHttpUser
class U(FastHttpUser):
    wait_time = constant(0)
    @task
    def post(self):
        self.client.post("/collect/web", data='$body', headers={"Content-Type": "application/json"})
EOF2

# cmd TOOL PIN THREADS SECS: the command line of TOOL against $port (PIN: taskset prefix)
cmd() {
    local tool=$1 pin=$2 th=$3 secs=$4 url=http://127.0.0.1:$port/collect/web
    case $tool in
    loadtape | loadtape-curl)
        local eng=native
        [ "$tool" = loadtape ] || eng=curl
        echo "$pin $lt replay $tmp/t.tape --target http://127.0.0.1:$port --burst --engine $eng" \
            "${th:+--threads $th} -c $CONNS --loop 1000 --duration ${secs}s --json" ;;
    wrk) echo "$pin wrk -t${th:-2} -c $CONNS -d ${secs}s -s $tmp/post.lua $url" ;;
    h2load) echo "$pin h2load --h1 -t1 -c $CONNS -m 1 -D $secs -d $tmp/body.json" \
        "-H Content-Type:application/json $url" ;;
    hey) echo "$pin hey -cpus 1 -c $CONNS -z ${secs}s -m POST -D $tmp/body.json -T application/json $url" ;;
    locust) echo "$pin locust -f $tmp/locustfile.py --headless -u $CONNS -r $CONNS -t ${secs}s" \
        "--host http://127.0.0.1:$port --only-summary" ;;
    esac
}

# measure OUT CMD...: runs CMD (stdout+stderr to OUT), prints its user+sys CPU seconds
measure() {
    local out=$1
    shift
    python3 - "$out" "$@" <<'PY'
import os, sys, subprocess
with open(sys.argv[1], "wb") as f:
    p = subprocess.Popen(sys.argv[2:], stdout=f, stderr=subprocess.STDOUT)
    _, status, ru = os.wait4(p.pid, 0)
print(ru.ru_utime + ru.ru_stime)
PY
}

# counts TOOL OUT SECS: "completed seconds non2xx_or_errors" from the tool's own report
cat >"$tmp/counts.py" <<'PY'
import csv, json, re, sys
tool, out, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
t = open(out, errors="replace").read()
if tool.startswith("loadtape"):
    j = json.loads(t[t.index("{"):])
    r = j["requests"]
    print(r["completed"], j["duration_s"], r["completed"] - r["ok"] + r["errors"])
elif tool == "wrk":
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", t)
    bad = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", t))
    bad += sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", t))
    print(m.group(1), float(m.group(2)) / (1000 if m.group(3) == "ms" else 1), bad)
elif tool == "h2load":
    fin = float(re.search(r"finished in ([\d.]+)s", t).group(1))
    done, ok = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", t).groups()
    codes = re.search(r"status codes: (\d+) 2xx", t).group(1)
    print(done, fin, int(done) - int(codes) + int(done) - int(ok))
elif tool == "hey":
    total = float(re.search(r"Total:\s+([\d.]+) secs", t).group(1))
    st = [(int(c), int(n)) for c, n in re.findall(r"\[(\d+)\]\s+(\d+) responses", t)]
    errs = t.split("Error distribution:")[1] if "Error distribution:" in t else ""
    n = sum(n for _, n in st)
    print(n, total, sum(n for c, n in st if not 200 <= c < 300)
          + sum(int(x) for x in re.findall(r"\[(\d+)\]", errs)))
elif tool == "locust":
    # the final summary on stdout (its --csv file is written before the last requests end)
    f = next(l for l in t.splitlines() if l.split()[:1] == ["Aggregated"]).replace("|", " ").split()
    n, rps = int(f[1]), float(f[7])
    print(n, n / rps, f[2].split("(")[0])
PY

# nginx_rt: nginx (all its processes) at real-time priority when RT=1
nginx_rt() {
    local p
    [ "$RT" = 1 ] || return 0
    for p in $nginx_pid $(pgrep -P "$nginx_pid"); do chrt -f -a -p 10 "$p" >/dev/null; done
}

# run_one PART ROUND TOOL PIN THREADS: one measured run, appended to $tmp/rows
run_one() {
    local part=$1 round=$2 tool=$3 pin=$4 th=$5 before after cpu n secs bad
    before=$(bench_nginx_requests)
    # shellcheck disable=SC2046
    cpu=$(measure "$tmp/$tool.out" $(cmd "$tool" "$pin" "$th" "$SECS"))
    after=$(bench_nginx_requests)
    read -r n secs bad <<<"$(python3 "$tmp/counts.py" "$tool" "$tmp/$tool.out" "$SECS")" || {
        echo "cannot read $tool's report:" >&2; cat "$tmp/$tool.out" >&2; exit 1; }
    [ "$bad" = 0 ] || echo "  warning: $tool round $round: $bad non-2xx answers or errors" >&2
    echo "$part $round $tool $n $secs $cpu $((after - before - 1))" >>"$tmp/rows"
}

# check: every tool briefly against an nginx that logs every request
check() {
    local tool lines n0=0 n1
    nginx_log=$tmp/check.log bench_nginx 1
    : >"$tmp/check.log"
    printf '%-14s %9s  %s\n' tool requests "logged as (method status content-length request-bytes: count)"
    for tool in $TOOLS; do
        # shellcheck disable=SC2046
        measure "$tmp/check-$tool.out" $(cmd "$tool" "" 1 1) >/dev/null
        sleep 0.2
        n1=$(wc -l <"$tmp/check.log")
        lines=$(sed -n "$((n0 + 1)),${n1}p" "$tmp/check.log" | sort | uniq -c | sort -rn |
            awk '{ printf "%s%s %s %s %s: %s", (NR > 1 ? "; " : ""), $2, $3, $4, $5, $1 }')
        printf '%-14s %9d  %s\n' "$tool" $((n1 - n0)) "$lines"
        sed -n "$((n0 + 1)),${n1}p" "$tmp/check.log" | awk -v len=${#body} -v t="$tool" \
            '$1 != "POST" || $2 !~ /^2/ || $3 != len { bad++ } END { if (bad) {
                print "  " t ": " bad " requests not POST with a " len "-byte body or not 2xx" > "/dev/stderr"; exit 1 } }'
        n0=$n1
    done
    bench_nginx_stop
    echo
}

# round PART ROUND PIN THREADS TOOLS...: every tool once, starting at tool ROUND mod count
round() {
    local part=$1 r=$2 pin=$3 th=$4 i
    shift 4
    local tools=("$@") k=${#tools[@]}
    for i in $(seq 0 $((k - 1))); do
        run_one "$part" "$r" "${tools[$(((i + r) % k))]}" "$pin" "$th"
    done
}

summary() { # summary PART TITLE TOOLS...
    python3 - "$tmp/rows" "$@" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
part, title, tools = sys.argv[2], sys.argv[3], sys.argv[4:]
rows = [r for r in rows if r[0] == part]
by = {}
for _, rnd, tool, n, secs, cpu, ngx in rows:
    by.setdefault(tool, {})[rnd] = (int(n) / float(secs), float(cpu) / int(n) * 1e5, int(n), int(ngx))
w = by["wrk"]
med = lambda xs: st.median(xs)
print(title)
print("%-14s %9s %12s %10s %10s %9s  %s" % ("tool", "req/s", "CPU s/100k", "req/s/wrk", "CPU/wrk",
      "nginx/own", "req/s of the rounds"))
for t in tools:
    d = by[t]
    rps = [d[k][0] for k in d]
    cpu = [d[k][1] for k in d]
    rr = [d[k][0] / w[k][0] for k in d if k in w]
    cr = [d[k][1] / w[k][1] for k in d if k in w]
    chk = max(abs(d[k][3] - d[k][2]) / d[k][2] for k in d)
    print("%-14s %9.0f %12.3f %10.2f %10.2f %8.2f%%  %s" % (t, med(rps), med(cpu), med(rr), med(cr),
          100 * chk, " ".join("%.0f" % x for x in rps)))
PY
}

check
: >"$tmp/rows"
read -ra tl <<<"$TOOLS"
bench_nginx 1 on 0
nginx_rt
echo "part 1: nginx 1 worker on CPU 0, each client on CPU 1, one client thread, -c $CONNS${rt:+, $rt}"
for r in $(seq "$RUNS"); do round 1 "$r" "$rt taskset -c 1" 1 "${tl[@]}"; done
bench_nginx_stop
summary 1 "part 1 (medians of $RUNS rounds of $SECS s; ratios taken within each round)" "${tl[@]}"
if [ "$PART2" != 0 ]; then
    bench_nginx 2 on
    nginx_rt
    echo
    echo "part 2: nginx 2 workers, unpinned; loadtape at its default threads vs wrk -t2, -c $CONNS${rt:+, $rt}"
    for r in $(seq "$RUNS"); do round 2 "$r" "$rt" "" loadtape wrk; done
    bench_nginx_stop
    summary 2 "part 2 (medians of $RUNS rounds of $SECS s; ratios taken within each round)" loadtape wrk
fi
echo "(nginx/own: largest difference between nginx's count and the tool's over the runs;"
echo " loadtape: $(nproc) online CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
