loadtape inspect events.jsonl
echo "exit $?"
loadtape export nothing.tape
echo "exit $?"
