# A tape cut inside a block (its writer killed mid-write): the complete blocks are
# read, inspect and export warn that it was not closed and how many records were
# recovered, and inspect's statistics come from scanning them.
python3 - <<'PY'
import random
random.seed(3)
with open("many.jsonl", "w") as f:
    for i in range(3000):
        body = "".join(random.choice("abcdefghij") for _ in range(1000))
        f.write('{"ts_ns":%d,"session":%d,"method":"POST","url":"/collect/s%d","headers":[],'
                '"body":"%s"}\n' % (i * 1000000, i % 7, i % 3, body))
PY
loadtape import many.jsonl -o many.tape 2>/dev/null || exit 1
loadtape inspect many.tape --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("closed:", d["records"], "records in", d["blocks"], "blocks")'
size=$(stat -c %s many.tape)
head -c $((size * 6 / 10)) many.tape >cut.tape
# (offsets and compressed sizes vary with the zstd version: masked)
mask() { sed -E 's/at offset [0-9]+ is incomplete \([0-9]+ of [0-9]+ bytes\)/at offset N is incomplete (X of Y bytes)/' "$@"; }
loadtape inspect cut.tape --json 2>warn1.txt | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("cut:", d["closed"], d["stats_from"], d["records"], "records in", d["blocks"], "blocks")
print("warning:", d["warning"])' | mask
loadtape export cut.tape 2>warn2.txt | wc -l
mask warn1.txt warn2.txt >&2
