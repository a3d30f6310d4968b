# tape_url.sh - a tape read over HTTP with range requests: from nginx serving a
# tape directory on loopback, export, inspect and replay give exactly what the
# local file gives; a --from/--to window fetches about its blocks, not the tape;
# a server without range support, a missing tape and a server that stays busy
# are refused with one clear line; a briefly busy server is retried.
source "$LT_TEST_ROOT/lib.sh"
set -euo pipefail
lt_need_cmd python3

D=$LT_TMP/tapes
mkdir -p "$D"
chmod o+rx "$LT_TMP" "$D" # nginx's workers run as another user
"$LOADTAPE" synth baseline -o "$D/prod.tape" --rate 2000 --duration 60s --seed 5 2>/dev/null
chmod o+r "$D/prod.tape"
size=$(stat -c %s "$D/prod.tape")
nblocks=$("$LOADTAPE" inspect "$D/prod.tape" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["blocks"])')
[ "$nblocks" -ge 8 ] || lt_fail "the tape needs several blocks, has $nblocks"

port=$(lt_free_port)
lt_start_nginx "$port" "location /tapes/ { alias $D/; }"
URL=http://127.0.0.1:$port/tapes/prod.tape

# the same records, byte for byte
"$LOADTAPE" export "$URL" >"$LT_TMP/url.jsonl" 2>"$LT_TMP/url.err"
"$LOADTAPE" export "$D/prod.tape" >"$LT_TMP/file.jsonl"
cmp "$LT_TMP/url.jsonl" "$LT_TMP/file.jsonl" || lt_fail "export over HTTP differs from the file's"
grep -q "^loadtape export: fetched [0-9]* of the tape's $size bytes in [0-9]* range requests$" "$LT_TMP/url.err" ||
    lt_fail "export says what it fetched: $(cat "$LT_TMP/url.err")"
diff <("$LOADTAPE" inspect "$URL" --json 2>/dev/null | python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("tape"); print(json.dumps(j, sort_keys=True))') \
     <("$LOADTAPE" inspect "$D/prod.tape" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("tape"); print(json.dumps(j, sort_keys=True))') ||
    lt_fail "inspect over HTTP differs"
# inspect reads the index only: a few small ranges
"$LOADTAPE" inspect "$URL" >/dev/null 2>"$LT_TMP/insp.err"
fetched=$(sed -n 's/.*fetched \([0-9]*\) of.*/\1/p' "$LT_TMP/insp.err")
[ "$fetched" -le 200000 ] || lt_fail "inspect fetched $fetched bytes"

# replay of a window: the records of the file's window, fetching about its blocks
sp=$(lt_free_port)
"$LOADTAPE" sink --listen "127.0.0.1:$sp" >"$LT_TMP/sink.out" 2>&1 &
LT_PIDS+=($!)
lt_wait_port "$sp"
: >"$LT_NGINX_LOG"
"$LOADTAPE" replay "$URL" --target "http://127.0.0.1:$sp" --from 20s --to 25s --rate 20k --json \
    >"$LT_TMP/w-url.json" 2>"$LT_TMP/w-url.err"
"$LOADTAPE" replay "$D/prod.tape" --target "http://127.0.0.1:$sp" --from 20s --to 25s --rate 20k --json \
    >"$LT_TMP/w-file.json" 2>/dev/null
python3 - "$LT_TMP/w-url.json" "$LT_TMP/w-file.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["requests"]["scheduled"] == b["requests"]["scheduled"] == 10000, (a["requests"], b["requests"])
assert a["requests"]["ok"] == b["requests"]["ok"] == 10000
PY
fetched=$(sed -n 's/.*fetched \([0-9]*\) of.*/\1/p' "$LT_TMP/w-url.err")
# 5 s of 60 lie in at most 2 blocks (plus the head, the tail with the index, read-ahead)
per_block=$((size / nblocks))
[ "$fetched" -le $((3 * per_block + 3 * 65536)) ] || lt_fail "window fetched $fetched bytes of $size (blocks of ~$per_block)"
[ "$fetched" -ge "$per_block" ] || lt_fail "window fetched only $fetched bytes"
# nginx answered every one of them with a range: as many as the replay said it made
requests=$(sed -n 's/.* in \([0-9]*\) range requests$/\1/p' "$LT_TMP/w-url.err")
lt_eq "range requests in nginx's log" "$requests" "$(grep -c ' GET /tapes/prod.tape 206$' "$LT_NGINX_LOG")"
lt_eq "nothing but ranges" "$requests" "$(wc -l <"$LT_NGINX_LOG")"

# no range support: refused, in one line
np=$(lt_free_port)
python3 "$LT_TEST_ROOT/integration/remote/rangesrv.py" norange "$np" "$D" >"$LT_TMP/norange.log" &
LT_PIDS+=($!)
lt_wait_port "$np"
rc=0
"$LOADTAPE" inspect "http://127.0.0.1:$np/prod.tape" >/dev/null 2>"$LT_TMP/nr.err" || rc=$?
lt_eq "no ranges: exit" 1 "$rc"
lt_eq "no ranges: one line" 1 "$(wc -l <"$LT_TMP/nr.err")"
grep -q "does not answer range requests" "$LT_TMP/nr.err" || lt_fail "no ranges: $(cat "$LT_TMP/nr.err")"

# a missing tape
rc=0
"$LOADTAPE" replay "http://127.0.0.1:$port/tapes/none.tape" --target "http://127.0.0.1:$sp" 2>"$LT_TMP/nf.err" || rc=$?
lt_eq "missing: exit" 1 "$rc"
grep -q "HTTP 404 (no such tape there)" "$LT_TMP/nf.err" || lt_fail "missing: $(cat "$LT_TMP/nf.err")"

# busy twice, then fine: retried, and the records are whole
fp=$(lt_free_port)
python3 "$LT_TEST_ROOT/integration/remote/rangesrv.py" flaky:2 "$fp" "$D" >"$LT_TMP/flaky.log" &
LT_PIDS+=($!)
lt_wait_port "$fp"
"$LOADTAPE" export "http://127.0.0.1:$fp/prod.tape" 2>/dev/null | cmp - "$LT_TMP/file.jsonl" ||
    lt_fail "export after retries differs"
lt_eq "two 503s, then ranges" "503 503 206" "$(head -3 "$LT_TMP/flaky.log" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
# busy for good: a bounded number of tries (4), then one error line
bp=$(lt_free_port)
python3 "$LT_TEST_ROOT/integration/remote/rangesrv.py" flaky:1000 "$bp" "$D" >"$LT_TMP/busy.log" &
LT_PIDS+=($!)
lt_wait_port "$bp"
rc=0
"$LOADTAPE" inspect "http://127.0.0.1:$bp/prod.tape" 2>"$LT_TMP/busy.err" >/dev/null || rc=$?
lt_eq "busy: exit" 1 "$rc"
grep -q "HTTP 503" "$LT_TMP/busy.err" || lt_fail "busy: $(cat "$LT_TMP/busy.err")"
lt_eq "busy: tries" 4 "$(wc -l <"$LT_TMP/busy.log")"
echo "ok: tapes over HTTP"
