# Units as vegeta, k6 and hey users type them, and --duration 0 refused alike everywhere.
loadtape synth baseline -o t.tape --duration 1m30s --rate 300/m -q
echo "compound duration, rate per minute: exit $?"
loadtape inspect t.tape --json | grep -o '"records":[0-9]*'
loadtape synth baseline -o u.tape --duration 1h2m3.5s --rate 1/h -q
echo "1h2m3.5s at 1/h: exit $?"
loadtape synth baseline -o v.tape --duration 1m30 -q
echo "unit missing: exit $?"
loadtape synth baseline -o v.tape --rate 50/2 -q
echo "rate per bare number: exit $?"
for cmd in "synth baseline -o v.tape" "replay t.tape --target http://127.0.0.1:9" \
    "capture -r none.pcap -o v.tape" "sink"; do
    # shellcheck disable=SC2086
    loadtape $cmd --duration 0
    echo "$cmd --duration 0: exit $?"
done
loadtape replay t.tape --target http://127.0.0.1:9 --speed 0x
echo "speed 0x: exit $?"
loadtape replay t.tape --target http://127.0.0.1:9 --speed 2xx
echo "speed 2xx: exit $?"
ls v.tape 2>/dev/null
exit 0
