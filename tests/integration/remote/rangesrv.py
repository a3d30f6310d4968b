"""rangesrv.py MODE PORT DIR - a small file server for the tape-over-URL tests.

MODE norange: answers every GET with the whole file (200), as servers without
range support do. MODE flaky:N: answers the first N requests with 503, then
serves byte ranges (206) like any static file server. Each request is logged
on stdout as "STATUS RANGE".
"""
import http.server
import os
import re
import sys

mode, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fail_left = int(mode.split(":")[1]) if mode.startswith("flaky:") else 0


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body, extra=()):
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        print(status, self.headers.get("Range", "-"), flush=True)

    def do_GET(self):
        global fail_left
        path = os.path.join(root, os.path.basename(self.path))
        if fail_left > 0:
            fail_left -= 1
            return self.answer(503, b"busy")
        if not os.path.isfile(path):
            return self.answer(404, b"no")
        data = open(path, "rb").read()
        m = re.match(r"bytes=(\d+)-(\d+)$", self.headers.get("Range", ""))
        if mode == "norange" or not m:
            return self.answer(200, data)
        a, b = int(m.group(1)), min(int(m.group(2)), len(data) - 1)
        return self.answer(206, data[a:b + 1],
                           [("Content-Range", "bytes %d-%d/%d" % (a, b, len(data)))])


http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
