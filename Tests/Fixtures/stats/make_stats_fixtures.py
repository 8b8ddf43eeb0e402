"""Dev-time generator for the pytorch-fid statistics fixtures (tests never run it).

Usage: python3 make_stats_fixtures.py   (needs numpy)

Writes two statistics files exactly as pytorch-fid's `--save-stats` lays them out (`mu` f8 [2048],
`sigma` f8 [2048, 2048]), but with `np.savez_compressed` so each file is small: sigma is
diag(v) plus a dense rank-4 block B B^T on 64 of the 2048 dimensions (dims 0-63 in `a`, 32-95 in
`b`, so the two covariances do not commute), and every value sits on a coarse binary grid
(integers in B, eighths in v, sixteenths in mu) so its 8 bytes are mostly zeros that deflate
squeezes. Both covariances are positive definite (v >= 0.5).
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
D = 2048


def statistics(seed, first):
    rng = np.random.default_rng(seed)
    mu = rng.integers(-48, 49, size=D) / 16.0
    b = rng.integers(-3, 4, size=(64, 4)).astype(np.float64)
    sigma = np.zeros((D, D))
    sigma[first:first + 64, first:first + 64] = b @ b.T  # integers: exact and symmetric
    sigma[np.diag_indices(D)] += 0.5 + rng.integers(0, 16, size=D) / 8.0
    assert np.array_equal(sigma, sigma.T) and np.linalg.eigvalsh(sigma).min() >= 0.5 - 1e-9
    return mu.astype("<f8"), sigma.astype("<f8")


for name, seed, first in [("pytorch_fid_a.npz", 1, 0), ("pytorch_fid_b.npz", 2, 32)]:
    mu, sigma = statistics(seed, first)
    np.savez_compressed(os.path.join(HERE, name), mu=mu, sigma=sigma)
