# replay_timing.sh - --speed 2 takes half the trace's time (within 2%); --rate
# holds its rate; --spike windows carry FACTOR times the rate. Arrival times
# come from nginx's own log ($msec), independently of loadtape's numbers.
source "$LT_TEST_ROOT/lib.sh"
source "$LT_TEST_ROOT/integration/replay/replay_lib.sh"
set -euo pipefail

# Under sanitizers (LT_SANITIZED=1, several times slower) the rates are lower;
# the ratios checked are the same.
k=1
[ "${LT_SANITIZED:-0}" = 1 ] && k=4
port=$(lt_free_port)
start_nginx_msec "$port"
T=$LT_TMP/t.tape
"$LOADTAPE" synth baseline -o "$T" --rate $((1000 / k)) --duration 4s --seed 3 2>/dev/null
n=$("$LOADTAPE" inspect --json "$T" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
span=$("$LOADTAPE" inspect --json "$T" | python3 -c 'import json,sys; j=json.load(sys.stdin); print((j["last_ts_ns"]-j["first_ts_ns"])/1e9)')

# arrivals LINES_FROM: arrival times (s) of the requests logged after line LINES_FROM
arrivals() {
    sleep 0.2
    tail -n +"$(($1 + 1))" "$NGX_LOG" | cut -d' ' -f1 | sort -n >"$LT_TMP/arr.txt"
}

# per_second RATE [SPIKE_FACTOR PERIOD DUR]: counts per wall second of the arrivals,
# aligned on the schedule (median offset of arrival - intended time, paired in order)
per_second() {
    python3 - "$LT_TMP/arr.txt" "$@" <<'PY'
import sys
arr = [float(l) for l in open(sys.argv[1])]
rate = float(sys.argv[2])
def warp(b):
    if len(sys.argv) < 6:
        return b
    f, p, d = (float(x) for x in sys.argv[3:6])
    calm = p - d
    per = calm + d * f
    k = int(b // per)
    r = b - k * per
    return k * p + (r if r < calm else calm + (r - calm) / f)
sched = [warp(i / rate) for i in range(len(arr))]
off = sorted(a - s for a, s in zip(arr, sched))[len(arr) // 2]
secs = [0] * (int(arr[-1] - off) + 2)
for a in arr:
    secs[max(0, int(a - off))] += 1
print(*secs)
PY
}

# --speed 2: half the trace's time
before=$(wc -l <"$NGX_LOG")
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --speed 2 --json >"$LT_TMP/s.json"
arrivals "$before"
wire=$(python3 -c 'import sys; a=[float(l) for l in open(sys.argv[1])]; print(a[-1]-a[0])' "$LT_TMP/arr.txt")
python3 - "$span" "$wire" "$LT_TMP/s.json" <<'PY'
import json, sys
span, wire, j = float(sys.argv[1]), float(sys.argv[2]), json.load(open(sys.argv[3]))
want = span / 2
assert abs(wire - want) <= 0.02 * want, ("on the wire", wire, want)
assert abs(j["duration_s"] - want) <= 0.02 * want + 0.01, ("reported", j["duration_s"], want)
assert j["requests"]["completed"] == j["requests"]["scheduled"]
PY

# --rate R (1500): the tape's n requests over (n-1)/R s, about R in each full second
rate=$((1500 / k))
before=$(wc -l <"$NGX_LOG")
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate "$rate" --json >"$LT_TMP/r.json"
arrivals "$before"
wire=$(python3 -c 'import sys; a=[float(l) for l in open(sys.argv[1])]; print(a[-1]-a[0])' "$LT_TMP/arr.txt")
python3 - "$n" "$rate" "$wire" $(per_second "$rate") <<'PY'
import sys
n, rate, wire, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), [int(x) for x in sys.argv[4:]]
want = (n - 1) / rate
assert abs(wire - want) <= 0.02 * want, ("rate span", wire, want)
for s in secs[:2]:
    assert abs(s - rate) <= 0.03 * rate, ("per second", secs)
PY

# --rate 400 --spike 4x:1s/2s: seconds [1,2) and [3,4) carry 1600
base=$((400 / k))
before=$(wc -l <"$NGX_LOG")
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --rate "$base" --spike 4x:1s/2s --json >"$LT_TMP/p.json"
arrivals "$before"
python3 - "$base" $(per_second "$base" 4 2 1) <<'PY'
import sys
b = int(sys.argv[1])
secs = [int(x) for x in sys.argv[2:]]
want = [b, 4 * b, b, 4 * b]
assert len(secs) >= 4, secs
for got, w in zip(secs[:4], want):
    assert abs(got - w) <= 0.05 * w, ("spike windows", secs)
PY
echo ok
