# inspect --verify reads and checks every block: a clean tape says so, a flipped byte
# fails (exit 1) naming the damaged block and its offset, which plain inspect (index
# only) does not see.
loadtape import events.jsonl -o ev.tape --level 1 2>/dev/null
loadtape inspect ev.tape | sed -n 2p
loadtape inspect ev.tape --verify | sed -n 2p
loadtape inspect ev.tape --verify --json | grep -o '"verified":[a-z]*'
cp ev.tape bad.tape
size=$(stat -c %s bad.tape)
printf '\377' | dd of=bad.tape bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
loadtape inspect bad.tape | sed -n 2p
echo "plain: exit ${PIPESTATUS[0]}"
loadtape inspect bad.tape --verify
echo "verify: exit $?"
loadtape inspect ev.tape --verify --records
echo "with --records: exit $?"
