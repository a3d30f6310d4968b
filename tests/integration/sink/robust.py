"""robust.py - pipelining (in order, also under --delay/--jitter), garbage,
oversized and slow requests (400/413/414/431/408) that leave other
connections alone, delays that never block the loop."""
import json
import threading
import time

from sinklib import Sink, eq, fail, event, post, read_responses, read_until_close


def batch(n, tag):
    return json.dumps({"batch": [{"type": "track", "event": tag, "userId": "u"}] * n}).encode()


def pipelined_in_order(s, count=3):
    """count requests in one write; the k-th is a batch of k events."""
    sock = s.sock()
    sock.sendall(b"".join(post("/collect/p%d" % k, batch(k, "e%d" % k)) for k in range(1, count + 1)))
    rs = read_responses(sock, count)
    got = [(st, json.loads(b)["accepted"]) for st, _, b in rs]
    eq("pipelined responses in order", [(202, k) for k in range(1, count + 1)], got)
    return sock


with Sink() as s:
    # three requests in one write, answered in order on the same connection
    keep = pipelined_in_order(s)
    # mixed methods pipelined, then a keep-alive request on the same socket
    keep.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n" + post("/collect/w", event(1)) +
                 b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
    eq("mixed pipeline", [200, 202, 404], [r[0] for r in read_responses(keep, 3)])

    # garbage: 400 and that connection closes; the other one keeps working
    g = s.sock()
    g.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n")
    data = read_until_close(g)
    if not data.startswith(b"HTTP/1.1 400 "):
        fail("garbage answer: %r" % data[:80])
    g.close()
    keep.sendall(post("/collect/w", event(2)))
    eq("other connection after garbage", 202, read_responses(keep, 1)[0][0])

    # HTTP/1.1 needs exactly one Host header (RFC 9112 section 3.2)
    for req, what in ((b"GET /health HTTP/1.1\r\n\r\n", b"missing Host header"),
                      (b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                       b"more than one Host header")):
        g = s.sock()
        g.sendall(req)
        data = read_until_close(g)
        if not data.startswith(b"HTTP/1.1 400 ") or what not in data:
            fail("Host check: %r" % data[:200])
        g.close()

    # request smuggling shapes are refused
    g = s.sock()
    g.sendall(b"POST /collect/w HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    data = read_until_close(g)
    if not data.startswith(b"HTTP/1.1 400 ") or b"both content-length" not in data:
        fail("CL+TE answer: %r" % data[:200])

    # oversized: URL, headers, declared body
    cases = [
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414, b"url limit"),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 1000) for i in range(70))
         + b"\r\n", 431, b"65536-byte limit"),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(300)) + b"\r\n", 431,
         b"more than 256 headers"),
        (b"POST /collect/w HTTP/1.1\r\nHost: t\r\nContent-Length: 67108865\r\n\r\n", 413,
         b"67108864-byte limit"),
    ]
    for req, status, what in cases:
        g = s.sock()
        g.sendall(req)
        data = read_until_close(g)
        if not data.startswith(b"HTTP/1.1 %d " % status) or what not in data:
            fail("oversized (%d) answer: %r" % (status, data[:200]))
        g.close()
    # a chunked body that grows past 64 MiB is cut off with 413 (sent in 1 MiB chunks)
    g = s.sock(timeout=30)
    g.sendall(b"POST /collect/w HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
    try:
        for _ in range(70):
            g.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    data = read_until_close(g, 30)
    if not data.startswith(b"HTTP/1.1 413 "):
        fail("chunked past the body limit: %r" % data[:120])
    g.close()
    keep.sendall(post("/collect/w", event(3)))
    eq("other connection after oversized", 202, read_responses(keep, 1)[0][0])

    st = s.stats()
    eq("rejected.too_large", 5, st["rejected"]["too_large"])
    eq("rejected.bad_request", 4, st["rejected"]["bad_request"])
    eq("status 202", 6, st["status"]["202"])
    code, err = s.stop()
    eq("exit code", 0, code)

with Sink("--request-timeout", "1s", "--idle-timeout", "1500ms") as s:
    keep = s.sock()
    # an idle connection is closed silently after --idle-timeout
    idle = s.sock()
    t_idle = time.monotonic()
    # slowloris: a head that never ends gets 408 after --request-timeout (1 s);
    # meanwhile another connection is served at once
    slow = s.sock()
    slow.sendall(b"POST /collect/w HTTP/1.1\r\nHost: t\r\nX-Slow: ")
    t0 = time.monotonic()
    keep.sendall(post("/collect/w", event(4)))
    eq("served while a slow client dribbles", 202, read_responses(keep, 1)[0][0])
    if time.monotonic() - t0 > 0.9:
        fail("a slow client held up another connection")
    for _ in range(3):
        time.sleep(0.2)
        try:
            slow.sendall(b"a")
        except OSError:
            break
    data = read_until_close(slow, 5)
    took = time.monotonic() - t0
    if not data.startswith(b"HTTP/1.1 408 "):
        fail("slowloris answer: %r" % data[:120])
    if took < 0.9 or took > 3.5:
        fail("408 after %.2fs, expected about 1s" % took)

    eq("idle connection closed without a word", b"", read_until_close(idle, 5))
    took = time.monotonic() - t_idle
    if took < 1.4 or took > 4:
        fail("idle connection closed after %.2fs, expected about 1.5s" % took)
    st = s.stats()
    eq("rejected.timeout", 1, st["rejected"]["timeout"])
    eq("status 408", 1, st["status"]["408"])

# --delay: 20 concurrent requests all take about the delay, not 20 times it;
# with --jitter, pipelined responses still come back in order.
with Sink("--delay", "300ms", "--jitter", "200ms") as s:
    results = []

    def one(i):
        t = time.monotonic()
        st, _, _ = s.request("POST", "/collect/d", event(i))
        results.append((st, time.monotonic() - t))

    t0 = time.monotonic()
    ths = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(15)
    total = time.monotonic() - t0
    eq("20 delayed answers", [202] * 20, sorted(r[0] for r in results))
    if min(r[1] for r in results) < 0.09:
        fail("a response came before delay-jitter (100 ms)")
    if total > 3.5:
        fail("20 concurrent delayed requests took %.2fs: the delay blocks" % total)
    sock = pipelined_in_order(s, 8)
    sock.close()

# --delay applies to /collect only: /health stays prompt
with Sink("--delay", "2s") as s:
    t = time.monotonic()
    eq("health", 200, s.request("GET", "/health")[0])
    if time.monotonic() - t > 1.0:
        fail("/health was delayed")
    t = time.monotonic()
    eq("delayed collect", 202, s.request("POST", "/collect/d", event(1))[0])
    if time.monotonic() - t < 1.9:
        fail("/collect answered before --delay 2s")

# --error-rate: about that share of 503s, counted
with Sink("--error-rate", "30%", "--seed", "7") as s:
    sock = s.sock()
    n503 = 0
    for i in range(10):
        sock.sendall(b"".join(post("/collect/e", event(k)) for k in range(20)))
        n503 += sum(1 for r in read_responses(sock, 20) if r[0] == 503)
    if not 30 <= n503 <= 90:
        fail("--error-rate 30%%: %d of 200 were 503" % n503)
    st = s.stats()
    eq("503 counted", n503, st["status"]["503"])
    eq("202 counted", 200 - n503, st["status"]["202"])
# --duration stops the sink by itself, exit code 0
with Sink("--duration", "1s") as s:
    t = time.monotonic()
    try:
        s.proc.wait(10)
    except Exception:
        fail("--duration 1s: still running after 10 s")
    eq("exit code after --duration", 0, s.proc.returncode)
    if time.monotonic() - t > 5:
        fail("--duration 1s took too long")
print("ok")
