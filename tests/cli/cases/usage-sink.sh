# loadtape sink: help, and usage errors (exit 2) before anything listens.
loadtape sink -h
echo "help: exit $?"
loadtape sink --listen 'localhost'
echo "bad listen: exit $?"
loadtape sink --listen '127.0.0.1:99999'
echo "bad port: exit $?"
loadtape sink --listen '::1:8080'
echo "bare ipv6: exit $?"
loadtape sink --error-rate 150%
echo "bad rate: exit $?"
loadtape sink --workers 0
echo "bad workers: exit $?"
loadtape sink extra
echo "positional: exit $?"
loadtape sink --record -
echo "record to stdout: exit $?"
loadtape sink --listen 127.0.0.1:0 --record no/such/dir/x.tape
echo "bad record path: exit $?"
exit 0
