# A flipped byte inside a block: export reports the block and offset, exits 1 and
# leaves no partial -o file; inspect of the closed tape reads only the index and
# trailer, so it still summarizes (and does not read the damaged block).
loadtape import events.jsonl -o ev.tape 2>/dev/null || exit 1
size=$(stat -c %s ev.tape)
python3 -c '
import sys
b = bytearray(open("ev.tape", "rb").read())
b[len(b) // 2] ^= 0x55
open("bad.tape", "wb").write(b)'
loadtape export bad.tape -o out.jsonl
echo "export: exit $?"
[ -e out.jsonl ] && echo "out.jsonl left behind"
loadtape export bad.tape --to har >/dev/null
echo "export --to har: exit $?"
loadtape inspect bad.tape | grep -E '^(format|records) '
loadtape inspect bad.tape --records >/dev/null
echo "inspect --records: exit $?"
exit 0
