# --json: one object; file sizes vary with the zstd version, so they are checked
# for consistency rather than printed.
loadtape import events.jsonl -o ev.tape 2>/dev/null || exit 1
loadtape inspect ev.tape --json >out.json || exit 1
[ "$(wc -l <out.json)" = 1 ] || echo "not one line"
python3 - <<'PY'
import json, os
d = json.load(open("out.json"))
assert d["file_bytes"] == os.path.getsize("ev.tape"), d["file_bytes"]
assert abs(d["compression_ratio"] - d["raw_bytes"] / d["file_bytes"]) < 1e-9
for k in ("file_bytes", "raw_bytes", "compression_ratio"):
    del d[k]
print(json.dumps(d, indent=1, sort_keys=True))
PY
