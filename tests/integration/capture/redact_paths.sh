#!/usr/bin/env bash
# Every recording path redacts the same secrets: one request set (curl, with a
# bearer token, ingestion write keys in headers, query and JSON body, one body
# chunked) goes to nginx on lo under tcpdump and a live `capture -i lo`, to
# `capture --listen` and to `sink --record`; `capture -r` reads tcpdump's pcap.
# Each tape's export holds no secret, the marker in each place, bodies that
# are still JSON with a Content-Length that matches them, the "redacted"
# flag; --redact-header/--redact-query/--redact-field add names on every
# path, and --keep-secrets records every byte as it was sent.
. "$LT_TEST_ROOT/lib.sh"
lt_need_cmd curl python3 nginx
root=0
[ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null && root=1

body='{"writeKey":"WK2","context":{"password":"P3","library":{"name":"t"}},"batch":[{"type":"track","event":"Signed In","userId":"u1","token":"T4","email":"E6","properties":{"plan":"pro"}}]}'
printf '%s' "$body" >"$LT_TMP/body.json"
# send URL: the request set (4 requests, one connection each)
send() {
    local u=$1 q='api_key=AK1&token=T1&keep=1&session=S5'
    local h=(-H 'Authorization: Bearer SECRET123' -H 'X-Write-Key: wk_live_1'
        -H 'X-Segment-Write-Key: sgk_9' -H 'X-Tenant: acme' -H 'Content-Type: application/json')
    curl -sS -o /dev/null "${h[@]}" --data-binary @"$LT_TMP/body.json" "$u/collect/web?$q"
    curl -sS -o /dev/null "${h[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$LT_TMP/body.json" \
        "$u/collect/chunked?$q"
    curl -sS -o /dev/null "${h[@]}" "$u/collect/get?$q"
    curl -sS -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary 'writeKey=WK2&token=T1&keep=1' "$u/collect/form"
}
# wait_for FILE TEXT: up to 10 s
wait_for() {
    for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    cat "$1" >&2
    lt_fail "no '$2' in $1"
}
# stop PID: SIGINT, and the exit status must be 0
stop() { kill -INT "$1"; wait "$1" || lt_fail "pid $1 exited with $?"; }
extra=(--redact-header X-Tenant --redact-query session --redact-field email)

# usage: the names must be 1 to 256 bytes; on sink, the options go with --record
rc=0; "$LOADTAPE" capture --listen 127.0.0.1:0 -o "$LT_TMP/u.tape" --redact-field '' \
    2>"$LT_TMP/u.err" || rc=$?
lt_eq "capture --redact-field '': exit" 2 "$rc"
grep -q "field name to redact '': empty or over 256 bytes" "$LT_TMP/u.err" || lt_fail "$(cat "$LT_TMP/u.err")"
rc=0; "$LOADTAPE" sink --listen 127.0.0.1:0 --redact-header X-Tenant >/dev/null 2>"$LT_TMP/u.err" || rc=$?
lt_eq "sink --redact-header without --record: exit" 2 "$rc"
grep -q "go with --record" "$LT_TMP/u.err" || lt_fail "$(cat "$LT_TMP/u.err")"
if [ $root = 1 ]; then
    port=$(lt_free_port)
    lt_start_nginx "$port"
fi

# one_round NAME ARGS...: the request set once through every live path, with ARGS
one_round() {
    local name=$1 tpid cpid lpid spid lurl surl
    shift
    if [ $root = 1 ]; then
        if [ "$name" = default ]; then
            tcpdump -i lo -s 0 -U --immediate-mode -w "$LT_TMP/traffic.pcap" "tcp port $port" \
                2>"$LT_TMP/tcpdump.err" &
            tpid=$!
            LT_PIDS+=("$tpid")
            wait_for "$LT_TMP/tcpdump.err" "listening on"
        fi
        # --count: it stops by itself once it has read the 4 requests whole
        "$LOADTAPE" capture -i lo --port "$port" --count 4 -o "$LT_TMP/$name-live.tape" "$@" \
            2>"$LT_TMP/$name-live.err" &
        cpid=$!
        LT_PIDS+=("$cpid")
        wait_for "$LT_TMP/$name-live.err" "listening on lo"
        send "http://127.0.0.1:$port"
        for _ in $(seq 200); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.05; done
        if kill -0 "$cpid" 2>/dev/null; then
            stop "$cpid"
            lt_fail "capture -i lo did not stop after 4 requests: $(cat "$LT_TMP/$name-live.err")"
        fi
        wait "$cpid" || { cat "$LT_TMP/$name-live.err"; lt_fail "capture -i lo exited with $?"; }
        if [ "$name" = default ]; then
            sleep 1 # the last answers reach tcpdump's file
            kill -INT "$tpid"
            wait "$tpid" || true
        fi
    fi
    "$LOADTAPE" capture --listen 127.0.0.1:0 -o "$LT_TMP/$name-listen.tape" "$@" \
        2>"$LT_TMP/$name-listen.err" &
    lpid=$!
    LT_PIDS+=("$lpid")
    wait_for "$LT_TMP/$name-listen.err" "listening on http"
    lurl=$(grep -o 'http://127.0.0.1:[0-9]*' "$LT_TMP/$name-listen.err")
    "$LOADTAPE" sink --listen 127.0.0.1:0 --record "$LT_TMP/$name-sink.tape" "$@" \
        >"$LT_TMP/$name-sink.out" 2>"$LT_TMP/$name-sink.err" &
    spid=$!
    LT_PIDS+=("$spid")
    wait_for "$LT_TMP/$name-sink.out" "listening on"
    surl=$(sed -n 's/^listening on //p' "$LT_TMP/$name-sink.out")
    send "$lurl"
    send "$surl"
    stop "$lpid"
    stop "$spid"
}

one_round default
one_round extra "${extra[@]}"
one_round keep --keep-secrets
if [ $root = 1 ]; then
    for r in default:"" extra:"${extra[*]}" keep:--keep-secrets; do
        # shellcheck disable=SC2086 # the flags split on purpose
        "$LOADTAPE" capture -q -r "$LT_TMP/traffic.pcap" -o "$LT_TMP/${r%%:*}-file.tape" ${r#*:} ||
            lt_fail "capture -r (${r%%:*}) failed"
    done
fi
for t in "$LT_TMP"/*.tape; do
    "$LOADTAPE" export "$t" >"${t%.tape}.jsonl" || lt_fail "export of $t"
    "$LOADTAPE" inspect --json "$t" >"${t%.tape}.info" || lt_fail "inspect of $t"
done

python3 - "$LT_TMP" "$body" <<'PY'
import glob, json, os, re, sys
d, body = sys.argv[1], sys.argv[2]
secrets = ["SECRET123", "wk_live_1", "sgk_9", "AK1", "T1", "WK2", "P3", "T4"]
extra = ["acme", "S5", "E6"]  # secret only with --redact-header/-query/-field
M, MQ = "[redacted]", "%5Bredacted%5D"
sent_body = json.loads(body)

def present(s, text):
    return re.search(r"(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])" % re.escape(s), text) is not None

def hdr(r, name):
    v = [h[1] for h in r["headers"] if h[0].lower() == name.lower()]
    assert len(v) <= 1, (name, r["headers"])
    return v[0] if v else None

def query(url):
    return url.split("?", 1)[1] if "?" in url else ""

def check(path, mode):
    text = open(path).read()
    recs = [json.loads(l) for l in text.splitlines()]
    name = os.path.basename(path)
    assert [r["url"].split("?")[0] for r in recs] == \
        ["/collect/web", "/collect/chunked", "/collect/get", "/collect/form"], (name, recs)
    hidden = secrets + (extra if mode == "extra" else [])
    if mode == "keep":
        hidden = []
        for s in secrets + extra:
            assert present(s, text), "%s: --keep-secrets lost %s" % (name, s)
    for s in hidden:
        assert not present(s, text), "%s: the secret %s is in the export" % (name, s)
    for s in (extra if mode == "default" else []):
        assert present(s, text), "%s: %s was redacted without being asked" % (name, s)
    for r in recs:
        b = r.get("body", "")
        assert "body_b64" not in r, (name, r)
        # framing: one Content-Length, the body's, and no Transfer-Encoding
        assert hdr(r, "Transfer-Encoding") is None, (name, r["headers"])
        if b:
            assert hdr(r, "Content-Length") == str(len(b.encode())), (name, r["headers"], len(b))
        flagged = "redacted" in r.get("flags", [])
        assert flagged == (mode != "keep"), (name, r.get("flags"))
        q = query(r["url"])
        if r["url"].startswith("/collect/form"):
            assert b == ("writeKey=WK2&token=T1&keep=1" if mode == "keep" else
                         "writeKey=%s&token=%s&keep=1" % (MQ, MQ)), (name, b)
            continue
        for h, v in (("Authorization", "Bearer SECRET123"), ("X-Write-Key", "wk_live_1"),
                     ("X-Segment-Write-Key", "sgk_9"), ("X-Tenant", "acme")):
            want = v if mode == "keep" or (h == "X-Tenant" and mode == "default") else M
            assert hdr(r, h) == want, (name, h, hdr(r, h))
        want_q = {"keep": "api_key=AK1&token=T1&keep=1&session=S5",
                  "default": "api_key=%s&token=%s&keep=1&session=S5" % (MQ, MQ),
                  "extra": "api_key=%s&token=%s&keep=1&session=%s" % (MQ, MQ, MQ)}[mode]
        assert q == want_q, (name, q)
        if r["url"].startswith("/collect/get"):
            assert b == "", (name, b)
            continue
        if mode == "keep":
            assert b == body, "%s: --keep-secrets changed the body: %s" % (name, b)
            continue
        j = json.loads(b)  # still JSON
        assert j["writeKey"] == M and j["context"]["password"] == M, (name, j)
        assert j["batch"][0]["token"] == M, (name, j)
        assert j["batch"][0]["email"] == (M if mode == "extra" else "E6"), (name, j)
        # nothing else changed
        j["writeKey"], j["context"]["password"], j["batch"][0]["token"] = "WK2", "P3", "T4"
        j["batch"][0]["email"] = "E6"
        assert j == sent_body, (name, j)
    info = json.load(open(path[:-len(".jsonl")] + ".info"))
    if "capture" in info:  # capture -i, -r, --listen: the transform's count
        want = 0 if mode == "keep" else 4
        assert info["capture"]["requests"]["redacted"] == want, (name, info["capture"]["requests"])
    return len(recs)

files = sorted(glob.glob(d + "/*.jsonl"))
kinds = set()
for f in files:
    mode, kind = os.path.basename(f)[:-6].split("-")
    check(f, mode)
    kinds.add(kind)
print("ok: %d tapes (%s), each of 4 records" % (len(files), ", ".join(sorted(kinds))))
PY
[ $root = 1 ] || lt_skip "capture -i lo and tcpdump need root (listen and sink passed)"
