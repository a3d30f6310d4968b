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

# arrivals LINES_FROM: prints the arrival span and the per-second counts of the
# requests logged after line LINES_FROM
arrivals() {
    tail -n +"$(($1 + 1))" "$NGX_LOG" | python3 -c '
import sys
t = sorted(float(l.split()[0]) for l in sys.stdin)
secs = [0] * (int(t[-1] - t[0]) + 1)
for x in t:
    secs[int(x - t[0])] += 1
print(round(t[-1] - t[0], 3), *secs)'
}

# --speed 2: half the trace's time
before=$(wc -l <"$NGX_LOG")
"$LOADTAPE" replay "$T" --target "http://127.0.0.1:$port" --speed 2 --json >"$LT_TMP/s.json"
sleep 0.2
read -r wire _ <<<"$(arrivals "$before")"
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
sleep 0.2
python3 - "$n" "$rate" $(arrivals "$before") <<'PY'
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
sleep 0.2
python3 - "$base" $(arrivals "$before") <<'PY'
import sys
b = int(sys.argv[1])
secs = [int(x) for x in sys.argv[3:]]
want = [b, 4 * b, b, 4 * b]
assert len(secs) >= 4, secs
for got, w in zip(secs[:4], want):
    assert abs(got - w) <= 0.05 * w, ("spike windows", secs)
PY
echo ok
