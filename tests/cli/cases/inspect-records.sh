loadtape import events.jsonl -o ev.tape 2>/dev/null || exit 1
loadtape inspect ev.tape --records --limit 5
loadtape inspect ev.tape --records --json --limit 2
loadtape inspect ev.tape --records | wc -l
