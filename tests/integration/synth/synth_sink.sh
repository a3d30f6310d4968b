#!/usr/bin/env bash
# synth_sink.sh - an errors tape replayed to the sink on loopback: the sink,
# judging by its own rules, rejects exactly the records synth marked invalid,
# for the reasons their X-Loadtape-Invalid headers name, and accepts the rest.
source "$LT_TEST_ROOT/lib.sh"
lt_need_cmd curl python3
T=$LT_TMP

"$LOADTAPE" synth errors --count 3000 --rate 3000 --seed 4 -o "$T/e.tape" -q
"$LOADTAPE" export "$T/e.tape" -o "$T/e.jsonl"

"$LOADTAPE" sink --listen 127.0.0.1:0 >"$T/sink.out" 2>"$T/sink.err" &
LT_PIDS+=("$!")
url=
for _ in $(seq 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/sink.out" || true)
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || lt_fail "sink did not start: $(cat "$T/sink.err")"

"$LOADTAPE" replay "$T/e.tape" --target "$url" --speed 4 --json >"$T/replay.json" 2>"$T/replay.err" ||
    { cat "$T/replay.err"; lt_fail "replay failed"; }
curl -sf "$url/stats" >"$T/stats.json" || lt_fail "no /stats"

python3 - "$T/e.jsonl" "$T/stats.json" "$T/replay.json" <<'PY'
import collections, json, sys
want = collections.Counter()
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    n += 1
    kinds = [v for k, v in r["headers"] if k == "X-Loadtape-Invalid"]
    if kinds:
        assert r.get("flags") == ["invalid"], r.get("flags")
        want[kinds[0]] += 1
    else:
        assert "flags" not in r, r["flags"]
stats = json.load(open(sys.argv[2]))
rep = json.load(open(sys.argv[3]))
assert n == 3000 and sum(want.values()) == 300, (n, want)   # 10 in every 100
got = {k: v for k, v in stats["rejected"].items() if v}
assert got == dict(want), (got, dict(want))
assert stats["events_accepted"] == 2700, stats["events_accepted"]
assert rep["status"] == {"202": 2700, "400": 300}, rep["status"]
assert len(want) == 5, want                                 # every kind present
PY
echo "synth-sink: ok"
