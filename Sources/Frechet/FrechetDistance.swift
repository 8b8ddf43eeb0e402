// MARK: - Fréchet distance between two Gaussians

/// Fréchet Inception Distance between reference and generated statistics:
///
///     FID = |mu_r - mu_g|^2 + Tr S_r + Tr S_g - 2 Tr (A S_g A)^{1/2},   A = S_r^{1/2}
///
/// Tr (S_r S_g)^{1/2} of pytorch-fid's `calculate_frechet_distance` equals
/// Tr (A S_g A)^{1/2} because S_r S_g = A (A S_g A) A^{-1} has the same eigenvalues; here
/// both square roots come from symmetric eigendecompositions (no general `sqrtm`, no
/// complex arithmetic), which is exact on PSD input and stays finite on singular input.
///
/// Rank-deficient or slightly indefinite input (covariances of N < d samples, or rounding):
/// eigenvalues of S_r below 0 are clamped to 0 before the square root, so A is the PSD square
/// root of S_r's positive part. Eigenvalues lambda of A S_g A at or below
/// `spectralCutoff` = d * eps * lambda_max (NumPy's `pinv`/`matrix_rank` default) are rounding
/// noise around 0 and contribute 0 to Tr (A S_g A)^{1/2}; without this, each exactly-zero
/// eigenvalue would add sqrt(noise) ~ 1e-8 sqrt(lambda_max) to the trace. Well-conditioned
/// statistics are unaffected (their eigenvalues sit far above the cutoff). pytorch-fid
/// instead adds 1e-6 to the diagonals when `sqrtm` fails and drops small imaginary parts; on
/// PSD input both give the same value.
public enum FrechetDistance {
    /// FID of `generated` against `reference` (O(d^3): one eigendecomposition with vectors,
    /// two `dgemm`, one eigenvalue-only decomposition; about 2-3 s at d = 2048).
    ///
    /// - Throws: `FrechetError.dimensionMismatch` when the dimensions differ,
    ///   `.nonFinite` for NaN/Inf, `.eigendecompositionFailed` from LAPACK.
    public static func distance(reference: FrechetStatistics, generated: FrechetStatistics)
        throws -> Double
    {
        try checkCompatible(reference: reference, generated: generated)
        let basis = try ReferenceBasis(reference: reference)
        let whitened = basis.whitenedCovariance(generated.sigma)
        let lambda = try SymmetricEigen(
            symmetric: whitened, dimension: basis.dimension, vectors: false
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
            try statistics.validate(source: label, checkPositiveSemidefinite: false,
                                    symmetryTolerance: .infinity)
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

// MARK: - The reference covariance's eigenbasis

/// S_r = V diag(s) V^T with s clamped at 0, and what FID needs from it.
///
/// Working in this basis avoids forming A = S_r^{1/2} explicitly:
/// V^T (A S_g A) V = diag(sqrt s) (V^T S_g V) diag(sqrt s) =: M~, which has the eigenvalues
/// of A S_g A.
struct ReferenceBasis {
    let eigen: SymmetricEigen
    /// sqrt(max(s_k, 0)), [d].
    let sqrtEigenvalues: [Double]

    var dimension: Int { eigen.dimension }
    /// Row-major [d, d]; row k is the k-th eigenvector of S_r (the matrix V^T).
    var eigenvectors: [Double] { eigen.eigenvectors }

    init(reference: FrechetStatistics) throws {
        eigen = try SymmetricEigen(symmetric: reference.sigma, dimension: reference.dimension)
        sqrtEigenvalues = eigen.eigenvalues.map { max($0, 0).squareRoot() }
    }

    /// M~ = diag(sqrt s) V^T S V diag(sqrt s), row-major [d, d], symmetric to the bit.
    func whitenedCovariance(_ sigma: [Double]) -> [Double] {
        let d = dimension
        // V^T S (S symmetric), then (V^T S) V.
        let left = multiply(eigenvectors, sigma, dimension: d)
        var whitened = multiply(left, eigenvectors, transposeB: true, dimension: d)
        whitened.withUnsafeMutableBufferPointer { m in
            for i in 0..<d {
                for j in i..<d {
                    let value = 0.5 * (m[i * d + j] + m[j * d + i])
                        * sqrtEigenvalues[i] * sqrtEigenvalues[j]
                    m[i * d + j] = value
                    m[j * d + i] = value
                }
            }
        }
        return whitened
    }

    /// A = V diag(sqrt s) V^T, the PSD square root of S_r, row-major [d, d].
    func squareRoot() -> [Double] {
        eigen.reconstruct { max($0, 0).squareRoot() }
    }
}
