"""record.py - `sink --record`: every request received becomes a record (ts
since start, a session per connection, method, url, headers as received,
the decoded body, the answer's status); `loadtape export` gives back exactly
what was sent (a chunked body decoded, its Transfer-Encoding become the
Content-Length of what was decoded, as capture records it); SIGTERM while
clients are busy leaves a closed, valid tape."""
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from sinklib import LOADTAPE, Sink, eq, fail, event, read_responses

tmp = tempfile.mkdtemp(prefix="loadtape-sink-rec.")
tape = os.path.join(tmp, "rec.tape")


def export(path):
    r = subprocess.run([LOADTAPE, "export", path], capture_output=True, timeout=60)
    if r.returncode != 0:
        fail("export: %s" % r.stderr.decode())
    return [json.loads(l) for l in r.stdout.decode().splitlines()]


def inspect(path):
    r = subprocess.run([LOADTAPE, "inspect", "--json", path], capture_output=True, timeout=60)
    if r.returncode != 0:
        fail("inspect: %s" % r.stderr.decode())
    return json.loads(r.stdout)


# What each connection sends: (raw request bytes, expected record fields).
ev = event(1)
binary = bytes(range(256))
conn_a = [
    (b"POST /collect/web?src=a HTTP/1.1\r\nHost: sink.test\r\nContent-Type: application/json\r\n"
     b"X-Dup: one\r\nx-dup: Two\r\nContent-Length: %d\r\n\r\n" % len(ev) + ev,
     {"method": "POST", "url": "/collect/web?src=a",
      "headers": [["Host", "sink.test"], ["Content-Type", "application/json"],
                  ["X-Dup", "one"], ["x-dup", "Two"], ["Content-Length", str(len(ev))]],
      "body": ev.decode(), "status": 202}),
    (b"GET /health HTTP/1.1\r\nHost: sink.test\r\n\r\n",
     {"method": "GET", "url": "/health", "headers": [["Host", "sink.test"]], "status": 200}),
]
chunks = b"%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n" % (5, ev[:5], len(ev) - 5, ev[5:])
conn_b = [
    (b"POST /collect/mobile HTTP/1.1\r\nHost: sink.test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks,
     {"method": "POST", "url": "/collect/mobile",
      "headers": [["Host", "sink.test"], ["Content-Length", str(len(ev))]],
      "body": ev.decode(), "status": 202}),
    (b"PUT /upload HTTP/1.1\r\nHost: sink.test\r\nContent-Length: 256\r\n\r\n" + binary,
     {"method": "PUT", "url": "/upload",
      "headers": [["Host", "sink.test"], ["Content-Length", "256"]],
      "body_b64": base64.b64encode(binary).decode(), "status": 404}),
]

with Sink("--record", tape) as s:
    a = s.sock()
    b = s.sock()
    order = []
    # interleave the two connections; wait for each answer so the order is known
    for i in range(2):
        for sock, reqs in ((a, conn_a), (b, conn_b)):
            raw, want = reqs[i]
            sock.sendall(raw)
            eq("answer", want["status"], read_responses(sock, 1)[0][0])
            order.append((sock is a, want))
    a.close()
    b.close()
    code, err = s.stop(signal.SIGINT)
    eq("exit code after SIGINT", 0, code)
    if "recorded 4 requests" not in err:
        fail("sink did not report what it recorded: %r" % err)

recs = export(tape)
eq("records", 4, len(recs))
sessions = {}
last_ts = -1
for rec, (is_a, want) in zip(recs, order):
    for k in ("method", "url", "headers"):
        eq("record %s" % k, want[k], rec[k])
    if "body_b64" in want:
        eq("record body_b64", want["body_b64"], rec.get("body_b64"))
    else:
        eq("record body", want.get("body", ""), rec.get("body"))
    eq("record response status", want["status"], rec["response"]["status"])
    sessions.setdefault(is_a, set()).add(rec["session"])
    if rec["ts_ns"] < last_ts:
        fail("ts_ns goes backwards")
    last_ts = rec["ts_ns"]
if len(sessions[True]) != 1 or len(sessions[False]) != 1 or sessions[True] == sessions[False]:
    fail("sessions are not one per connection: %r" % sessions)
info = inspect(tape)
eq("tape closed", True, info["closed"])
eq("tape source", "sink", info["source"]["kind"])

# SIGTERM while ab keeps 20 connections busy: the tape is closed and holds
# exactly what the sink says it recorded.
busy = os.path.join(tmp, "busy.tape")
with open(os.path.join(tmp, "ev.json"), "wb") as f:
    f.write(event(2))
with Sink("--record", busy) as s:
    ab = subprocess.Popen(["ab", "-k", "-q", "-n", "1000000", "-c", "20", "-s", "5", "-p",
                           os.path.join(tmp, "ev.json"), "-T", "application/json",
                           s.url + "/collect/busy"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    code, err = s.stop(signal.SIGTERM)
    ab.kill()
    ab.wait()
    eq("exit code after SIGTERM while busy", 0, code)
    import re
    m = re.search(r"recorded (\d+) requests", err)
    if not m:
        fail("no record count: %r" % err)
    n = int(m.group(1))
    if n < 100:
        fail("only %d requests recorded in 1.5 s of ab" % n)
info = inspect(busy)
eq("busy tape closed", True, info["closed"])
eq("busy tape records", n, info["records"])
eq("busy export lines", n, len(export(busy)))
subprocess.run(["rm", "-rf", tmp])
print("ok")
