# Every import error is one line naming the file and line (or HAR entry), exit 1,
# and no tape is left behind.
for f in err-unknown-key.jsonl err-order.jsonl err-fraction.jsonl err-json.jsonl \
         err-b64.jsonl err-flag.jsonl err-entry.har missing.jsonl; do
    loadtape import "$f" -o out.tape
    echo "$f: exit $?"
    [ -e out.tape ] && echo "$f: out.tape left behind"
done
exit 0
