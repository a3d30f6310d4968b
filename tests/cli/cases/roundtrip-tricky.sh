# Every field survives: binary and NUL bodies, non-UTF-8 header values, empty
# bodies, UTF-8, duplicate and mixed-case headers, numbers above 2^53, flags,
# responses present and absent, and a 1 MiB body; through a tape of several
# blocks.
python3 - <<'PY'
import base64, random
random.seed(1)
big = bytes(random.getrandbits(8) for _ in range(1 << 20))
with open("tricky.jsonl", "a") as f:
    f.write('{"ts_ns":"9007199254740993","session":3,"method":"POST","url":"/big","headers":[],'
            '"body_b64":"%s"}\n' % base64.b64encode(big).decode())
    f.write('{"ts_ns":"9007199254740993","session":3,"method":"POST","url":"/big-text","headers":[],'
            '"body":"%s"}\n' % ("0123456789abcdef" * 65536))
PY
loadtape import tricky.jsonl -o t.tape || exit 1
loadtape export t.tape -o back.jsonl || exit 1
cmp tricky.jsonl back.jsonl && echo "tricky.jsonl: identical after the round trip"
loadtape export t.tape | head -7
loadtape inspect t.tape --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("several blocks:", d["blocks"] > 1)'
