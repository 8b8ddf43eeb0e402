"""Writes the Agreement module's fixtures and what numpy/scipy (float64) make of them.

    python3 Tests/Fixtures/agreement/make_golden.py

Run once at development time (numpy, scipy >= 1.9); the outputs are committed and the tests never
run Python.

- human_dgm_eval.csv: people's scores in the layout of dgm-eval's per-image human study files
  (a pandas index column, image_path as an absolute path on another machine, soft_label,
  number_guesses, other columns), written by Python's csv module (CRLF line ends, quoting where a
  field needs it). Against the run's images (golden.json "image_files") it has rows that match no
  image, rows with number_guesses 0 (soft_label empty, as pandas writes NaN), images without a
  row, a last path component shared by two images (so only an exact path matches there), and
  names with a comma and a quote.
- human_file_score.csv: the same scores as a plain file,score, with a UTF-8 byte order mark and
  LF line ends, names relative to the run.
- golden.json: the run's images, each image's ΔFID and ΔFD_DINOv2 (null = not finite), the
  match the tests must find, and scipy.stats.spearmanr of ΔFID, of ΔFD_DINOv2 (each against the
  human score, over the scored images with a finite Δ, in image order) and of the two spaces
  against each other (over the images where both are finite). "bootstrap" gives the percentile
  bootstrap interval (np.percentile, linear) over the same resampling indices fidviz draws:
  SplitMix64(seed), one 64-bit output g per drawn pair, index (g * n) >> 64.
"""

import csv
import json
import math
from pathlib import Path

import numpy as np
from scipy.stats import rankdata, spearmanr

HERE = Path(__file__).resolve().parent
MASK = (1 << 64) - 1
REMOTE = "/home/study/dgm-eval/human_eval/imagenet256/model_x"


class SplitMix64:
    """SplitMix64 as Sources/SeededRandom/SplitMix64.swift has it."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def rho(x, y):
    return float(spearmanr(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)).statistic)


def finite_pairs(x, y):
    keep = [i for i in range(len(x)) if math.isfinite(x[i]) and math.isfinite(y[i])]
    return [x[i] for i in keep], [y[i] for i in keep]


def bootstrap(x, y, resamples, level, seed):
    x, y = finite_pairs(x, y)
    n = len(x)
    x, y = np.asarray(x), np.asarray(y)
    generator = SplitMix64(seed)
    rhos = []
    for _ in range(resamples):
        index = [(generator.next() * n) >> 64 for _ in range(n)]
        with np.errstate(all="ignore"):
            value = rho(x[index], y[index])
        if math.isfinite(value):
            rhos.append(value)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(np.asarray(rhos), [tail, 100 - tail])
    return {"resamples": resamples, "level": level, "seed": seed, "finite": len(rhos),
            "low": float(low), "high": float(high)}


def main():
    rng = np.random.default_rng(20)
    n = 40
    images = [f"gen/img_{i:03d}.png" for i in range(n)]
    images[5] = "gen/a/dup.png"        # two images share the last component "dup.png"
    images[6] = "gen/b/dup.png"
    images[7] = "gen/odd, name \"q\".png"  # a comma and quotes in the name

    delta_fid = rng.normal(0, 1, n)
    delta_fid[10] = delta_fid[11]       # a tie in ΔFID
    # DINOv2 agrees with FID on most images and disagrees on a few.
    delta_dino = 0.8 * delta_fid + 0.3 * rng.normal(0, 1, n)
    delta_dino[[3, 17, 29]] = -delta_dino[[3, 17, 29]] * 2
    delta_dino[12] = delta_dino[13]     # a tie in ΔFD_DINOv2
    delta_fid = delta_fid.tolist()
    delta_dino = delta_dino.tolist()
    delta_fid[20] = math.nan            # not finite in one space: left out of that space's pairs
    delta_dino[21] = math.inf

    # People: a score for most images, loosely following ΔFID.
    guesses = rng.integers(1, 6, n)
    fake = np.clip(np.round((0.5 + 0.2 * np.nan_to_num(np.asarray(delta_fid))) * guesses
                            + rng.normal(0, 0.7, n)), 0, guesses)
    score = [float(f) / float(g) for f, g in zip(fake, guesses)]

    unscored = {2, 9, 33}               # no row at all
    no_guesses = {14, 25}               # a row with number_guesses 0: skipped, image unscored
    rows = []                           # (image_path, soft_label, number_guesses)
    for i, image in enumerate(images):
        if i in unscored:
            continue
        if i == 6:
            path = "gen/b/dup.png"          # the exact path: matches
        elif i == 5:
            path = f"{REMOTE}/a/dup.png"    # last component not unique: matches nothing
        else:
            path = f"{REMOTE}/{image.split('/')[-1]}"
        if i in no_guesses:
            rows.append((path, "", 0))
        else:
            rows.append((path, repr(score[i]), int(guesses[i])))
    extra = [f"{REMOTE}/not_in_run_{k}.png" for k in range(3)]
    for k, path in enumerate(extra):
        rows.insert(4 + 9 * k, (path, "0.5", 2))

    with open(HERE / "human_dgm_eval.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)  # lineterminator \r\n
        writer.writerow(["", "model", "number_guesses", "image_path", "soft_label", "hard_label"])
        for k, (path, soft, count) in enumerate(rows):
            hard = "" if soft == "" else str(int(float(soft) >= 0.5))
            writer.writerow([k, "model_x", count, path, soft, hard])

    expected_scores = [None] * n
    for i in range(n):
        if i not in unscored and i not in no_guesses and i != 5:
            expected_scores[i] = score[i]
    unmatched = [path for path, soft, count in rows if count > 0 and
                 (path in extra or path == f"{REMOTE}/a/dup.png")]

    with open(HERE / "human_file_score.csv", "w", newline="", encoding="utf-8") as file:
        file.write("\ufeff")
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["file", "score"])
        for i, image in enumerate(images):
            if expected_scores[i] is not None:
                writer.writerow([image, repr(expected_scores[i])])

    scored = [i for i in range(n) if expected_scores[i] is not None]
    human = [expected_scores[i] for i in scored]
    fid = [delta_fid[i] for i in scored]
    dino = [delta_dino[i] for i in scored]

    def finite_or_none(values):
        return [v if math.isfinite(v) else None for v in values]

    golden = {
        "image_files": images,
        "delta_fid": finite_or_none(delta_fid),
        "delta_fd_dinov2": finite_or_none(delta_dino),
        "scores": expected_scores,
        "unmatched_rows": unmatched,
        "unscored_images": [images[i] for i in range(n) if expected_scores[i] is None],
        "skipped_no_guesses": len(no_guesses),
        "spearman_fid_human": rho(*finite_pairs(fid, human)),
        "spearman_fd_dinov2_human": rho(*finite_pairs(dino, human)),
        "spearman_fid_fd_dinov2": rho(*finite_pairs(delta_fid, delta_dino)),
        "bootstrap": {
            "fid_human": [bootstrap(fid, human, 1000, 0.95, 0), bootstrap(fid, human, 200, 0.9, 7)],
            "fd_dinov2_human": [bootstrap(dino, human, 1000, 0.95, 0)],
        },
        # Small cases of ties, as scipy ranks and correlates them.
        "ties": [
            {"x": x, "y": y, "ranks_x": rankdata(x).tolist(), "spearman": rho(x, y)}
            for x, y in [
                ([1, 2, 2, 3, 4, 4, 4, 5], [2, 1, 3, 3, 5, 4, 6, 6]),
                ([0.5, 0.5, 0.5, 1.0, -2.0], [3, 1, 2, 2, 0]),
                ([1, 1, 2, 2], [4, 3, 2, 1]),
            ]
        ],
    }
    with open(HERE / "golden.json", "w", encoding="utf-8") as file:
        json.dump(golden, file, indent=1)
        file.write("\n")


if __name__ == "__main__":
    main()
