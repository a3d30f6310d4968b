-- wrk script: POST one small valid event (used by the tests and bench/sink.sh).
wrk.method = "POST"
wrk.body = '{"type":"track","event":"Clicked","userId":"u1","properties":{"x":1}}'
wrk.headers["Content-Type"] = "application/json"
