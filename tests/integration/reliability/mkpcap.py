# mkpcap.py OUT N: a pcap (raw IPv4) of N HTTP exchanges, each on its own connection, with
# bodies that do not compress much (random hex), so a small disk fills quickly.
import struct, sys, os, random
out, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
def ip4(payload, src, dst):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, 6, 0, src, dst) + payload
def tcp(sp, dp, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
c, s = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101))
    t = 0
    def pkt(p):
        global t
        t += 100
        f.write(struct.pack("<IIII", 1700000000 + t // 1000000, t % 1000000, len(p), len(p)) + p)
    for i in range(n):
        sp = 10000 + i % 50000
        body = rnd.randbytes(600).hex().encode()
        req = b"POST /collect/web HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        resp = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
        pkt(ip4(tcp(sp, 80, 1, 0, 2), c, s)); pkt(ip4(tcp(80, sp, 9, 2, 0x12), s, c))
        pkt(ip4(tcp(sp, 80, 2, 10, 0x18, req), c, s))
        pkt(ip4(tcp(80, sp, 10, 2 + len(req), 0x18, resp), s, c))
        pkt(ip4(tcp(sp, 80, 2 + len(req), 10 + len(resp), 0x11), c, s))
        pkt(ip4(tcp(80, sp, 10 + len(resp), 3 + len(req), 0x11), s, c))
