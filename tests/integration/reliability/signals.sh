#!/usr/bin/env bash
# Signals (issue 16): SIGINT stops import with a message and leaves no tape, partial or
# temporary (one that was there stays); report of a results file whose writer was
# SIGKILLed says it is incomplete and exits 4, never shows its counters as if whole.
. "$LT_TEST_ROOT/lib.sh"
lt_need_cmd python3
L=$LOADTAPE

# -- import: SIGINT while it waits for more input on a pipe --
"$L" synth baseline --count 2000 -o "$LT_TMP/t.tape" 2>/dev/null
"$L" export "$LT_TMP/t.tape" -o "$LT_TMP/t.jsonl"
echo "an older tape" >"$LT_TMP/out.tape"
mkfifo "$LT_TMP/fifo"
"$L" import - -o "$LT_TMP/out.tape" <"$LT_TMP/fifo" 2>"$LT_TMP/err" &
ipid=$!
exec 3>"$LT_TMP/fifo"
cat "$LT_TMP/t.jsonl" >&3
# the import has read the lines once its temporary tape holds them (written per block or
# not, the file exists from the start)
for i in $(seq 100); do ls "$LT_TMP"/out.tape.tmp* >/dev/null 2>&1 && break; sleep 0.1; done
ls "$LT_TMP"/out.tape.tmp* >/dev/null 2>&1 || lt_fail "import did not start writing"
kill -INT $ipid
rc=0; wait $ipid || rc=$?
exec 3>&-
lt_eq "import after SIGINT: exit" 1 "$rc"
grep -q "interrupted: no tape written (a tape already there is unchanged)" "$LT_TMP/err" ||
    { cat "$LT_TMP/err"; lt_fail "import said nothing about the interruption"; }
lt_eq "import after SIGINT: the older tape" "an older tape" "$(cat "$LT_TMP/out.tape")"
! ls "$LT_TMP"/out.tape.tmp* >/dev/null 2>&1 || lt_fail "import left its temporary tape"
rm -f "$LT_TMP/out.tape"
"$L" import - -o "$LT_TMP/out.tape" <"$LT_TMP/fifo" 2>"$LT_TMP/err" &
ipid=$!
exec 3>"$LT_TMP/fifo"
head -100 "$LT_TMP/t.jsonl" >&3
for i in $(seq 100); do ls "$LT_TMP"/out.tape* >/dev/null 2>&1 && break; sleep 0.1; done
kill -INT $ipid
rc=0; wait $ipid || rc=$?
exec 3>&-
lt_eq "import (new tape) after SIGINT: exit" 1 "$rc"
! ls "$LT_TMP"/out.tape* >/dev/null 2>&1 || lt_fail "import left a tape after SIGINT"

# -- replay -o killed with SIGKILL, then report --
"$L" sink --listen 127.0.0.1:0 --delay 2s >"$LT_TMP/sink.out" 2>/dev/null &
LT_PIDS+=($!)
for i in $(seq 100); do grep -q listening "$LT_TMP/sink.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$LT_TMP/sink.out")
"$L" synth baseline --count 1000 --rate 200 -o "$LT_TMP/k.tape" 2>/dev/null
"$L" replay "$LT_TMP/k.tape" --target "$url" -o "$LT_TMP/k.res" >/dev/null 2>&1 &
rpid=$!
# killed once a few intervals are in the file: requests are then in flight (2 s delay)
for i in $(seq 200); do
    [ -e "$LT_TMP/k.res" ] && [ "$(stat -c %s "$LT_TMP/k.res")" -gt 1200 ] && break
    sleep 0.05
done
kill -KILL $rpid
wait $rpid 2>/dev/null || true
rc=0; "$L" report "$LT_TMP/k.res" >"$LT_TMP/rep" 2>"$LT_TMP/err" || rc=$?
lt_eq "report of a killed run: exit" 4 "$rc"
grep -q "^INCOMPLETE  [0-9]* requests have no outcome here" "$LT_TMP/rep" ||
    { cat "$LT_TMP/rep"; lt_fail "report does not mark the results incomplete"; }
grep -q "was not closed (the run did not finish)" "$LT_TMP/err" || { cat "$LT_TMP/err"; lt_fail "no warning"; }
"$L" report "$LT_TMP/k.res" --format json 2>/dev/null >"$LT_TMP/rep.json" || true
python3 - "$LT_TMP/rep.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
q = d["requests"]
gap = (q["scheduled"] - q["sent"] - q["skipped"] - q["not_sent_target_stalled"]) + \
      (q["sent"] - q["completed"] - q["errors"] - q["abandoned"])
assert d["incomplete"] is True and d["interrupted"] is True, d
assert q["no_outcome"] == gap and gap > 0, q
PY
echo ok
