#!/usr/bin/env bash
# A tape with one bad block in the middle (issue 16): export and replay stop at it (exit 1)
# as before; with --skip-damaged they read on past it through the index, name the block
# and the records it held, and a replay that skipped records is marked and exits 4.
. "$LT_TEST_ROOT/lib.sh"
lt_need_cmd python3
L=$LOADTAPE

"$L" synth payload --count 3000 --rate 3000 -o "$LT_TMP/t.tape" 2>/dev/null
total=3000
blocks=$("$L" inspect "$LT_TMP/t.tape" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["blocks"])')
[ "$blocks" -ge 5 ] || lt_fail "the tape has $blocks blocks, too few for a block in the middle"
# one flipped byte in the middle of the file, inside some block's payload
python3 - "$LT_TMP/t.tape" <<'PY'
import os, sys
n = os.path.getsize(sys.argv[1])
with open(sys.argv[1], "r+b") as f:
    f.seek(n // 2); b = f.read(1); f.seek(n // 2); f.write(bytes([b[0] ^ 0x5a]))
PY

rc=0; "$L" export "$LT_TMP/t.tape" -o "$LT_TMP/out.jsonl" 2>"$LT_TMP/err" || rc=$?
lt_eq "export of a damaged tape: exit" 1 "$rc"
grep -q "error: tape '.*t.tape': block [0-9]* at offset [0-9]*: payload checksum mismatch" "$LT_TMP/err" ||
    { cat "$LT_TMP/err"; lt_fail "export: no error naming the block"; }
[ ! -e "$LT_TMP/out.jsonl" ] || lt_fail "export left a partial output"
bad=$(sed -n 's/.*block \([0-9]*\) at offset.*/\1/p' "$LT_TMP/err")
[ "$bad" -gt 0 ] && [ "$bad" -lt $((blocks - 1)) ] || lt_fail "block $bad of $blocks is not in the middle"

rc=0; "$L" export "$LT_TMP/t.tape" --skip-damaged -o "$LT_TMP/out.jsonl" 2>"$LT_TMP/err" || rc=$?
lt_eq "export --skip-damaged: exit" 0 "$rc"
skipped=$(sed -n "s/.*block $bad at offset [0-9]*: payload checksum mismatch; skipped, with its \([0-9]*\) records.*/\1/p" "$LT_TMP/err")
[ -n "$skipped" ] && [ "$skipped" -gt 0 ] || { cat "$LT_TMP/err"; lt_fail "export --skip-damaged: the block was not named"; }
grep -q "warning: the export lacks $skipped records: 1 damaged block skipped" "$LT_TMP/err" ||
    { cat "$LT_TMP/err"; lt_fail "export --skip-damaged: no total"; }
lt_eq "export --skip-damaged: records" $((total - skipped)) "$(wc -l <"$LT_TMP/out.jsonl")"
# the records kept are the tape's own, in order, the damaged block's missing
"$L" synth payload --count 3000 --rate 3000 -o "$LT_TMP/whole.tape" 2>/dev/null
"$L" export "$LT_TMP/whole.tape" -o "$LT_TMP/whole.jsonl"
python3 - "$LT_TMP/whole.jsonl" "$LT_TMP/out.jsonl" "$skipped" <<'PY'
import sys
a = open(sys.argv[1]).read().splitlines(); b = open(sys.argv[2]).read().splitlines()
k = int(sys.argv[3])
i = next(i for i in range(len(b)) if a[i] != b[i])
assert a[:i] == b[:i] and a[i + k:] == b[i:], "records differ outside the skipped block"
PY

"$L" sink --listen 127.0.0.1:0 >"$LT_TMP/sink.out" 2>/dev/null &
LT_PIDS+=($!)
for i in $(seq 100); do grep -q listening "$LT_TMP/sink.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$LT_TMP/sink.out")
rc=0; "$L" replay "$LT_TMP/t.tape" --target "$url" --rate 2000 >/dev/null 2>"$LT_TMP/err" || rc=$?
lt_eq "replay of a damaged tape: exit" 1 "$rc"
grep -q "error: tape .*block $bad at offset" "$LT_TMP/err" || { cat "$LT_TMP/err"; lt_fail "replay: no error"; }
rc=0; "$L" replay "$LT_TMP/t.tape" --target "$url" --rate 2000 --skip-damaged --json -o "$LT_TMP/r.res" \
    >"$LT_TMP/r.json" 2>"$LT_TMP/err" || rc=$?
lt_eq "replay --skip-damaged: exit" 4 "$rc"
grep -q "block $bad at offset [0-9]*: payload checksum mismatch; skipped, with its $skipped records" "$LT_TMP/err" ||
    { cat "$LT_TMP/err"; lt_fail "replay --skip-damaged: the block was not named"; }
grep -q "inconclusive: damaged tape blocks were skipped" "$LT_TMP/err" || { cat "$LT_TMP/err"; lt_fail "no verdict"; }
python3 - "$LT_TMP/r.json" $((total - skipped)) "$skipped" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["requests"]["scheduled"] == int(sys.argv[2]), d["requests"]
assert d["tape_skipped"] == int(sys.argv[3]), d
PY
rc=0; "$L" report "$LT_TMP/r.res" >"$LT_TMP/rep" 2>"$LT_TMP/err" || rc=$?
lt_eq "report of a replay that skipped records: exit" 4 "$rc"
grep -q "^DAMAGED     $skipped records of damaged tape blocks were skipped" "$LT_TMP/rep" ||
    { cat "$LT_TMP/rep"; lt_fail "report does not mark the skipped records"; }
echo ok
