#!/usr/bin/env bash
# Full disks (issue 16): on a 1 MiB tmpfs mounted here, synth, import, capture, replay -o
# and sink --record each say once why they failed (the cause and the file), exit non-zero,
# leave no empty or partial file passing for a whole one, keep a good file that was at
# the name, and count what the file holds.
. "$LT_TEST_ROOT/lib.sh"
lt_need_root
lt_need_cmd python3
here=$(dirname "${BASH_SOURCE[0]}")
mnt=$LT_TMP/disk
mkdir -p "$mnt"
mount -t tmpfs -o size=1m tmpfs "$mnt" || lt_skip "cannot mount a tmpfs"
trap 'umount "$mnt" 2>/dev/null || umount -l "$mnt"; lt_cleanup' EXIT

# fill FREE: takes the disk's space but FREE bytes (rounded to pages by tmpfs)
fill() {
    rm -f "$mnt/fill"
    python3 - "$mnt" "$1" <<'PY'
import os, sys
st = os.statvfs(sys.argv[1])
n = st.f_bavail * st.f_frsize - int(sys.argv[2])
with open(sys.argv[1] + "/fill", "wb") as f:
    f.write(b"\0" * max(n, 0))
PY
}
# one_error WHAT FILE: exactly one error line, naming FILE and the cause
one_error() {
    local n
    n=$(grep -c "error:" "$LT_TMP/err" || true)
    [ "$n" = 1 ] || { cat "$LT_TMP/err"; lt_fail "$1: $n error lines, expected one"; }
    grep "error:" "$LT_TMP/err" | grep -q "$2" || { cat "$LT_TMP/err"; lt_fail "$1: error does not name $2"; }
    grep "error:" "$LT_TMP/err" | grep -q "No space left on device" ||
        { cat "$LT_TMP/err"; lt_fail "$1: error does not give the cause"; }
}
no_temp() { ! ls "$mnt"/*.tmp* >/dev/null 2>&1 || { ls -la "$mnt"; lt_fail "$1: a temporary file was left"; }; }

L=$LOADTAPE
"$L" synth baseline --count 500 -o "$LT_TMP/good.tape" 2>/dev/null
"$L" synth payload --count 3000 -o "$LT_TMP/big.tape" 2>/dev/null
"$L" export "$LT_TMP/big.tape" -o "$LT_TMP/big.jsonl"
sum_good=$(md5sum <"$LT_TMP/good.tape")

# -- synth and import: nothing partial; a tape that was there stays --
for cmd in synth import; do
    rm -f "$mnt"/*
    fill 0
    if [ $cmd = synth ]; then args=(synth payload --count 3000); else args=(import "$LT_TMP/big.jsonl"); fi
    rc=0; "$L" "${args[@]}" -o "$mnt/t.tape" 2>"$LT_TMP/err" || rc=$?
    lt_eq "$cmd on a full disk: exit" 1 "$rc"
    one_error "$cmd" "t.tape"
    [ ! -e "$mnt/t.tape" ] || lt_fail "$cmd left a partial tape"
    no_temp "$cmd"
    rm -f "$mnt/fill"; cp "$LT_TMP/good.tape" "$mnt/t.tape"; fill 0
    rc=0; "$L" "${args[@]}" -o "$mnt/t.tape" 2>"$LT_TMP/err" || rc=$?
    lt_eq "$cmd over a good tape: exit" 1 "$rc"
    one_error "$cmd (over a tape)" "t.tape"
    lt_eq "$cmd: the tape that was there" "$sum_good" "$(md5sum <"$mnt/t.tape")"
    no_temp "$cmd (over a tape)"
done

# -- capture: the summary counts what the tape holds, the rest as lost --
python3 "$here/mkpcap.py" "$LT_TMP/big.pcap" 3000
rm -f "$mnt"/*
rc=0; "$L" capture -r "$LT_TMP/big.pcap" -o "$mnt/c.tape" 2>"$LT_TMP/err" || rc=$?
lt_eq "capture on a full disk: exit" 1 "$rc"
one_error capture "c.tape"
rec=$(sed -n 's/^capture: \([0-9]*\) requests recorded.*/\1/p' "$LT_TMP/err")
lost=$(sed -n 's/^capture: \([0-9]*\) requests captured but lost.*/\1/p' "$LT_TMP/err")
[ -n "$rec" ] && [ -n "$lost" ] && [ "$lost" -gt 0 ] || { cat "$LT_TMP/err"; lt_fail "capture: no recorded/lost counts"; }
held=$("$L" inspect "$mnt/c.tape" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
lt_eq "capture: records the tape holds" "$rec" "$held"
cp "$LT_TMP/good.tape" "$mnt/c.tape"
rc=0; "$L" capture -r "$LT_TMP/big.pcap" -o "$mnt/c.tape" 2>"$LT_TMP/err" || rc=$?
lt_eq "capture over a good tape: exit" 1 "$rc"
one_error "capture (over a tape)" "c.tape"
lt_eq "capture: the tape that was there" "$sum_good" "$(md5sum <"$mnt/c.tape")"
grep -q "are in '$mnt/c.tape.tmp[0-9]*' (not closed)" "$LT_TMP/err" || { cat "$LT_TMP/err"; lt_fail "capture: where the records went"; }

# -- replay -o: one error with its cause; no empty file; an older results file stays --
rm -f "$mnt"/*
"$L" sink --listen 127.0.0.1:0 >"$LT_TMP/sink.out" 2>"$LT_TMP/sink.err" &
LT_PIDS+=($!)
for i in $(seq 100); do grep -q listening "$LT_TMP/sink.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$LT_TMP/sink.out")
"$L" synth baseline --count 3000 --rate 3000 -o "$LT_TMP/r.tape" 2>/dev/null
fill 0
rc=0; "$L" replay "$LT_TMP/r.tape" --target "$url" -o "$mnt/r.res" >/dev/null 2>"$LT_TMP/err" || rc=$?
lt_eq "replay -o on a full disk: exit" 1 "$rc"
one_error "replay -o" "r.res"
[ ! -e "$mnt/r.res" ] || { ls -la "$mnt"; lt_fail "replay -o left a file on a full disk"; }
rm -f "$mnt/fill"; fill 6000
rc=0; "$L" replay "$LT_TMP/r.tape" --target "$url" -o "$mnt/r.res" >/dev/null 2>"$LT_TMP/err" || rc=$?
lt_eq "replay -o with a little space: exit" 1 "$rc"
one_error "replay -o (a little space)" "r.res"
if [ -e "$mnt/r.res" ]; then
    [ -s "$mnt/r.res" ] || lt_fail "replay -o left an empty results file"
    rc=0; "$L" report "$mnt/r.res" >/dev/null 2>"$LT_TMP/rerr" || rc=$?
    lt_eq "report of a results file cut by a full disk: exit" 4 "$rc"
    grep -q "not closed\|truncated" "$LT_TMP/rerr" || { cat "$LT_TMP/rerr"; lt_fail "report does not say the file is incomplete"; }
fi
rm -f "$mnt"/*
echo "older results" >"$mnt/r.res"; fill 0
rc=0; "$L" replay "$LT_TMP/r.tape" --target "$url" -o "$mnt/r.res" >/dev/null 2>"$LT_TMP/err" || rc=$?
lt_eq "replay -o over a results file: exit" 1 "$rc"
one_error "replay -o (over a file)" "r.res"
lt_eq "replay -o: the results file that was there" "older results" "$(cat "$mnt/r.res")"
no_temp "replay -o"

# -- sink --record: 503 once the tape cannot be written; /stats counts what it holds --
rm -f "$mnt"/*
fill 800000 # room for one block of these events, not two
"$L" sink --listen 127.0.0.1:0 --record "$mnt/s.tape" >"$LT_TMP/rsink.out" 2>"$LT_TMP/err" &
spid=$!
LT_PIDS+=($spid)
for i in $(seq 100); do grep -q listening "$LT_TMP/rsink.out" && break; sleep 0.1; done
rurl=$(sed -n 's/^listening on //p' "$LT_TMP/rsink.out")
python3 - "$rurl" >"$LT_TMP/client.out" <<'PY'
import http.client, json, os, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
ok = after = 0
for i in range(4000):
    ev = {"type": "track", "event": "e", "userId": "u%d" % i,
          "properties": {"blob": os.urandom(3000).hex()}}
    c.request("POST", "/collect/web", json.dumps(ev), {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    if r.status == 202 and after == 0:
        ok += 1
    elif r.status == 503:
        after += 1
        if after == 20:
            break
    else:
        sys.exit("status %d after %d accepted, %d refused" % (r.status, ok, after))
c.request("GET", "/health"); h = c.getresponse(); h.read()
c.request("GET", "/stats"); s = json.loads(c.getresponse().read())
print(ok, after, h.status, s["recorded"], s.get("record_lost", -1), s["status"].get("503", 0))
PY
read -r ok refused health recorded lost st503 <"$LT_TMP/client.out"
[ "$ok" -gt 0 ] || lt_fail "sink: nothing was accepted before the disk filled"
lt_eq "sink: refused after the failure" 20 "$refused"
lt_eq "sink: /health once the tape cannot be written" 503 "$health"
lt_eq "sink: 503s counted" 21 "$st503"
lt_eq "sink: accepted = recorded + lost" "$ok" "$((recorded + lost))"
kill -INT $spid
rc=0; wait $spid || rc=$?
lt_eq "sink: exit after a recording failure" 1 "$rc"
grep -q "No space left on device; answering 503" "$LT_TMP/err" || { cat "$LT_TMP/err"; lt_fail "sink: no error line when the disk filled"; }
[ "$recorded" -gt 0 ] && [ "$lost" -gt 0 ] || lt_fail "sink: recorded $recorded, lost $lost (one block was to fit)"
held=$("$L" inspect "$mnt/s.tape" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
lt_eq "sink: /stats recorded = records in the tape" "$recorded" "$held"
grep -q "the tape holds $recorded records, $lost answered with 202 were lost" "$LT_TMP/err" ||
    { cat "$LT_TMP/err"; lt_fail "sink: the error line does not count what was kept and lost"; }
echo "ok"
