# A tape cut short (its writer killed): inspect and export say it was not closed
# and how many records were recovered; inspect scans what is there.
loadtape import events.jsonl -o ev.tape 2>/dev/null || exit 1
size=$(stat -c %s ev.tape)
head -c $((size - 20)) ev.tape >cut.tape
loadtape inspect cut.tape | grep -E '^(format|records) '
echo "inspect: exit ${PIPESTATUS[0]}"
loadtape export cut.tape | wc -l
