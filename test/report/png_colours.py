"""Is a screenshot blank?  png_colours.py FILE MIN_COLOURS

Decodes the PNG with the standard library only (8-bit RGB or RGBA, not
interlaced: what Chromium writes) and passes when it has at least
MIN_COLOURS distinct colours and at least 1 % of its pixels differ from
the most common one (the background).  A page that failed to render is one
colour, or a few."""
import collections
import struct
import sys
import zlib


def pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError("unsupported PNG: depth %d, colour type %d, interlace %d" % (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 255
        elif kind == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, prev))
        elif kind == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield from (bytes(row[i:i + 3]) for i in range(0, stride, bpp))
        prev = row


def main():
    path, minimum = sys.argv[1], int(sys.argv[2])
    counts = collections.Counter(pixels(path))
    total = sum(counts.values())
    background = counts.most_common(1)[0][1]
    drawn = 1 - background / total
    print("%s: %d colours, %.1f %% of the pixels off the background" % (path, len(counts), 100 * drawn))
    sys.exit(0 if len(counts) >= minimum and drawn >= 0.01 else 1)


main()
