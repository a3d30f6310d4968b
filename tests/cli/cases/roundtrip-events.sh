# JSONL -> tape -> JSONL is byte-identical.
loadtape import events.jsonl -o ev.tape || exit 1
loadtape export ev.tape >back.jsonl || exit 1
cmp events.jsonl back.jsonl && echo "events.jsonl: identical after the round trip"
