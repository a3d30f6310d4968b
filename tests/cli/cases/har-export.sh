# HAR export is a HAR 1.2 log that imports back to the same requests.
head -4 tricky.jsonl | loadtape import - -o t.tape 2>/dev/null || exit 1
loadtape export t.tape --to har -o t.har || exit 1
python3 - <<'PY'
import json
log = json.load(open("t.har"))["log"]
print(log["version"], log["creator"]["name"], len(log["entries"]))
for e in log["entries"]:
    for k in ("startedDateTime", "time", "request", "response", "cache", "timings"):
        assert k in e, k
    r = e["request"]
    print(e["startedDateTime"], r["method"], r["url"], e["response"]["status"], e["time"],
          r.get("postData", {}).get("encoding", "text"))
PY
loadtape import t.har -o back.tape 2>/dev/null || exit 1
loadtape export back.tape
