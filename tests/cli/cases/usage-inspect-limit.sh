loadtape import events.jsonl -o ev.tape 2>/dev/null
loadtape inspect ev.tape --limit 3
