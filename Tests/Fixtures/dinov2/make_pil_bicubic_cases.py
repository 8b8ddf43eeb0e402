#!/usr/bin/env python3
"""Pillow's bicubic resize on small seeded RGB images, for fidviz's tests.

    python3 Tests/Fixtures/dinov2/make_pil_bicubic_cases.py      (numpy and Pillow; deterministic)

pil_bicubic_cases.npz holds, for case i, `in_i` uint8 [h, w, 3] (seeded uniform bytes, with a
few saturated rows and columns so the filter's overshoot is clipped) and `out_i` uint8
[H, W, 3] = Image.fromarray(in_i).resize((W, H), Image.BICUBIC). The cases change the width
only, the height only, both (one up and one down, and strong shrinking), so both passes and
their order are exercised. Written with Pillow 13.0.0, whose result also equals the DINOv2
goldens' `resized` arrays.
"""

from pathlib import Path

import numpy as np
from PIL import Image

CASES = [  # (in w, in h) -> (out w, out h)
    ((37, 23), (61, 23)),    # width up only
    ((40, 50), (40, 17)),    # height down only
    ((53, 29), (19, 71)),    # width down, height up
    ((300, 41), (7, 9)),     # strong shrinking on both axes
    ((13, 11), (50, 44)),    # both up
]


def main():
    rng = np.random.default_rng(20240617)
    arrays = {}
    for i, ((w, h), (ow, oh)) in enumerate(CASES):
        pixels = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        pixels[1] = 255
        pixels[:, 2] = 0
        pixels[h // 2, : w // 2] = 255
        arrays[f"in_{i}"] = pixels
        arrays[f"out_{i}"] = np.asarray(Image.fromarray(pixels, "RGB").resize((ow, oh), Image.BICUBIC))
    np.savez(Path(__file__).with_name("pil_bicubic_cases.npz"), **arrays)


if __name__ == "__main__":
    main()
