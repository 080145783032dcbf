"""Regenerates the PNG fixtures for the decoder tests and pngs.json with their expected pixels.
PIL (Debian python3-pil) writes the colour-type fixtures; filters.png is written here with zlib,
one filter type per row (None, Sub, Up, Average, Paeth), from the PNG specification.
Run: /usr/bin/python3 make_pngs.py
"""
import json
import os
import struct
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 5, 4
expected = {}


def pixels(channels, seed):
    return [[[(seed * 37 + x * 53 + y * 29 + c * 71) % 256 for c in range(channels)] for x in range(W)] for y in range(H)]


def save_pil(name, mode, px, channels_out):
    img = Image.new(mode, (W, H))
    flat = [tuple(p) if len(p) > 1 else p[0] for row in px for p in row]
    img.putdata(flat)
    img.save(os.path.join(HERE, name))
    expected[name] = {"channels": channels_out, "pixels": [v for row in px for p in row for v in p[:channels_out]]}


save_pil("gray.png", "L", pixels(1, 1), 1)
save_pil("rgb.png", "RGB", pixels(3, 2), 3)
save_pil("rgba.png", "RGBA", pixels(4, 3), 3)
save_pil("gray_alpha.png", "LA", pixels(2, 4), 1)

# Palette: 4 colours, indices cycling.
pal = [(10, 20, 30), (200, 100, 0), (0, 255, 128), (77, 77, 77)]
img = Image.new("P", (W, H))
img.putpalette([v for c in pal for v in c])
idx = [(x + 2 * y) % 4 for y in range(H) for x in range(W)]
img.putdata(idx)
img.save(os.path.join(HERE, "palette.png"))
expected["palette.png"] = {"channels": 3, "pixels": [v for i in idx for v in pal[i]]}

# 1-bit gray (PIL mode "1"): black and white stripes.
img1 = Image.new("1", (W, H))
bits = [255 if (x + y) % 3 == 0 else 0 for y in range(H) for x in range(W)]
img1.putdata(bits)
img1.save(os.path.join(HERE, "gray1.png"))
expected["gray1.png"] = {"channels": 1, "pixels": bits}

# 16-bit gray: the decoder keeps the high byte.
img16 = Image.new("I;16", (W, H))
vals16 = [(x * 4000 + y * 9000 + 123) % 65536 for y in range(H) for x in range(W)]
img16.putdata(vals16)
img16.save(os.path.join(HERE, "gray16.png"))
expected["gray16.png"] = {"channels": 1, "pixels": [v >> 8 for v in vals16]}


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


# RGB image, 5 rows: row y uses filter y.
rows = pixels(3, 5) + [pixels(3, 6)[0]]
bpp, raw, prev = 3, b"", [0] * (W * 3)
for y, row in enumerate(rows):
    cur = [v for p in row for v in p]
    out = []
    for i, v in enumerate(cur):
        a = cur[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][y]
        out.append((v - pred) % 256)
    raw += bytes([y]) + bytes(out)
    prev = cur
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, len(rows), 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
with open(os.path.join(HERE, "filters.png"), "wb") as f:
    f.write(png)
expected["filters.png"] = {"channels": 3, "height": len(rows), "pixels": [v for row in rows for p in row for v in p]}

with open(os.path.join(HERE, "pngs.json"), "w") as f:
    json.dump({"width": W, "height": H, "images": expected}, f)
print("wrote", len(expected), "PNG fixtures")
