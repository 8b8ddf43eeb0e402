// MARK: - The plain O(d^3) path, for cross-checking

extension FIDContribution {
    /// The same contribution as `evaluate(feature:)`, computed the direct way in O(d^3):
    /// form mu' and S', compute FID_after with `FrechetDistance`, and the gradient from
    /// A = S_r^{1/2} (eigendecomposition, not the Cholesky factor the fast path prefers) and
    /// a full eigendecomposition M' = A S' A = W diag(t) W^T, with the same pseudo-inverse
    /// rule (t <= d * eps * t_max dropped from M'^{-1/2}). deltaFID is the plain difference of
    /// two FIDs.
    ///
    /// Meant for tests and for auditing the fast path.
    public static func referenceContribution(
        reference: FrechetStatistics, generated: FrechetStatistics, n: Int, feature f: [Double]
    ) throws -> SampleContribution {
        try FrechetDistance.checkCompatible(reference: reference, generated: generated)
        guard n >= 2 else {
            throw FrechetError.tooFewSamples(source: "generated set", count: n, needed: 2)
        }
        let d = reference.dimension
        precondition(f.count == d, "referenceContribution: feature [\(f.count)], expected [\(d)]")
        let count = Double(n)
        let c = (count - 2) / (count - 1)
        let u = (0..<d).map { f[$0] - generated.mu[$0] }
        let meanAfter = (0..<d).map { ((count - 1) / count) * generated.mu[$0] + f[$0] / count }
        var sigmaAfter = generated.sigma
        for i in 0..<d {
            for j in 0..<d { sigmaAfter[i * d + j] = c * sigmaAfter[i * d + j] + u[i] * u[j] / count }
        }
        let after = FrechetStatistics(mu: meanAfter, sigma: sigmaAfter, n: n)
        let fidBefore = try FrechetDistance.distance(reference: reference, generated: generated)
        let fidAfter = try FrechetDistance.distance(reference: reference, generated: after)

        let a = try SymmetricEigen(symmetric: reference.sigma, dimension: d)
            .reconstruct { max($0, 0).squareRoot() }
        let m = multiply(multiply(a, sigmaAfter, dimension: d), a, dimension: d)
        var symmetric = m
        for i in 0..<d {
            for j in 0..<d { symmetric[i * d + j] = 0.5 * (m[i * d + j] + m[j * d + i]) }
        }
        let eigen = try SymmetricEigen(symmetric: symmetric, dimension: d)
        let cutoff = FrechetDistance.pseudoInverseCutoff(eigenvalues: eigen.eigenvalues)
        let inverseSqrt = eigen.reconstruct { $0 > cutoff ? 1 / $0.squareRoot() : 0 }
        let au = multiply(a, vector: u, dimension: d)
        let aMau = multiply(a, vector: multiply(inverseSqrt, vector: au, dimension: d), dimension: d)
        var gradient = [Double](repeating: 0, count: d)
        for j in 0..<d {
            gradient[j] = 2 * (meanAfter[j] - reference.mu[j]) / count
                + (2 / count) * (u[j] - aMau[j])
        }
        return SampleContribution(fidAfter: fidAfter, deltaFID: fidAfter - fidBefore,
                                  gradient: gradient)
    }
}
