#!/usr/bin/env bash
# Round trip: a synth tape replayed to nginx on loopback while loadtape
# captures lo; the captured tape must hold the same requests (method, URL,
# body) and, within each original session, the same order.
. "$LT_TEST_ROOT/lib.sh"
lt_need_root
lt_need_cmd nginx python3

for c in synth replay; do
    if "$LOADTAPE" "$c" 2>&1 | grep -q "not implemented yet"; then
        lt_skip "'loadtape $c' is not built yet"
    fi
done

"$LOADTAPE" synth payload -o "$LT_TMP/orig.tape" --count 400 --rate 2000 --seed 11 --users 40 \
    2>"$LT_TMP/synth.err" || { cat "$LT_TMP/synth.err"; lt_fail "synth failed"; }

port=$(lt_free_port)
lt_start_nginx "$port"
"$LOADTAPE" capture -i lo --port "$port" -o "$LT_TMP/cap.tape" 2>"$LT_TMP/cap.err" &
cpid=$!
LT_PIDS+=("$cpid")
for _ in $(seq 100); do grep -q "listening on lo" "$LT_TMP/cap.err" && break; sleep 0.05; done
grep -q "listening on lo" "$LT_TMP/cap.err" || lt_fail "capture did not start"

"$LOADTAPE" replay "$LT_TMP/orig.tape" --target "http://127.0.0.1:$port" --keep-order -c 8 \
    --json >"$LT_TMP/replay.json" 2>"$LT_TMP/replay.err" ||
    { cat "$LT_TMP/replay.err"; lt_fail "replay failed"; }
sleep 0.5
kill -INT "$cpid"
wait "$cpid" || lt_fail "capture exited with $?"
cat "$LT_TMP/cap.err"

"$LOADTAPE" export "$LT_TMP/orig.tape" >"$LT_TMP/orig.jsonl"
"$LOADTAPE" export "$LT_TMP/cap.tape" >"$LT_TMP/cap.jsonl"
python3 - "$LT_TMP/orig.jsonl" "$LT_TMP/cap.jsonl" <<'PY'
import base64, collections, json, sys
def body(r):
    return base64.b64decode(r["body_b64"]) if "body_b64" in r else r.get("body", "").encode()
orig = [json.loads(l) for l in open(sys.argv[1])]
cap = [json.loads(l) for l in open(sys.argv[2])]
key = lambda r: (r["method"], r["url"], body(r))
a, b = collections.Counter(map(key, orig)), collections.Counter(map(key, cap))
if a != b:
    print("missing:", len(a - b), "extra:", len(b - a), file=sys.stderr)
    for k in list((a - b))[:3]:
        print("  missing", k[0], k[1], len(k[2]), file=sys.stderr)
    sys.exit("FAIL: %d requests sent, %d captured, not the same" % (len(orig), len(cap)))
# order within each original session (each body found once in the capture)
pos = {}
for i, r in enumerate(cap):
    pos.setdefault(key(r), []).append(i)
by_session = collections.defaultdict(list)
for r in orig:
    by_session[r["session"]].append(key(r))
for s, keys in by_session.items():
    idx = [pos[k].pop(0) for k in keys]
    if idx != sorted(idx):
        sys.exit("FAIL: session %s captured out of order" % s)
assert all(r.get("response", {}).get("status") == 202 for r in cap)
print("ok: %d requests in %d sessions came back the same, in order" % (len(orig), len(by_session)))
PY
