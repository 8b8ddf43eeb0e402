#!/usr/bin/env python3
"""Makes samples/reference and samples/generated from the ten photographs in SOURCE.

    pip install pillow numpy
    python3 samples/make_samples.py [SOURCE]      # default SOURCE: /work/shared/samples

reference/  each photo, downscaled to 256 px on the long side (<stem>.png), and three
            deterministic crops of it at 192 px (<stem>-crop1.png ... -crop3.png): 40 images.
generated/  a weak "generator": for each photo, four new framings (crops not in reference/) at
            224 px. One is left clean (<stem>-clean.png); three carry one typical generator
            artefact each (<stem>-<artefact>.png), the ten artefacts cycling over the scenes so
            that each appears three times: 40 images.

Every step is deterministic (fixed seeds, no time or randomness from outside), so running the
script again writes the same pixels. Images are read as pytorch-fid reads them (PIL
convert('RGB'): gray replicated, alpha dropped) and written as 8-bit RGB PNGs.
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

SEED = 2015
HERE = Path(__file__).resolve().parent
SOURCE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/samples")
STEMS = ["astronaut", "brick", "chelsea", "coffee", "grass", "gravel", "horse",
         "hubble_deep_field", "retina", "rocket"]


# MARK: - Framing

def load(stem):
    return Image.open(SOURCE / f"{stem}.png").convert("RGB")


def fit(image, long_side):
    """Resizes so that the longer side is `long_side` (Lanczos), keeping the aspect ratio."""
    w, h = image.size
    scale = long_side / max(w, h)
    return image.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)


def crop(image, rng, low, high):
    """A crop whose sides are `low`..`high` of the image's, at a random position."""
    w, h = image.size
    cw, ch = int(w * rng.uniform(low, high)), int(h * rng.uniform(low, high))
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    return image.crop((x, y, x + cw, y + ch))


# MARK: - Artefacts (each maps an RGB uint8 array [H, W, 3] to another)

def as_image(a):
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "RGB")


def blur(a, rng, donor):
    """Gaussian blur, radius 2.5 px: the soft, detail-free look of an under-trained model."""
    return np.asarray(as_image(a).filter(ImageFilter.GaussianBlur(2.5)))


def colour_shift(a, rng, donor):
    """A warm colour cast with raised saturation: wrong colour statistics."""
    f = a.astype(np.float64)
    grey = f.mean(axis=2, keepdims=True)
    f = grey + 1.4 * (f - grey)
    return f * np.array([1.18, 0.98, 0.72]) + np.array([12.0, 0.0, -6.0])


def noise(a, rng, donor):
    """Additive Gaussian noise, sigma 22 grey levels: a sampler stopped too early."""
    return a + rng.normal(0.0, 22.0, a.shape)


def blocking(a, rng, donor):
    """JPEG-like blocking in pixel space: each 8x8 block's 2-D DCT coefficients are quantised
    with steps growing with frequency (coarser than JPEG quality 10), then transformed back."""
    k = np.arange(8)
    basis = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / 16) * np.sqrt(2 / 8)
    basis[0] /= np.sqrt(2)
    steps = 24.0 + 18.0 * (k[:, None] + k[None, :])
    h, w = a.shape[0] // 8 * 8, a.shape[1] // 8 * 8
    out = a.astype(np.float64)
    blocks = out[:h, :w].reshape(h // 8, 8, w // 8, 8, 3).transpose(0, 2, 4, 1, 3) - 128
    coefficients = basis @ blocks @ basis.T
    coefficients = np.rint(coefficients / steps) * steps
    restored = basis.T @ coefficients @ basis + 128
    out[:h, :w] = restored.transpose(0, 3, 1, 4, 2).reshape(h, w, 3)
    return out


def pasted_object(a, rng, donor):
    """An object pasted from another scene: an elliptical cut-out of `donor`, a third of the
    image across, with hard edges."""
    h, w = a.shape[:2]
    ph, pw = h // 3, w // 3
    piece = np.asarray(donor.resize((pw, ph), Image.LANCZOS)).astype(np.float64)
    y0, x0 = int(rng.integers(0, h - ph + 1)), int(rng.integers(0, w - pw + 1))
    yy, xx = np.mgrid[0:ph, 0:pw]
    inside = ((yy - (ph - 1) / 2) / (ph / 2)) ** 2 + ((xx - (pw - 1) / 2) / (pw / 2)) ** 2 <= 1
    out = a.astype(np.float64)
    region = out[y0:y0 + ph, x0:x0 + pw]
    region[inside] = piece[inside]
    return out


def oversmooth(a, rng, donor):
    """Over-smoothing: a 7x7 median filter then a light blur; textures turn waxy, edges stay."""
    image = as_image(a).filter(ImageFilter.MedianFilter(7)).filter(ImageFilter.GaussianBlur(1.0))
    return np.asarray(image)


def checkerboard(a, rng, donor):
    """The checkerboard of strided transposed convolutions: +-14 grey levels, period 4 px."""
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    pattern = np.where((yy // 2 + xx // 2) % 2 == 0, 14.0, -14.0)
    return a + pattern[:, :, None]


def posterize(a, rng, donor):
    """Colour banding: 6 levels per channel, as from a generator with too few output levels."""
    return np.rint(a / 255.0 * 5) / 5 * 255


def tiled(a, rng, donor):
    """Repeated texture (a symptom of mode collapse): the top-left quarter tiled 2 x 2."""
    h, w = a.shape[:2]
    quarter = a[: (h + 1) // 2, : (w + 1) // 2]
    return np.tile(quarter, (2, 2, 1))[:h, :w]


def mirror_seam(a, rng, donor):
    """A mirrored half: the left half reflected onto the right, a visible seam in the middle."""
    out = a.copy()
    w = a.shape[1]
    out[:, w - w // 2:] = a[:, : w // 2][:, ::-1]
    return out


ARTEFACTS = [("blur", blur), ("colour-shift", colour_shift), ("noise", noise), ("blocking", blocking),
             ("pasted-object", pasted_object), ("oversmooth", oversmooth), ("checkerboard", checkerboard),
             ("posterize", posterize), ("tiled", tiled), ("mirror-seam", mirror_seam)]


# MARK: - The two sets

def main():
    rng = np.random.default_rng(SEED)
    reference, generated = HERE / "reference", HERE / "generated"
    for folder in (reference, generated):
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
    photos = {stem: load(stem) for stem in STEMS}
    for s, stem in enumerate(STEMS):
        photo = photos[stem]
        fit(photo, 256).save(reference / f"{stem}.png", optimize=True)
        for c in range(1, 4):
            fit(crop(photo, rng, 0.5, 0.8), 192).save(reference / f"{stem}-crop{c}.png", optimize=True)
        fit(crop(photo, rng, 0.6, 0.9), 224).save(generated / f"{stem}-clean.png", optimize=True)
        for k in range(3):
            name, artefact = ARTEFACTS[(3 * s + k) % len(ARTEFACTS)]
            view = np.asarray(fit(crop(photo, rng, 0.6, 0.9), 224))
            donor = photos[STEMS[(s + 1 + k) % len(STEMS)]]
            as_image(artefact(view, rng, donor)).save(generated / f"{stem}-{name}.png", optimize=True)


if __name__ == "__main__":
    main()
