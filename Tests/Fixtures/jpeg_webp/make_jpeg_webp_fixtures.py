"""Dev-time generator for the JPEG and WebP decoder fixtures (tests never run it).

Writes small JPEG and WebP files with Pillow, covering the encodings pytorch-fid meets in
practice (baseline 4:2:0 and 4:4:4, progressive 4:2:2, gray, CMYK, an EXIF orientation that PIL
ignores, lossy and lossless WebP with and without alpha, an animated WebP), files whose content
disagrees with their extension, and broken files. `expected.json` holds, for each file, what
`PIL.Image.open(p).convert('RGB')` gives (row-major interleaved RGB bytes) or the error PIL
raises, plus the versions of Pillow and of the libjpeg-turbo and libwebp it bundles.

Usage: python3 make_jpeg_webp_fixtures.py   (needs numpy and pillow)
"""
import hashlib
import io
import json
import os
import struct

import numpy as np
import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..")
rng = np.random.default_rng(20250301)
WIDTH, HEIGHT = 33, 17  # odd sides: partial MCUs and chroma edges


# MARK: - Pictures

def picture(width=WIDTH, height=HEIGHT, channels=3):
    """Smooth colour ramps plus noise: chroma detail that subsampling and upsampling change."""
    y, x = np.mgrid[0:height, 0:width]
    planes = [(x * 255 // max(width - 1, 1)), (y * 255 // max(height - 1, 1)), ((x + y) * 7) % 256]
    base = np.stack(planes[:channels] + [(x * y) % 256] * (channels - 3), axis=-1).astype(np.int32)
    noise = rng.integers(-40, 41, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def encode(im, fmt, **options):
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **options)
    return buffer.getvalue()


# MARK: - Hand-made headers (Pillow cannot write these)

def jpeg_segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_bomb(width, height):
    """SOI, a quantisation table, a baseline frame header claiming width x height, then EOI."""
    dqt = b"\x00" + bytes([1] * 64)
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x00\x03\x11\x00"
    return b"\xFF\xD8" + jpeg_segment(0xDB, dqt) + jpeg_segment(0xC0, sof) + b"\xFF\xD9"


def webp_bomb(width, height):
    """RIFF/WEBP with a VP8X chunk declaring a width x height canvas and nothing else."""
    vp8x = bytes([0, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


# MARK: - The fixtures

def make_all():
    files = {}
    rgb = Image.fromarray(picture(), "RGB")
    files["baseline_420.jpg"] = encode(rgb, "JPEG", quality=85, subsampling="4:2:0")
    files["baseline_444.jpg"] = encode(rgb, "JPEG", quality=85, subsampling="4:4:4")
    files["progressive_422.jpg"] = encode(rgb, "JPEG", quality=85, subsampling="4:2:2", progressive=True)
    files["gray.jpg"] = encode(Image.fromarray(picture()[..., 1], "L"), "JPEG", quality=85)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view; PIL's open() ignores it
    files["exif_rotated.jpg"] = encode(rgb, "JPEG", quality=85, exif=exif.tobytes())
    files["upper_case.JPG"] = encode(Image.fromarray(picture(17, 9), "RGB"), "JPEG", quality=75)
    cmyk = Image.fromarray(picture(channels=4), "CMYK")
    files["cmyk.jpg"] = encode(cmyk, "JPEG", quality=90)
    astronaut = Image.open(os.path.join(FIXTURES, "golden", "images", "astronaut.png")).convert("RGB")
    files["astronaut_q100_444.jpg"] = encode(astronaut, "JPEG", quality=100, subsampling="4:4:4")

    files["lossy.webp"] = encode(rgb, "WEBP", quality=80)
    files["lossless.webp"] = encode(rgb, "WEBP", lossless=True)
    rgba = picture(channels=4)
    rgba[0, :, 3] = 0  # transparent yet coloured: PIL keeps the colour (no compositing)
    rgba[1, :, 3] = 128
    rgba_image = Image.fromarray(rgba, "RGBA")
    files["lossless_alpha.webp"] = encode(rgba_image, "WEBP", lossless=True, exact=True)
    files["lossy_alpha.webp"] = encode(rgba_image, "WEBP", quality=80)
    second = Image.fromarray(255 - picture(), "RGB")
    files["animated.webp"] = encode(rgb, "WEBP", save_all=True, append_images=[second], duration=100,
                                    lossless=True)

    # Content that disagrees with the name: PIL reads by content.
    with open(os.path.join(FIXTURES, "png", "rgb8.png"), "rb") as f:
        files["png_inside.jpg"] = f.read()
    files["jpeg_inside.png"] = files["baseline_444.jpg"]

    # Broken files.
    good = files["baseline_420.jpg"]
    files["truncated.jpg"] = good[: len(good) * 2 // 3]
    files["bomb_65535x65535.jpg"] = jpeg_bomb(65535, 65535)  # a JPEG side is at most 65535
    lossless = files["lossless.webp"]
    corrupt = bytearray(lossless)
    for i in range(25, 37):  # the VP8L bitstream just after its 5-byte header
        corrupt[i] ^= 0xA5
    files["corrupt_chunk.webp"] = bytes(corrupt)
    files["truncated.webp"] = files["lossy.webp"][: len(files["lossy.webp"]) // 2]
    files["bomb_100000x100000.webp"] = webp_bomb(100000, 100000)
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
        rgb = np.ascontiguousarray(np.asarray(im.convert("RGB"))).reshape(-1)
        entry = {"pil_format": im.format, "pil_mode": im.mode, "width": im.size[0], "height": im.size[1],
                 "sha256": hashlib.sha256(rgb.tobytes()).hexdigest(), "fnv1a64": fnv1a64(rgb.tobytes())}
        if rgb.size <= 64 * 64 * 3:
            entry["pil_rgb"] = rgb.tolist()
        expected[name] = entry
    versions = {"pillow": PIL.__version__, "numpy": np.__version__,
                "pillow_libjpeg_turbo": features.version_feature("libjpeg_turbo"),
                "pillow_libwebp": features.version_module("webp")}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"versions": versions, "fixtures": expected}, f, indent=0, sort_keys=True)
        f.write("\n")


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


if __name__ == "__main__":
    main()
