# '-' reads JSONL from standard input; --origin sets the time origin.
head -3 events.jsonl | loadtape import - -o ev.tape --origin 2025-06-01T12:00:00+02:00 || exit 1
loadtape inspect ev.tape --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["records"], d["origin"], d["source"])'
