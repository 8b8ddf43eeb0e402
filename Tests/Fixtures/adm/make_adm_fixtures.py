#!/usr/bin/env python3
"""Small files in the layout of ADM (guided-diffusion) batches, for fidviz's tests.

    python3 Tests/Fixtures/adm/make_adm_fixtures.py      (numpy and Pillow; deterministic)

images/0.png ... 5.png  six 32x32 RGB images (the first six samples/reference/*-crop1.png,
                        Lanczos-resized), the pixels of every batch below.
batch.npz               a reference batch: arr_0 uint8 [6, 32, 32, 3] and arr_1 int64 [6] (class
                        labels), mu f8 [2048] (seeded normal), sigma f8 [2048, 2048] (a seeded
                        diagonal), mu_s f8 [16], sigma_s f8 [16, 16]. arr_0 is stored, as np.savez
                        writes it (so it can be streamed from the mapped file); sigma alone is
                        deflated, to keep the file small (numpy reads mixed archives).
batch_compressed.npz    the same arrays written by np.savez_compressed (arr_0 deflated).
samples.npz             an ADM sample batch: arr_0 and arr_1 only (np.savez), no statistics.
"""

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "samples" / "reference"


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def main():
    crops = sorted(SAMPLES.glob("*-crop1.png"))[:6]
    images = np.stack([np.asarray(Image.open(p).convert("RGB").resize((32, 32), Image.LANCZOS)) for p in crops])
    (HERE / "images").mkdir(exist_ok=True)
    for i, image in enumerate(images):
        Image.fromarray(image).save(HERE / "images" / f"{i}.png")
    rng = np.random.default_rng(256)
    arrays = {
        "arr_0": images,
        "arr_1": np.arange(6, dtype=np.int64) * 100,
        "mu": rng.normal(size=2048),
        "sigma": np.diag(rng.uniform(0.5, 1.5, size=2048)),
        "mu_s": rng.normal(size=16),
        "sigma_s": np.eye(16),
    }
    with zipfile.ZipFile(HERE / "batch.npz", "w") as archive:
        for key, array in arrays.items():
            method = zipfile.ZIP_DEFLATED if key == "sigma" else zipfile.ZIP_STORED
            archive.writestr(zipfile.ZipInfo(f"{key}.npy", date_time=(2021, 1, 1, 0, 0, 0)), npy(array),
                             compress_type=method)
    np.savez_compressed(HERE / "batch_compressed.npz", **arrays)
    np.savez(HERE / "samples.npz", arr_0=images, arr_1=arrays["arr_1"])


if __name__ == "__main__":
    main()
