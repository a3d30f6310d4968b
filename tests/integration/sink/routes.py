"""routes.py - the sink's routes and answers, with curl and http.client, and
/stats counting exactly what was sent."""
import json
import socket
import subprocess
import time

from sinklib import Sink, eq, fail, event, post, read_responses

CURL = ["curl", "-s", "-S", "--max-time", "10"]


def curl(sink, *args):
    r = subprocess.run(CURL + list(args), capture_output=True, timeout=20)
    if r.returncode != 0:
        fail("curl %r: %s" % (args, r.stderr.decode()))
    return r.stdout.decode()


def curl_status_body(sink, *args):
    out = curl(sink, "-w", "\n%{http_code}", *args)
    body, code = out.rsplit("\n", 1)
    return int(code), body


with Sink() as s:
    u = s.url
    sent = {"requests": 0, "202": 0, "400": 0, "404": 0, "405": 0, "200": 0, "events": 0}

    def count(status, events=0):
        sent["requests"] += 1
        sent[str(status)] += 1
        sent["events"] += events

    # health, HEAD, 404, 405
    eq("health", (200, '{"status":"ok"}'), curl_status_body(s, u + "/health"))
    count(200)
    st, body, hdrs = s.request("HEAD", "/health")
    eq("HEAD /health", (200, b"", "15"), (st, body, hdrs["Content-Length"]))
    count(200)
    eq("404", (404, '{"error":"not found"}'), curl_status_body(s, u + "/nothing/here"))
    count(404)
    eq("/collect/ without stream", 404, curl_status_body(s, u + "/collect/")[0])
    count(404)
    eq("/collect/a/b", 404, curl_status_body(s, "-d", "{}", u + "/collect/a/b")[0])
    count(404)
    eq("GET /collect/web", 405, curl_status_body(s, u + "/collect/web")[0])
    count(405)

    # valid events, a batch, a query string
    eq("track", (202, '{"accepted":1}'),
       curl_status_body(s, "-H", "Content-Type: application/json", "--data-binary",
                        event(1).decode(), u + "/collect/web"))
    count(202, 1)
    batch = json.dumps({"batch": [json.loads(event(i)) for i in range(5)]})
    eq("batch", (202, '{"accepted":5}'),
       curl_status_body(s, "--data-binary", batch, u + "/collect/ios?src=test"))
    count(202, 5)

    # invalid: every reason, by name
    bad = {
        "malformed_json": b'{"type":"track",',
        "missing_type": b'{"userId":"u"}',
        "unknown_type": b'{"type":"purchase","userId":"u"}',
        "track_without_event": b'{"type":"track","userId":"u"}',
        "wrong_field_type": b'{"type":"page","userId":"u","properties":"x"}',
        "missing_user": b'{"type":"page"}',
        "not_object": b'[1]',
        "empty_batch": b'{"batch":[]}',
    }
    for reason, body in bad.items():
        st, rb, _ = s.request("POST", "/collect/web", body, {"Content-Type": "application/json"})
        eq("status for " + reason, 400, st)
        j = json.loads(rb)
        eq("reason for " + reason, reason, j["reason"])
        if not j["error"]:
            fail("empty error message for " + reason)
        count(400)
    # a batch with one bad event is refused whole, naming the index
    badbatch = json.dumps({"batch": [json.loads(event(0)), {"type": "track", "userId": "x"}]})
    st, rb, _ = s.request("POST", "/collect/web", badbatch.encode())
    eq("bad batch", (400, "batch[1]: track event without \"event\""),
       (st, json.loads(rb)["error"]))
    count(400)

    # a 50 KB event
    big = json.dumps({"type": "track", "event": "Big", "userId": "u",
                      "properties": {"blob": "x" * 50000}})
    eq("50 KB body", (202, '{"accepted":1}'),
       curl_status_body(s, "--data-binary", big, u + "/collect/payload"))
    count(202, 1)
    # chunked upload
    eq("chunked upload", (202, '{"accepted":1}'),
       curl_status_body(s, "-H", "Transfer-Encoding: chunked", "--data-binary", big,
                        u + "/collect/payload"))
    count(202, 1)
    # Expect: 100-continue is answered at once (curl would wait 1 s otherwise)
    t0 = time.monotonic()
    eq("expect 100-continue", (202, '{"accepted":1}'),
       curl_status_body(s, "-H", "Expect: 100-continue", "--expect100-timeout", "8",
                        "--data-binary", big, u + "/collect/payload"))
    count(202, 1)
    if time.monotonic() - t0 > 4:
        fail("100 Continue was not sent: curl waited for its timeout")
    # raw: the interim response comes before the final one
    sock = s.sock()
    body = event(3)
    sock.sendall(b"POST /collect/raw HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    r = read_responses(sock, 1)
    eq("interim", 100, r[0][0])
    sock.sendall(body)
    r = read_responses(sock, 1)
    eq("final after 100", (202, b'{"accepted":1}'), (r[0][0], r[0][2]))
    sock.close()
    count(202, 1)

    # HTTP/1.0: closes unless keep-alive is asked for
    sock = s.sock()
    sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    if not data.startswith(b"HTTP/1.1 200") or b"Connection: close" not in data:
        fail("HTTP/1.0 answer: %r" % data)
    sock.close()
    count(200)

    # a stream name that is not UTF-8 is counted under "(other)"
    st, _, _ = s.request("POST", "/collect/%ff%fe", event(9))
    eq("percent-encoded stream", 202, st)
    count(202, 1)
    sock = s.sock()
    sock.sendall(post("/collect/X", event(9)).replace(b"/collect/X", b"/collect/\xff"))
    eq("raw non-UTF-8 stream", 202, read_responses(sock, 1)[0][0])
    sock.close()
    count(202, 1)

    st = s.stats()
    eq("(other) stream", {"requests": 1, "events": 1, "rejected": 0}, st["streams"]["(other)"])
    eq("requests", sent["requests"], st["requests"])
    eq("events_accepted", sent["events"], st["events_accepted"])
    for k in ("200", "202", "400", "404", "405"):
        eq("status " + k, sent[k], st["status"].get(k, 0))
    for reason in bad:
        eq("rejected " + reason, 2 if reason == "track_without_event" else 1,
           st["rejected"][reason])
    eq("streams.web", {"requests": 11, "events": 1, "rejected": 9}, st["streams"]["web"])
    eq("streams.ios", {"requests": 1, "events": 5, "rejected": 0}, st["streams"]["ios"])
    eq("streams.payload.events", 3, st["streams"]["payload"]["events"])
    code, err = s.stop()
    eq("exit code after SIGTERM", 0, code)

# IPv6, when the machine has ::1
try:
    probe = socket.socket(socket.AF_INET6)
    probe.bind(("::1", 0))
    probe.close()
    have6 = True
except OSError:
    have6 = False
if have6:
    with Sink(listen="[::1]:0") as s:
        if not s.url.startswith("http://[::1]:"):
            fail("IPv6 URL: " + s.url)
        eq("IPv6 track", (202, '{"accepted":1}'),
           curl_status_body(s, "--data-binary", event(1).decode(), s.url + "/collect/v6"))
print("ok")
