"""Dev-time generator for the null-space fixture (tests never run it).

Usage: python3 make_nullspace_fixture.py   (needs numpy and scipy; a few seconds)

Writes `nullspace_small.npz`: a small case of the problem `NullSpaceOptimizer` solves, the lowest
FID over image weights,

    FID(w) = |mu_w - mu_r|^2 + Tr S_r + Tr S_w - 2 Tr (S_r^{1/2} S_w S_r^{1/2})^{1/2},
    mu_w = sum w_i f_i,  S_w = N/(N-1) sum w_i (f_i - mu_w)(f_i - mu_w)^T,  w >= 0, sum w = 1,

solved in float64 the way scripts/bench-nullspace-scipy.py does at scale: scipy's L-BFGS-B with
the analytic gradient, in the softmax parameterisation w = softmax(theta) and in the bounded one
w = v / sum v, v >= 0, both to scipy's tightest tolerances; the lower minimum is kept.

Data: three classes in d = 24 (class means ~ N(0, 1), within-class deviations (j + 1)^-0.5),
150 reference rows in equal proportions, 120 generated rows in proportions 1:2:3 of which one in
five is three times noisier. Rows are rounded to float32 first (as fidviz stores features) and
everything after is computed from the rounded values in float64.

Arrays: `rows` f4 [120, 24], `labels` i8 [120], `mu_r` f8 [24], `sigma_r` f8 [24, 24] (np.cov of
the reference rows), `weights` f8 [120] (the minimiser), `fid_min`, `fid_uniform` f8 scalars,
`fid_min_softmax`, `fid_min_bounded` (each parameterisation's minimum).
"""
import os

import numpy as np
import scipy.optimize

HERE = os.path.dirname(os.path.abspath(__file__))
D, N, N_REF, CLASSES = 24, 120, 150, 3


def sample(rng, means, deviations, proportions, count, noisy_share):
    labels = np.repeat(np.arange(CLASSES), np.round(np.array(proportions) * count).astype(int))
    labels = np.concatenate([labels, np.full(count - len(labels), CLASSES - 1)])[:count]
    scale = np.where(rng.uniform(size=count) < noisy_share, 3.0, 1.0)
    rows = means[labels] + scale[:, None] * deviations[None, :] * rng.standard_normal((count, D))
    return rows.astype(np.float32), labels


def objective(rows, mu_r, sigma_r):
    n, d = rows.shape
    s = n / (n - 1)
    vals, vecs = np.linalg.eigh(sigma_r)
    root = (vecs * np.sqrt(np.maximum(vals, 0))) @ vecs.T
    centre = rows.mean(axis=0)
    x = rows - centre
    offset_r = mu_r - centre
    trace_r = np.trace(sigma_r)

    def value_and_gradient(w):
        delta = w @ x
        sigma = s * ((x.T * w) @ x - np.outer(delta, delta))
        m = root @ sigma @ root
        lam, q = np.linalg.eigh((m + m.T) / 2)
        lam = np.maximum(lam, 0)
        fid = ((delta - offset_r) ** 2).sum() + trace_r + np.trace(sigma) - 2 * np.sqrt(lam).sum()
        keep = lam > d * np.finfo(np.float64).eps * lam.max()
        g_map = root @ (q[:, keep] * lam[keep] ** -0.5) @ q[:, keep].T @ root
        k = np.eye(d) - g_map
        linear = 2 * (delta - offset_r) - 2 * s * (k @ delta)
        gradient = s * np.einsum("ij,ij->i", x @ k, x) + x @ linear  # up to a constant
        return fid, gradient

    return value_and_gradient


def minimise(fg, n):
    options = {"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-12, "maxcor": 30}

    def softmax(theta):
        e = np.exp(theta - theta.max())
        return e / e.sum()

    def fun_softmax(theta):
        w = softmax(theta)
        fid, g = fg(w)
        return fid, w * (g - w @ g)

    def fun_bounded(v):
        total = v.sum()
        w = v / total
        fid, g = fg(w)
        return fid, (g - w @ g) / total

    soft = scipy.optimize.minimize(fun_softmax, np.zeros(n), jac=True, method="L-BFGS-B", options=options)
    bounded = scipy.optimize.minimize(fun_bounded, np.ones(n), jac=True, method="L-BFGS-B",
                                      bounds=[(0, None)] * n, options=options)
    w_soft = softmax(soft.x)
    w_bounded = bounded.x / bounded.x.sum()
    return (fg(w_soft)[0], w_soft), (fg(w_bounded)[0], w_bounded)


def main():
    rng = np.random.default_rng(21)
    means = rng.standard_normal((CLASSES, D))
    deviations = (np.arange(D) + 1.0) ** -0.5
    reference, _ = sample(rng, means, deviations, [1 / 3] * 3, N_REF, 0.0)
    rows, labels = sample(rng, means, deviations, [1 / 6, 2 / 6, 3 / 6], N, 0.2)
    ref64 = reference.astype(np.float64)
    mu_r = ref64.mean(axis=0)
    sigma_r = np.cov(ref64, rowvar=False)
    fg = objective(rows.astype(np.float64), mu_r, sigma_r)
    (fid_soft, w_soft), (fid_bounded, w_bounded) = minimise(fg, N)
    fid_min, weights = min((fid_soft, w_soft), (fid_bounded, w_bounded), key=lambda pair: pair[0])
    fid_uniform = fg(np.full(N, 1 / N))[0]
    np.savez(os.path.join(HERE, "nullspace_small.npz"), rows=rows, labels=labels.astype(np.int64), mu_r=mu_r,
             sigma_r=sigma_r, weights=weights, fid_min=np.float64(fid_min), fid_uniform=np.float64(fid_uniform),
             fid_min_softmax=np.float64(fid_soft), fid_min_bounded=np.float64(fid_bounded))
    print(f"FID uniform {fid_uniform!r}, minimum {fid_min!r} (softmax {fid_soft!r}, bounded {fid_bounded!r}), "
          f"zero weights {(weights < 1e-12).sum()}")


if __name__ == "__main__":
    main()
