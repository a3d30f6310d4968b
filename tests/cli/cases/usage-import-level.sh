loadtape import events.jsonl -o out.tape --level 20
