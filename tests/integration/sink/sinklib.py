"""sinklib.py - helpers for the sink's integration tests: start `loadtape sink`
on a free loopback port (port 0), read the URL it prints, talk to it with
http.client or raw sockets. Every socket has a timeout; every loop is bounded."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

LOADTAPE = os.environ.get("LOADTAPE", "loadtape")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def eq(what, want, got):
    if want != got:
        fail("%s: expected %r, got %r" % (what, want, got))


class Sink:
    """A sink child process; use as a context manager (always stopped)."""

    def __init__(self, *args, listen="127.0.0.1:0"):
        self.proc = subprocess.Popen([LOADTAPE, "sink", "--listen", listen] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on http://"):
            self.proc.kill()
            fail("sink did not start: %r %r" % (line, self.proc.stderr.read()))
        self.url = line[len("listening on "):]
        hostport = self.url[len("http://"):]
        host, port = hostport.rsplit(":", 1)
        self.host = host.strip("[]")
        self.port = int(port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def conn(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def sock(self, timeout=10):
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((self.host, self.port))
        return s

    def request(self, method, path, body=None, headers=None):
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read(), dict(r.getheaders())
        finally:
            c.close()

    def stats(self):
        st, body, _ = self.request("GET", "/stats")
        eq("GET /stats status", 200, st)
        return json.loads(body)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stops the sink; returns (exit code, stderr text). Idempotent."""
        if getattr(self, "result", None):
            return self.result
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("sink did not stop within %ds of signal %d" % (timeout, sig))
        err = self.proc.stderr.read().decode()
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.result = (self.proc.returncode, err)
        return self.result


def read_responses(s, n, deadline_s=10):
    """Reads n complete HTTP/1.1 responses (Content-Length framed) from socket s.
    Returns [(status, headers dict lowercased, body bytes)]."""
    buf = b""
    out = []
    end = time.monotonic() + deadline_s
    while len(out) < n:
        while b"\r\n\r\n" not in buf:
            if time.monotonic() > end:
                fail("timed out reading responses: got %d of %d" % (len(out), n))
            chunk = s.recv(65536)
            if not chunk:
                fail("connection closed after %d of %d responses" % (len(out), n))
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        hdrs = {}
        for l in lines[1:]:
            k, v = l.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        if status == 100:
            out.append((100, hdrs, b""))
            continue
        clen = int(hdrs.get("content-length", "0"))
        while len(buf) < clen:
            if time.monotonic() > end:
                fail("timed out reading a body")
            chunk = s.recv(65536)
            if not chunk:
                fail("connection closed inside a body")
            buf += chunk
        out.append((status, hdrs, buf[:clen]))
        buf = buf[clen:]
    return out


def read_until_close(s, deadline_s=10):
    """Reads until the peer closes; returns the bytes."""
    buf = b""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return buf
        if not chunk:
            return buf
        buf += chunk
    fail("connection not closed within %ds" % deadline_s)


def event(i=0, stream_type="track"):
    ev = {"type": stream_type, "userId": "u%d" % i, "properties": {"i": i}}
    if stream_type == "track":
        ev["event"] = "Clicked"
    return json.dumps(ev, separators=(",", ":")).encode()


def post(path, body, extra=b""):
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + extra + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
