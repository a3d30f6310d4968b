# A full disk is one error line and exit 1.
loadtape import events.jsonl -o ev.tape 2>/dev/null || exit 9
loadtape export ev.tape >/dev/full
