#!/usr/bin/env python3
"""compare_tshark.py FIELDS JSONL [--min N]

Checks loadtape's records (JSONL export) against tshark's own HTTP dissection
of the same pcap, request by request: for every TCP connection, the sequence
of (method, URI, body length) must be the same. FIELDS is the output of
  tshark -T fields -E separator=/t -E aggregator='|' -e tcp.stream
         -e http.request.method -e http.request.uri -e http.content_length
         -e http.chunk_size
Connections are matched as multisets of their request sequences (loadtape's
session numbers are its own).
"""
import base64
import collections
import json
import sys


def tshark_conns(path):
    conns = collections.OrderedDict()
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            cols = (line.split("\t") + [""] * 5)[:5]
            stream, methods, uris, lens, chunks = cols
            methods = methods.split("|")
            uris = uris.split("|")
            lens = [x for x in lens.split("|") if x != ""]
            chunks = [int(x) for x in chunks.split("|") if x != ""]
            if len(methods) != len(uris):
                sys.exit("tshark: cannot align %r" % line)
            if len(methods) == 1:
                body = int(lens[0]) if lens else sum(chunks)
                bodies = [body]
            elif len(lens) == len(methods):
                bodies = [int(x) for x in lens]
            else:
                sys.exit("tshark: pipelined requests need Content-Length each: %r" % line)
            for m, u, b in zip(methods, uris, bodies):
                conns.setdefault(stream, []).append((m, u, b))
    return conns


def loadtape_conns(path):
    conns = collections.OrderedDict()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if "body_b64" in r:
                n = len(base64.b64decode(r["body_b64"]))
            else:
                n = len(r.get("body", "").encode("utf-8"))
            conns.setdefault(str(r["session"]), []).append((r["method"], r["url"], n))
    return conns


def main():
    want = tshark_conns(sys.argv[1])
    got = loadtape_conns(sys.argv[2])
    minimum = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--min" else 1
    nwant = sum(len(v) for v in want.values())
    ngot = sum(len(v) for v in got.values())
    a = sorted(tuple(v) for v in want.values())
    b = sorted(tuple(v) for v in got.values())
    if a != b:
        sa, sb = collections.Counter(a), collections.Counter(b)
        for k in (sa - sb):
            print("only in tshark:", list(k)[:5], "..." if len(k) > 5 else "", file=sys.stderr)
        for k in (sb - sa):
            print("only in loadtape:", list(k)[:5], "..." if len(k) > 5 else "", file=sys.stderr)
        sys.exit("FAIL: %d requests in %d connections by tshark, %d in %d by loadtape"
                 % (nwant, len(want), ngot, len(got)))
    if nwant < minimum:
        sys.exit("FAIL: only %d requests (expected at least %d)" % (nwant, minimum))
    print("ok: %d requests in %d connections match tshark" % (nwant, len(want)))


main()
