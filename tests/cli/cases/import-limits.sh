# The limits of DESIGN.md §2, named in the error; no tape left behind.
python3 - <<'PY'
import json
hdrs = [["h%d" % i, "v"] for i in range(257)]
with open("many-headers.jsonl", "w") as f:
    f.write(json.dumps({"ts_ns": 1, "method": "GET", "url": "/", "headers": hdrs}) + "\n")
with open("long-url.jsonl", "w") as f:
    f.write(json.dumps({"ts_ns": 1, "method": "GET", "url": "/" + "a" * 8192}) + "\n")
with open("big-headers.jsonl", "w") as f:
    f.write(json.dumps({"ts_ns": 1, "method": "GET", "url": "/",
                        "headers": [["X-Big", "b" * 65530], ["X-More", "c" * 10]]}) + "\n")
with open("big-body.jsonl", "w") as f:
    f.write('{"ts_ns":1,"method":"POST","url":"/","body":"' + "d" * (64 * 1024 * 1024 + 1) + '"}\n')
PY
for f in many-headers.jsonl long-url.jsonl big-headers.jsonl big-body.jsonl; do
    loadtape import "$f" -o out.tape
    echo "$f: exit $?"
    [ -e out.tape ] && echo "$f: out.tape left behind"
done
exit 0
