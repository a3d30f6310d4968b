#!/usr/bin/env python3
"""faultsrv.py - small HTTP/1.1 servers that misbehave on cue, for replay tests.

usage: faultsrv.py MODE PORT [CAPTURE]
  reset    read a request, then close with RST (SO_LINGER 0)
  hang     read requests, never answer
  no100    answer only after the whole body arrived; never send 100 Continue
  capture  answer 202 keep-alive, append each request's raw bytes to CAPTURE
  half     answer a head promising 100 bytes, send 10, close
  once     answer the first request of a connection (keep-alive), then read the next
           and close without a word: the keep-alive race HTTP clients retry
  trickle  answer 202 one byte every 5 ms
  slowtrickle  the same, one byte every 100 ms (an answer takes about 5 s)
  shapes   answer each request of a connection in turn with: Content-Length,
           chunked with an extension and trailers, 103 then 200, 204, 304,
           then close-delimited (HTTP/1.0 style, closing the connection)
Listens on 127.0.0.1 only; prints "ready" once listening. Stops on SIGTERM.
"""
import os
import socket
import struct
import sys
import threading
import time


def read_request(conn, buf):
    """Returns (raw_request, rest) or (None, buf) on EOF. Bounded to 16 MiB."""
    while b"\r\n\r\n" not in buf:
        d = conn.recv(65536)
        if not d or len(buf) > 16 << 20:
            return None, buf
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    clen = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            clen = int(v.strip())
    while len(rest) < clen:
        d = conn.recv(65536)
        if not d:
            return None, buf
        rest += d
    return head + b"\r\n\r\n" + rest[:clen], rest[clen:]


SHAPES = [
    b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n",
    b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
    b"HTTP/1.1 206 Partial\r\nConnection: close\r\n\r\nuntil the end",
]


def serve(conn, mode, capture, lock):
    buf = b""
    n = 0
    try:
        while True:
            if mode == "hang":
                if not conn.recv(65536):
                    return
                continue
            req, buf = read_request(conn, buf)
            if req is None:
                return
            if mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return
            if mode == "once":
                n += 1
                if n > 1:
                    return
                conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                continue
            if mode == "half":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                return
            if mode in ("trickle", "slowtrickle"):
                for b in b"HTTP/1.1 202 Accepted\r\nContent-Length: 14\r\n\r\n{\"accepted\":1}":
                    conn.sendall(bytes([b]))
                    time.sleep(0.005 if mode == "trickle" else 0.1)
                continue
            if mode == "shapes":
                n += 1
                conn.sendall(SHAPES[(n - 1) % len(SHAPES)])
                if (n - 1) % len(SHAPES) == len(SHAPES) - 1:
                    return
                continue
            if capture:
                with lock, open(capture, "ab") as f:
                    f.write(req + b"\n--END--\n")
            body = b'{"accepted":1}'
            conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    capture = sys.argv[3] if len(sys.argv) > 3 else None
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    print("ready", flush=True)
    lock = threading.Lock()
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, mode, capture, lock), daemon=True).start()


if __name__ == "__main__":
    main()
