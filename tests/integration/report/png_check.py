#!/usr/bin/env python3
"""png_check.py PNG MIN_WIDTH: fails unless the screenshot is at least MIN_WIDTH
pixels wide and not blank: more than one colour, and at least 2% of its pixels
differ from the most common colour (the background). Decodes PNG itself
(8-bit RGB/RGBA, non-interlaced, as Chromium writes), so it needs only python3."""
import struct
import sys
import zlib
from collections import Counter


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    path, min_w = sys.argv[1], int(sys.argv[2])
    w, h, bpp, rows = pixels(path)
    colours = Counter()
    for y in range(0, h, 2):  # every other row and pixel is plenty to judge blankness
        r = rows[y]
        for x in range(0, w, 2):
            colours[r[x * bpp:x * bpp + 3]] += 1
    total = sum(colours.values())
    bg = colours.most_common(1)[0][1]
    share = 1 - bg / total
    print(f"{path}: {w}x{h}, {len(colours)} colours, {share:.1%} not background")
    if w < min_w:
        sys.exit(f"{path}: {w} px wide, expected at least {min_w}")
    if len(colours) < 2 or share < 0.02:
        sys.exit(f"{path}: blank")


main()
