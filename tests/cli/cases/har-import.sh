# A browser's HAR: entries in time order from the earliest, HTTP/2 pseudo-headers
# dropped (:authority becomes Host), sessions from 'connection'.
loadtape import sample.har -o s.tape || exit 1
loadtape export s.tape | head -2
loadtape inspect s.tape --records
loadtape inspect s.tape --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["origin"], d["source"])'
# --origin relabels the time origin; the records keep their offsets from the earliest entry
loadtape import sample.har -o s2.tape --origin 2026-01-01T00:00:00Z 2>/dev/null || exit 1
loadtape inspect s2.tape --records --limit 2
loadtape inspect s2.tape --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["origin"])'
