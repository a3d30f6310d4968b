loadtape import events.jsonl -o ev.tape 2>/dev/null
loadtape export ev.tape --to csv
