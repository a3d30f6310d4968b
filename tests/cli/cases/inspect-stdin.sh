# "-" reads a tape from standard input: a pipe is read block by block without the
# index (so the summary is a scan), a cut one says so at the end; a redirected file
# is read as a file.
loadtape import events.jsonl -o ev.tape 2>/dev/null
cat ev.tape | loadtape inspect - --json | grep -o '"closed":[a-z]*,"stats_from":"[a-z]*"\|"records":[0-9]*'
loadtape inspect - --json <ev.tape | grep -o '"closed":[a-z]*,"stats_from":"[a-z]*"'
cat ev.tape | loadtape export - | cmp - events.jsonl && echo "export - gives the JSONL back"
head -c 300 ev.tape | loadtape export -
echo "cut tape: exit $?"
printf 'not a tape' | loadtape inspect -
echo "not a tape: exit $?"
