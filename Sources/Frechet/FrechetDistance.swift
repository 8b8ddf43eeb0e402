// MARK: - Fréchet distance between two Gaussians

/// Fréchet Inception Distance between reference and generated statistics:
///
///     FID = |mu_r - mu_g|^2 + Tr S_r + Tr S_g - 2 Tr (A S_g A)^{1/2},   A = S_r^{1/2}
///
/// Tr (S_r S_g)^{1/2} of pytorch-fid's `calculate_frechet_distance` equals
/// Tr (A S_g A)^{1/2} because S_r S_g = A (A S_g A) A^{-1} has the same eigenvalues, and
/// equally Tr (F^T S_g F)^{1/2} for any factor F F^T = S_r (`ReferenceFactor`: Cholesky when
/// S_r is positive definite, V diag(sqrt s) from its eigendecomposition otherwise). The
/// square root is taken through the symmetric eigendecomposition of F^T S_g F (no general
/// `sqrtm`, no complex arithmetic).
///
/// Singular or slightly indefinite input (covariances of N < d samples, dead features,
/// rounding) follows pytorch-fid and scipy: negative eigenvalues of S_r (when it is not
/// positive definite) and of F^T S_g F are clamped to 0, and every positive eigenvalue lambda
/// contributes sqrt(lambda) to the trace, however small; nothing is cut off. pytorch-fid takes
/// the real part of `sqrtm(S_r S_g)`, so its negative rounding eigenvalues likewise add 0.
///
/// What that means for accuracy: eigenvalues that are 0 in exact arithmetic come out as
/// rounding noise of order eps * lambda_max, each adding up to about sqrt(eps * lambda_max)
/// to the trace, and that amount differs between any two float64 routes (this one,
/// eigh-based scipy code, pytorch-fid's `sqrtm`). On statistics of fewer samples than
/// dimensions, FID is therefore determined only to that many sqrt(eps * lambda_max), by any
/// float64 implementation; exactly zero rows and columns (constant features) and positive
/// definite statistics add no such noise. pytorch-fid's 1e-6 diagonal offset, used only when `sqrtm`
/// returns non-finite values, is not reproduced.
public enum FrechetDistance {
    /// FID of `generated` against `reference` (O(d^3): a factorisation of S_r, two
    /// triangular products and one eigenvalue-only decomposition).
    ///
    /// - Throws: `FrechetError.dimensionMismatch` when the dimensions differ,
    ///   `.nonFinite` for NaN/Inf, `.eigendecompositionFailed` from LAPACK.
    public static func distance(reference: FrechetStatistics, generated: FrechetStatistics)
        throws -> Double
    {
        try checkCompatible(reference: reference, generated: generated)
        let factor = try ReferenceFactor.shared(for: reference)
        let lambda = try SymmetricEigen(
            symmetric: factor.congruence(generated.sigma), dimension: factor.dimension,
            vectors: false
        ).eigenvalues
        return distance(reference: reference, generated: generated,
                        traceOfSquareRoot: traceOfSquareRoot(eigenvalues: lambda))
    }

    /// |mu_r - mu_g|^2 + Tr S_r + Tr S_g - 2 traceOfSquareRoot.
    static func distance(reference: FrechetStatistics, generated: FrechetStatistics,
                         traceOfSquareRoot: Double) -> Double {
        meanTerm(reference.mu, generated.mu) + reference.traceOfSigma + generated.traceOfSigma
            - 2 * traceOfSquareRoot
    }

    /// Checks what `distance` needs and costs O(d^2): equal dimensions and finite values.
    /// (Use `FrechetStatistics.validate` for symmetry and positive semidefiniteness.)
    public static func checkCompatible(reference: FrechetStatistics, generated: FrechetStatistics)
        throws
    {
        if generated.dimension != reference.dimension {
            throw FrechetError.dimensionMismatch(
                what: "generated statistics against reference statistics",
                expected: reference.dimension, found: generated.dimension)
        }
        for (label, statistics) in [("reference statistics", reference),
                                    ("generated statistics", generated)] {
            try statistics.checkFinite(source: label)
        }
    }

    /// d * eps * max(eigenvalues) (NumPy's `pinv`/`matrix_rank` default): eigenvalues at or
    /// below it are dropped from inverse square roots (M'^{-1/2} in the gradients), never from
    /// Tr sqrt.
    static func pseudoInverseCutoff(eigenvalues: [Double]) -> Double {
        Double(eigenvalues.count) * Double.ulpOfOne * max(eigenvalues.max() ?? 0, 0)
    }

    /// How far two float64 evaluations of FID = ... - 2 Tr sqrt(M) may differ because of M's
    /// spectrum alone: each route's eigenvalue lambda_i is within delta = d * eps * lambda_max
    /// of the exact one (the rank tolerance of NumPy's `matrix_rank`; backward stability of the
    /// symmetric eigensolver), so its sqrt lies in [sqrt(lambda_i - delta), sqrt(lambda_i + delta)]
    /// and FID moves by at most 2 sum_i of that width. An eigenvalue near 0 can move FID by
    /// 2 sqrt(delta); one far above delta by about delta / sqrt(lambda_i), so on positive definite
    /// statistics the bound is negligible. The tests compare routes to this bound.
    static func spectralTolerance(eigenvalues lambda: [Double]) -> Double {
        let delta = Double(lambda.count) * Double.ulpOfOne * max(lambda.max() ?? 0, 0)
        var width = 0.0
        for value in lambda {
            width += (max(value, 0) + delta).squareRoot() - max(value - delta, 0).squareRoot()
        }
        return 2 * width
    }

    /// sum over all eigenvalues of sqrt(max(lambda, 0)).
    static func traceOfSquareRoot(eigenvalues: [Double]) -> Double {
        var sum = 0.0
        for value in eigenvalues where value > 0 { sum += value.squareRoot() }
        return sum
    }

    /// |a - b|^2.
    static func meanTerm(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count {
            let difference = a[i] - b[i]
            sum += difference * difference
        }
        return sum
    }
}
