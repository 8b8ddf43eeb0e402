"""Dev-time generator for the PNG decoder fixtures (tests never run it).

Writes small PNGs covering every colour type / bit depth / interlace combination pytorch-fid can
meet, plus broken files, and `expected.json` holding what `PIL.Image.open(p).convert('RGB')` gives
for each decodable file (row-major interleaved RGB bytes). Where fidviz deliberately differs from
PIL (16-bit gray: PIL clips to 255, fidviz keeps the most significant byte like every other 16-bit
PNG), the entry carries `expected_rgb` (fidviz) next to `pil_rgb`.

Usage: python3 make_png_fixtures.py   (needs numpy and pillow)
"""
import hashlib
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_IMAGES = os.path.join(HERE, "..", "golden", "images")
rng = np.random.default_rng(20240601)


# MARK: - A raw PNG writer (PIL cannot write 2/4-bit gray, 16-bit colour or Adam7)

def chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def pack_row(samples, bit_depth):
    """Packs one row of integer samples (already interleaved) at the given bit depth."""
    if bit_depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples)
    if bit_depth == 8:
        return bytes(int(s) for s in samples)
    per_byte = 8 // bit_depth
    out = bytearray()
    for i in range(0, len(samples), per_byte):
        group = list(samples[i:i + per_byte]) + [0] * (per_byte - len(samples[i:i + per_byte]))
        b = 0
        for s in group:
            b = (b << bit_depth) | int(s)
        out.append(b)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def raw_png(samples, color_type, bit_depth, interlace=False, palette=None, trns=None):
    """samples: int array [H, W, C] (C = samples per pixel for the colour type)."""
    h, w, c = samples.shape
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    raw = bytearray()
    if interlace:
        for (x0, y0, dx, dy) in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            for row in sub:
                raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    else:
        for row in samples:
            raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    return out


# MARK: - The fixtures

def pil_save(im, **kw):
    buf = io.BytesIO()
    im.save(buf, format="PNG", **kw)
    return buf.getvalue()


def make_all():
    files = {}
    files["rgb8.png"] = pil_save(Image.fromarray(rng.integers(0, 256, (4, 5, 3), dtype=np.uint8), "RGB"))
    rgba = rng.integers(0, 256, (4, 5, 4), dtype=np.uint8)
    rgba[0, :, 3] = 0  # fully transparent but coloured: must not be composited
    files["rgba8.png"] = pil_save(Image.fromarray(rgba, "RGBA"))
    la = rng.integers(0, 256, (3, 4, 2), dtype=np.uint8)
    la[:, 0, 1] = 0
    files["la8.png"] = pil_save(Image.fromarray(la, "LA"))
    files["gray8.png"] = pil_save(Image.fromarray(rng.integers(0, 256, (3, 4), dtype=np.uint8), "L"))
    bits = rng.integers(0, 2, (5, 11), dtype=np.uint8).astype(bool)
    files["gray1.png"] = pil_save(Image.fromarray(bits))
    files["gray2.png"] = raw_png(rng.integers(0, 4, (3, 7, 1)), 0, 2)
    files["gray4.png"] = raw_png(rng.integers(0, 16, (3, 5, 1)), 0, 4)
    pal = Image.fromarray(rng.integers(0, 16, (4, 6), dtype=np.uint8), "P")
    pal.putpalette(list(rng.integers(0, 256, 16 * 3, dtype=np.uint8)))
    files["palette4.png"] = pil_save(pal, bits=4)
    files["palette8_trns.png"] = pil_save(pal, transparency=3)
    files["palette_trns_table.png"] = raw_png(
        rng.integers(0, 5, (3, 4, 1)), 3, 8,
        palette=rng.integers(0, 256, (5, 3)), trns=bytes([0, 128, 255]))
    files["gray8_trns.png"] = raw_png(rng.integers(0, 256, (2, 3, 1)), 0, 8, trns=struct.pack(">H", 7))
    files["rgb16.png"] = raw_png(rng.integers(0, 65536, (3, 4, 3)), 2, 16)
    files["rgba16.png"] = raw_png(rng.integers(0, 65536, (3, 4, 4)), 6, 16)
    g16 = rng.integers(0, 65536, (3, 4, 1))
    g16[0, 0, 0], g16[0, 1, 0], g16[0, 2, 0] = 255, 256, 65535
    files["gray16.png"] = raw_png(g16, 0, 16)
    files["la16.png"] = raw_png(rng.integers(0, 65536, (2, 3, 2)), 4, 16)
    files["rgb8_adam7.png"] = raw_png(rng.integers(0, 256, (9, 11, 3)), 2, 8, interlace=True)
    files["gray2_adam7.png"] = raw_png(rng.integers(0, 4, (5, 3, 1)), 0, 2, interlace=True)
    files["palette_adam7_3x2.png"] = raw_png(
        rng.integers(0, 4, (2, 3, 1)), 3, 2, interlace=True, palette=rng.integers(0, 256, (4, 3)))

    # Broken files.
    good = files["rgb8_adam7.png"]
    files["bad_signature.png"] = b"\x89PNX\r\n\x1a\n" + good[8:]
    files["empty.png"] = b""
    files["truncated.png"] = good[: len(good) - 40]
    idat = good.index(b"IDAT")
    corrupt = bytearray(good)
    for i in range(idat + 8, idat + 24):
        corrupt[i] ^= 0x5A  # breaks the deflate stream (CRC left wrong too)
    files["corrupt_idat.png"] = bytes(corrupt)
    crc = bytearray(good)
    idat_length = int.from_bytes(good[idat - 4:idat], "big")
    crc[idat + 4 + idat_length] ^= 0xFF  # first byte of the IDAT CRC
    files["idat_crc_mismatch.png"] = bytes(crc)
    bomb_ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    files["bomb_100000x100000.png"] = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", bomb_ihdr)
                                        + chunk(b"IDAT", zlib.compress(b"\x00" * 3000, 9))
                                        + chunk(b"IEND", b""))
    return files


def main():
    files = make_all()
    expected = {}
    for name, data in sorted(files.items()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        try:
            im = Image.open(io.BytesIO(data))
            im.load()
        except Exception as e:  # noqa: BLE001 - recording what PIL says about broken files
            expected[name] = {"pil_error": f"{type(e).__name__}: {e}"}
            continue
        rgb = np.asarray(im.convert("RGB"))
        entry = {"pil_mode": im.mode, "width": im.size[0], "height": im.size[1],
                 "pil_rgb": rgb.reshape(-1).tolist()}
        if im.mode in ("I;16", "I;16B", "I"):
            # fidviz rule: keep the most significant byte of each 16-bit sample.
            msb = (np.asarray(im, dtype=np.uint32) >> 8).astype(np.uint8)
            entry["expected_rgb"] = np.repeat(msb[..., None], 3, axis=2).reshape(-1).tolist()
        expected[name] = entry
    golden = {}
    for name in sorted(os.listdir(GOLDEN_IMAGES)):
        im = Image.open(os.path.join(GOLDEN_IMAGES, name))
        rgb = np.ascontiguousarray(np.asarray(im.convert("RGB"))).reshape(-1)
        golden[name] = {"pil_mode": im.mode, "width": im.size[0], "height": im.size[1],
                        "byte_sum": int(rgb.astype(np.uint64).sum()),
                        "sha256": hashlib.sha256(rgb.tobytes()).hexdigest(),
                        "fnv1a64": fnv1a64(rgb.tobytes()),
                        "first_pixel": rgb[:3].tolist(), "last_pixel": rgb[-3:].tolist()}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"fixtures": expected, "golden_images": golden}, f, indent=1, sort_keys=True)
        f.write("\n")


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


if __name__ == "__main__":
    main()
