loadtape import events.jsonl -o out.tape --origin yesterday
