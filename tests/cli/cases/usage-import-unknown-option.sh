loadtape import events.jsonl -o out.tape --orign 2026-01-01T00:00:00Z
