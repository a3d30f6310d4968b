# A failed import over an existing tape leaves that tape as it was, and no
# temporary file behind.
loadtape import events.jsonl -o ev.tape 2>/dev/null || exit 9
cp ev.tape before.tape
loadtape import err-order.jsonl -o ev.tape
echo "exit $?"
cmp ev.tape before.tape && echo "ev.tape unchanged"
ls | grep -c tmp
exit 0
