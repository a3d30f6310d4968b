"""json_readers.py - the sink answers an unknown UTF-8 event type with that type's own bytes in
valid JSON, and the sink, `import` (JSONL and HAR) and `synth` (scenario files) refuse
the same bad JSON for the same reason. Run in a scratch directory."""
import json
import os
import subprocess

from sinklib import LOADTAPE, Sink, eq, fail

CAFE = "caf\u00e9".encode()  # c a f 0xC3 0xA9
assert CAFE == b"caf\xc3\xa9"

# bad JSON values, each with the reason the reader gives on every path
BAD = [
    ("invalid UTF-8 in a string", b'"caf\xe9"', "string is not valid UTF-8"),
    ("a lone surrogate", b'"\\ud800"', "lone high surrogate in \\u escape"),
    ("nesting deeper than the limit", b"[" * 65 + b"]" * 65,
     "arrays and objects nested more than 64 deep"),
    ("a key given twice", b'{"k":1,"k":2}', "duplicate key 'k'"),
]


def run(*args):
    r = subprocess.run([LOADTAPE] + list(args), capture_output=True, timeout=60)
    return r.returncode, r.stderr.decode("utf-8")


def one_error_line(what, code, err, reason):
    eq(what + ": exit", 1, code)
    lines = err.strip().split("\n")
    if len(lines) != 1 or reason not in lines[0] or "invalid JSON at" not in lines[0]:
        fail("%s: expected one error line with %r, got %r" % (what, reason, err))


with Sink() as s:
    # the 400 answer quotes the type byte for byte: UTF-8, not \u00c3\u00a9
    st, body, hdrs = s.request("POST", "/collect/web", b'{"type":"' + CAFE + b'","userId":"u"}',
                               {"Content-Type": "application/json"})
    eq("status for type caf\u00e9", 400, st)
    eq("content type", "application/json", hdrs["Content-Type"])
    if CAFE not in body or b"\\u00" in body:
        fail("the error body does not hold caf\u00e9 as UTF-8: %r" % body)
    j = json.loads(body.decode("utf-8", errors="strict"))  # valid UTF-8, valid JSON
    eq("error message", "unknown type 'caf\u00e9'", j["error"])
    eq("reason", "unknown_type", j["reason"])
    eq("whole body", b'{"error":"unknown type \'' + CAFE + b'\'","reason":"unknown_type"}', body)
    # a 4-byte character too
    st, body, _ = s.request("POST", "/collect/web", b'{"type":"\xf0\x9f\x98\x80","userId":"u"}')
    eq("emoji type", (400, "unknown type '\U0001F600'"), (st, json.loads(body)["error"]))

    for what, value, reason in BAD:
        ev = b'{"type":"track","userId":"u","event":"e","properties":{"x":' + value + b"}}"
        st, body, _ = s.request("POST", "/collect/web", ev, {"Content-Type": "application/json"})
        j = json.loads(body.decode("utf-8", errors="strict"))
        eq("sink, %s: status" % what, 400, st)
        eq("sink, %s: reason" % what, "malformed_json", j["reason"])
        if reason not in j["error"] or not j["error"].startswith("body is not valid JSON at "):
            fail("sink, %s: expected %r in the error, got %r" % (what, reason, j["error"]))

        # a JSONL import line: the record after a good one (nothing half-written is kept)
        with open("bad.jsonl", "wb") as f:
            f.write(b'{"ts_ns":0,"method":"GET","url":"/"}\n')
            f.write(b'{"ts_ns":1,"method":"POST","url":"/","body":"x","x":' + value + b"}\n")
        code, err = run("import", "bad.jsonl", "-o", "out.tape")
        one_error_line("JSONL import, " + what, code, err, reason)
        if "line 2" not in err:
            fail("JSONL import, %s: the error does not name line 2: %r" % (what, err))
        if os.path.exists("out.tape"):
            fail("JSONL import, %s: a tape was left behind" % what)

        # a HAR entry (a custom field, which HAR allows anywhere)
        with open("bad.har", "wb") as f:
            f.write(b'{"log":{"version":"1.2","entries":[{"startedDateTime":'
                    b'"2026-01-01T00:00:00Z","request":{"method":"GET","url":"http://h/"},'
                    b'"_x":' + value + b"}]}}")
        code, err = run("import", "bad.har", "-o", "out.tape")
        one_error_line("HAR import, " + what, code, err, reason)
        if os.path.exists("out.tape"):
            fail("HAR import, %s: a tape was left behind" % what)

        # a scenario file
        with open("bad.json", "wb") as f:
            f.write(b'{"duration":"1s","description":' + value + b"}")
        code, err = run("synth", "bad.json", "-o", "out.tape")
        one_error_line("scenario file, " + what, code, err, reason)

    # the same bytes, valid, go through every path
    good = b'"caf\xc3\xa9 \\ud83d\\ude00"'
    ev = b'{"type":"track","userId":"u","event":"e","properties":{"x":' + good + b"}}"
    eq("sink, good value", 202, s.request("POST", "/collect/web", ev)[0])
    with open("good.jsonl", "wb") as f:
        f.write(b'{"ts_ns":0,"method":"POST","url":"/","body":' + good + b"}\n")
    eq("JSONL import, good value", 0, run("import", "good.jsonl", "-o", "good.tape")[0])
    code = subprocess.run([LOADTAPE, "export", "good.tape"], capture_output=True, timeout=60)
    eq("export of the good value", (0, b'{"ts_ns":0,"session":0,"method":"POST","url":"/",'
                                       b'"headers":[],"body":"caf\xc3\xa9 \xf0\x9f\x98\x80"}\n'),
       (code.returncode, code.stdout))

    stats = s.stats()
    eq("malformed_json counted", len(BAD), stats["rejected"]["malformed_json"])
    eq("unknown_type counted", 2, stats["rejected"]["unknown_type"])
