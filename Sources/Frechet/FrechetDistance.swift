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
/// `sqrtm`, no complex arithmetic), which is exact on PSD input and stays finite on singular
/// input.
///
/// Rank-deficient or slightly indefinite input (covariances of N < d samples, or rounding):
/// when S_r is not positive definite, its eigenvalues below 0 are clamped to 0, so F is a
/// factor of S_r's positive part. Eigenvalues lambda of F^T S_g F at or below
/// `spectralCutoff` = d * eps * lambda_max (NumPy's `pinv`/`matrix_rank` default) are rounding
/// noise around 0 and contribute 0 to Tr (A S_g A)^{1/2}; without this, each exactly-zero
/// eigenvalue would add sqrt(noise) ~ 1e-8 sqrt(lambda_max) to the trace. Well-conditioned
/// statistics are unaffected (their eigenvalues sit far above the cutoff). pytorch-fid
/// instead adds 1e-6 to the diagonals when `sqrtm` fails and drops small imaginary parts; on
/// PSD input both give the same value.
public enum FrechetDistance {
    /// FID of `generated` against `reference` (O(d^3): a Cholesky factorisation, two
    /// triangular products and one eigenvalue-only decomposition; about 1.5 s at d = 2048).
    ///
    /// - Throws: `FrechetError.dimensionMismatch` when the dimensions differ,
    ///   `.nonFinite` for NaN/Inf, `.eigendecompositionFailed` from LAPACK.
    public static func distance(reference: FrechetStatistics, generated: FrechetStatistics)
        throws -> Double
    {
        try checkCompatible(reference: reference, generated: generated)
        let factor = try ReferenceFactor(reference: reference)
        let lambda = try SymmetricEigen(
            symmetric: factor.congruence(generated.sigma), dimension: factor.dimension,
            vectors: false
        ).eigenvalues
        let traceSqrt = traceOfSquareRoot(eigenvalues: lambda)
        return meanTerm(reference.mu, generated.mu) + reference.traceOfSigma
            + generated.traceOfSigma - 2 * traceSqrt
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

    /// Eigenvalues at or below d * eps * max(eigenvalues) are treated as 0.
    static func spectralCutoff(eigenvalues: [Double]) -> Double {
        Double(eigenvalues.count) * Double.ulpOfOne * max(eigenvalues.max() ?? 0, 0)
    }

    /// sum over eigenvalues above `spectralCutoff` of sqrt(lambda).
    static func traceOfSquareRoot(eigenvalues: [Double]) -> Double {
        let cutoff = spectralCutoff(eigenvalues: eigenvalues)
        var sum = 0.0
        for value in eigenvalues where value > cutoff { sum += value.squareRoot() }
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

