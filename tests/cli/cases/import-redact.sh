# import --redact: secrets in headers (Authorization, X-Write-Key), the query
# (api_key, token) and a JSON body (writeKey at the top, a nested password, a token
# inside batch[]) are replaced, keep=1 survives, the body stays valid JSON with a
# Content-Length that matches it, and the record is flagged redacted. Without
# --redact an import keeps every byte. The same for a HAR log.
python3 - <<'PY'
import json
body = json.dumps({"writeKey": "WK-SECRET", "user": {"profile": {"password": "PW-SECRET"}},
                   "batch": [{"type": "track", "event": "x", "token": "TOK-SECRET"},
                             {"type": "page"}]}, separators=(",", ":"))
hdrs = [["Host", "collect.example.com"], ["Authorization", "Bearer AUTH-SECRET"],
        ["X-Write-Key", "XWK-SECRET"], ["Content-Type", "application/json"]]
def rec(with_cl):
    h = hdrs + ([["Content-Length", str(len(body))]] if with_cl else [])
    return {"ts_ns": 1000000, "session": 1, "method": "POST",
            "url": "/collect/web?api_key=AK-SECRET&token=QT-SECRET&keep=1", "headers": h,
            "body": body}
clean = {"ts_ns": 2000000, "session": 1, "method": "GET", "url": "/health",
         "headers": [["Host", "collect.example.com"]], "body": ""}
for name, with_cl in (("secrets.jsonl", True), ("no-length.jsonl", False)):
    with open(name, "w") as f:
        for r in (rec(with_cl), clean):
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
with open("check.py", "w") as f:
    f.write('''
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert "SECRET" not in line, line
    body = r["body"]
    if body:
        json.loads(body)
    cl = [v for k, v in r["headers"] if k.lower() == "content-length"]
    assert cl == ([str(len(body.encode()))] if body else []), (cl, len(body))
    print(r["method"], r["url"], "flags:", r.get("flags", []),
          "body: valid JSON," if body else "no body,",
          "Content-Length: %s" % (cl[0] if cl else "none"))
''')
PY

echo "-- JSONL"
loadtape import secrets.jsonl -o plain.tape || exit 1
loadtape export plain.tape | cmp - secrets.jsonl && echo "without --redact: identical"
loadtape import secrets.jsonl -o red.tape --redact || exit 1
loadtape export red.tape -o red.jsonl || exit 1
cat red.jsonl
python3 check.py red.jsonl || exit 1

echo "-- HAR (its request has no Content-Length, as browsers' HTTP/2 entries often have not)"
loadtape import no-length.jsonl -o no-length.tape 2>/dev/null || exit 1
loadtape export no-length.tape --to har -o secrets.har || exit 1
loadtape import secrets.har -o plain-har.tape || exit 1
loadtape export plain-har.tape --to har | cmp - secrets.har && echo "without --redact: identical"
loadtape import secrets.har -o red-har.tape --redact || exit 1
loadtape export red-har.tape -o red-har.jsonl || exit 1
cat red-har.jsonl
python3 check.py red-har.jsonl || exit 1

echo "-- names of one's own, each implying --redact"
loadtape import secrets.jsonl -o more.tape --redact-query keep --redact-header host \
    --redact-field type || exit 1
loadtape export more.tape | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r["url"], dict(r["headers"])["Host"], r["body"][-60:], r.get("flags", []))'
loadtape inspect more.tape --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["flags"])'
loadtape import secrets.jsonl -o bad.tape --redact-field ''
echo "empty name: exit $?"
[ -e bad.tape ] && echo "bad.tape left behind"
exit 0
