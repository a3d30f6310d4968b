# -o is required; nothing is created
loadtape import events.jsonl
rc=$?; ls *.tape 2>/dev/null; exit $rc
