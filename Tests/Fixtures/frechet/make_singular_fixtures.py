"""Dev-time generator for the singular-statistics FID fixtures (tests never run it).

Usage: python3 make_singular_fixtures.py   (needs numpy, scipy, mpmath; a few minutes)
       python3 make_singular_fixtures.py --add-eig   (adds `fid_eig` to the existing files, keeping
                                                      every other array as it is)

Writes `singular_<case>.npz` with float64 statistics `mu_r`, `sigma_r`, `mu_g`, `sigma_g` (d = 96)
and five FIDs of exactly those arrays:
- `fid_exact`: the arrays taken as exact rationals, Tr sqrt(A S_g A), A = S_r^{1/2}, evaluated in
  40-digit arithmetic (mpmath): symmetric eigendecompositions, negative eigenvalues clamped to 0,
  every positive one kept;
- `fid_eigh`: the same formula in float64 (numpy eigh: A = V sqrt(max(L, 0)) V^T, then eigvalsh of
  A S_g A, negatives clamped, sqrt of every positive one summed);
- `fid_sqrtm`: pytorch-fid's calculate_frechet_distance in float64 (scipy.linalg.sqrtm of
  S_r S_g, real part of the trace; the 1e-6 diagonal offset only if sqrtm returns non-finite);
- `fid_eig`: Tr sqrt(S_r S_g) through a general eigendecomposition (numpy eig of S_r S_g, the way
  the code of Kynkaanniemi et al. writes FID): negative real parts clamped to 0, sqrt of every
  positive real part summed;
- `fid_cutoff`: `fid_eigh`'s route but eigenvalues at or below d * eps * max count as 0 (the
  convention fidviz used before following pytorch-fid).

Cases (features are Gaussians with a decaying spectrum, shifted, ReLU'd, so that small but real
eigenvalues exist; statistics are np.mean / np.cov of them):
- `dead`: 600 vs 600 samples, 8 features constant in both sets (exact zero rows and columns);
  the rest full rank, with real eigenvalues of A S_g A far below d * eps * max;
- `thin`: 40 vs 30 samples: both covariances have rank < d (rounding noise in the null space);
- `thin_generated`: 2000 reference samples (positive definite) vs 30 generated samples.
"""
import os

import mpmath as mp
import numpy as np
import scipy.linalg as sl

HERE = os.path.dirname(os.path.abspath(__file__))
D = 96
mp.mp.dps = 40


def features(rng, n, shift, dead):
    scales = np.exp(-np.arange(D) / (D / 9))
    x = np.maximum(rng.standard_normal((n, D)) * scales + shift, 0)
    x[:, D - dead:] = 0.25
    return x


def trace_sqrt_exact(s1, s2):
    a_values, a_vectors = mp.eigsy(mp.matrix(s1.tolist()))
    root = mp.diag([mp.sqrt(max(value, 0)) for value in a_values])
    a = a_vectors * root * a_vectors.T
    m = a * mp.matrix(s2.tolist()) * a
    m = (m + m.T) / 2
    return mp.fsum(mp.sqrt(max(value, 0)) for value in mp.eigsy(m, eigvals_only=True))


def base_terms(m1, s1, m2, s2):
    """|mu_r - mu_g|^2 + Tr S_r + Tr S_g, exactly (mpmath) then rounded."""
    mean = mp.fsum((mp.mpf(a) - mp.mpf(b)) ** 2 for a, b in zip(m1, m2))
    return mean + mp.fsum(mp.mpf(v) for v in np.diag(s1)) + mp.fsum(mp.mpf(v) for v in np.diag(s2))


def eigh_route(s1, s2, cutoff):
    values, vectors = np.linalg.eigh(s1)
    a = (vectors * np.sqrt(np.maximum(values, 0))) @ vectors.T
    m = a @ s2 @ a
    lam = np.linalg.eigvalsh((m + m.T) / 2)
    keep = lam > (len(lam) * np.finfo(float).eps * lam.max() if cutoff else 0)
    return np.sqrt(lam[keep]).sum()


def sqrtm_route(s1, s2):
    covmean = sl.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(s1)) * 1e-6
        covmean = sl.sqrtm((s1 + offset) @ (s2 + offset))
    return np.trace(covmean).real


def eig_route(s1, s2):
    values = np.linalg.eigvals(s1 @ s2).real
    return np.sqrt(np.maximum(values, 0)).sum()


def add_eig():
    for name in ("dead", "thin", "thin_generated"):
        path = os.path.join(HERE, f"singular_{name}.npz")
        arrays = dict(np.load(path))
        base = base_terms(arrays["mu_r"], arrays["sigma_r"], arrays["mu_g"], arrays["sigma_g"])
        arrays["fid_eig"] = np.float64(float(base - 2 * eig_route(arrays["sigma_r"], arrays["sigma_g"])))
        np.savez(path, **arrays)
        print(name, "fid_eig", repr(float(arrays["fid_eig"])))


def main():
    rng = np.random.default_rng(20240608)
    cases = [("dead", 600, 600, 8), ("thin", 40, 30, 0), ("thin_generated", 2000, 30, 0)]
    for name, n_r, n_g, dead in cases:
        xr, xg = features(rng, n_r, 0.3, dead), features(rng, n_g, 0.35, dead)
        m1, s1 = xr.mean(0), np.cov(xr, rowvar=False)
        m2, s2 = xg.mean(0), np.cov(xg, rowvar=False)
        base = base_terms(m1, s1, m2, s2)
        exact = float(base - 2 * trace_sqrt_exact(s1, s2))
        fids = {"fid_exact": exact,
                "fid_eigh": float(base - 2 * eigh_route(s1, s2, False)),
                "fid_sqrtm": float(base - 2 * mp.mpf(sqrtm_route(s1, s2))),
                "fid_eig": float(base - 2 * eig_route(s1, s2)),
                "fid_cutoff": float(base - 2 * eigh_route(s1, s2, True))}
        np.savez(os.path.join(HERE, f"singular_{name}.npz"), mu_r=m1, sigma_r=s1, mu_g=m2,
                 sigma_g=s2, **{k: np.float64(v) for k, v in fids.items()})
        print(name, {k: f"{v!r} (rel {abs(v - exact) / exact:.1e})" for k, v in fids.items()})


if __name__ == "__main__":
    import sys
    add_eig() if sys.argv[1:] == ["--add-eig"] else main()
