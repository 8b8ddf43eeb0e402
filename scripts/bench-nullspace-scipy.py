#!/usr/bin/env python3
"""scipy's L-BFGS-B on the null-space problem, for comparison with `fidviz-bench --nullspace`.

Minimises FID(w) over the simplex (the Frechet distance between reference statistics and the
weighted statistics of the rows, mu_w = sum w_i f_i, S_w = N/(N-1) sum w_i (f_i - mu_w)(f_i -
mu_w)^T) with scipy.optimize.minimize(method='L-BFGS-B') and the analytic gradient

    dFID/dw_i = 2 (mu_w - mu_r).f_i + s (|f_i|^2 - 2 mu_w.f_i)
                - s [(f_i - mu_w)^T G (f_i - mu_w) - mu_w^T G mu_w],   G = A M^{-1/2} A,

on the features the Swift side wrote:

    swift run -c release fidviz-bench --nullspace --n 2500 --d 256 --export /tmp/ns.npz
    python3 scripts/bench-nullspace-scipy.py /tmp/ns.npz [--parameterisation bounded|softmax]
        [--ftol F] [--gtol G] [--maxiter K] [--compare weights.npz [--compare-key weights]]
        [--save-weights out.npz]

`--compare` evaluates other weights (`weights` in an .npz, e.g. from `fidviz-bench --nullspace
--save-weights`; `--compare-key pool3` for `fidviz classes --save-weights`) with this script's FID,
so two minima are compared by one evaluator. scripts/bench-nullspace runs the d = 2048 case.

Parameterisations: `bounded` (default), w = v / sum v with v >= 0 (L-BFGS-B bounds), started
at v = 1; `softmax`, w = softmax(theta), started at theta = 0. scipy's own stopping defaults
(ftol 2.2e-9, gtol 1e-5) unless given. Float64 throughout; numpy's BLAS threads as it sets them.
"""
import argparse
import time

import numpy as np
import scipy.optimize


def objective(rows, mu_r, sigma_r):
    n, d = rows.shape
    s = n / (n - 1)
    lower = np.linalg.cholesky(sigma_r)
    centre = rows.mean(axis=0)
    x = rows - centre
    offset_r = mu_r - centre
    trace_r = np.trace(sigma_r)
    eps = np.finfo(np.float64).eps

    def value_and_gradient(w):
        delta = w @ x
        sigma = s * ((x.T * w) @ x - np.outer(delta, delta))
        m = lower.T @ sigma @ lower
        lam, q = np.linalg.eigh((m + m.T) / 2)
        root_trace = np.sqrt(np.maximum(lam, 0)).sum()
        fid = ((delta - offset_r) ** 2).sum() + trace_r + np.trace(sigma) - 2 * root_trace
        keep = lam > d * eps * lam.max()
        r = (lower @ q)[:, keep] * lam[keep] ** -0.25
        k = np.eye(d) - r @ r.T
        linear = 2 * (delta - offset_r) - 2 * s * (k @ delta)
        # dFID/dw up to a constant (both parameterisations remove constants).
        g = s * np.einsum("ij,ij->i", x @ k, x) + x @ linear
        return fid, g

    return value_and_gradient


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("features")
    parser.add_argument("--parameterisation", choices=["bounded", "softmax"], default="bounded")
    parser.add_argument("--ftol", type=float, default=None)
    parser.add_argument("--gtol", type=float, default=None)
    parser.add_argument("--maxiter", type=int, default=15000)
    parser.add_argument("--compare", help="an .npz with weights to evaluate as well")
    parser.add_argument("--compare-key", default="weights", help="the array of --compare holding them")
    parser.add_argument("--save-weights", help="write the minimising weights to this .npz")
    args = parser.parse_args()

    data = np.load(args.features)
    rows = data["rows"].astype(np.float64)
    n, d = rows.shape
    fg = objective(rows, data["mu_r"], data["sigma_r"])
    print(f"scipy L-BFGS-B ({args.parameterisation}), N={n} d={d}: FID uniform {float(fg(np.full(n, 1 / n))[0])!r}")

    evaluations = []  # (seconds since start, FID) of every evaluation scipy asks for
    iterations = []  # evaluations done when each iteration ended
    start = time.perf_counter()
    cpu_start = time.process_time()
    if args.parameterisation == "bounded":
        def fun(v):
            total = v.sum()
            w = v / total
            fid, g = fg(w)
            evaluations.append((time.perf_counter() - start, fid))
            return fid, (g - w @ g) / total
        x0, bounds = np.ones(n), [(0, None)] * n
        weights = lambda v: v / v.sum()
    else:
        def weights(theta):
            e = np.exp(theta - theta.max())
            return e / e.sum()

        def fun(theta):
            w = weights(theta)
            fid, g = fg(w)
            evaluations.append((time.perf_counter() - start, fid))
            return fid, w * (g - w @ g)
        x0, bounds = np.zeros(n), None

    def callback(xk):
        iterations.append(len(evaluations))

    options = {"maxiter": args.maxiter}
    if args.ftol is not None:
        options["ftol"] = args.ftol
    if args.gtol is not None:
        options["gtol"] = args.gtol
    result = scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                     options=options, callback=callback)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    for k, done in enumerate(iterations, 1):
        if k <= 5 or k % 10 == 0 or k == len(iterations):
            t, _ = evaluations[done - 1]
            best = min(f for _, f in evaluations[:done])
            print(f"  iteration {k}: FID {float(best)!r}  [{t:.3f} s]")
    w = weights(result.x)
    print(f"minimum FID {float(fg(w)[0])!r} after {result.nit} iterations, {result.nfev} evaluations, "
          f"{elapsed:.3f} s wall, {cpu:.3f} s CPU: {result.message}; zero weights {(w == 0).sum()}, "
          f"ESS {1 / (w ** 2).sum():.1f}")
    if args.save_weights:
        np.savez(args.save_weights, weights=w)
    if args.compare:
        other = np.load(args.compare)[args.compare_key]
        print(f"FID of the weights in {args.compare}, by this script: {float(fg(other / other.sum())[0])!r}")


if __name__ == "__main__":
    main()
