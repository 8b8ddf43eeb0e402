// MARK: - Gaussian statistics of a feature set

/// The mean and covariance of a set of feature vectors (Inception pool3 for FID), as
/// pytorch-fid stores them: `mu` [d] and `sigma` [d, d] row-major, Float64, with the
/// covariance normalised by N - 1 (`np.cov(features, rowvar=False)`).
public struct FrechetStatistics: Sendable, Equatable {
    /// Mean feature, [d].
    public var mu: [Double]
    /// Covariance, row-major [d, d], N - 1 denominator.
    public var sigma: [Double]
    /// Number of samples the statistics came from, when known (pytorch-fid files omit it).
    public var n: Int?

    /// Feature dimension d (2048 for Inception pool3).
    public var dimension: Int { mu.count }

    /// Wraps existing statistics. `sigma` must have d*d entries for d = `mu.count`.
    public init(mu: [Double], sigma: [Double], n: Int? = nil) {
        precondition(sigma.count == mu.count * mu.count,
                     "FrechetStatistics: sigma has \(sigma.count) entries but mu has \(mu.count), "
                     + "expected \(mu.count)x\(mu.count)")
        self.mu = mu
        self.sigma = sigma
        self.n = n
    }

    /// Sum of the diagonal of `sigma`.
    public var traceOfSigma: Double {
        let d = dimension
        var sum = 0.0
        for i in 0..<d { sum += sigma[i * d + i] }
        return sum
    }
}

// MARK: - Merging

extension FrechetStatistics {
    /// The statistics of the union of disjoint sets, from each set's n, mu and sigma (Chan, Golub
    /// and LeVeque's pairwise update, in Float64; see `StatisticsAccumulator`): for parts a, b,
    ///
    ///     n = n_a + n_b,   delta = mu_b - mu_a,   mu = mu_a + delta n_b / n,
    ///     (n - 1) sigma = (n_a - 1) sigma_a + (n_b - 1) sigma_b + delta delta^T n_a n_b / n.
    ///
    /// Merging the shards of a set gives the statistics of the whole set up to rounding (about
    /// 1e-15 relative). `sources` name the parts in errors (default "part 1", "part 2", ...).
    ///
    /// - Throws: `sampleCountUnknown` for a part without `n`, `dimensionMismatch` for parts of
    ///   different dimensions, `tooFewSamples` when there is no part.
    public static func merged(_ parts: [FrechetStatistics], sources: [String]? = nil) throws -> FrechetStatistics {
        precondition(sources == nil || sources!.count == parts.count,
                     "FrechetStatistics.merged: \(parts.count) parts but \(sources!.count) sources")
        guard let first = parts.first else { throw FrechetError.tooFewSamples(source: "merge", count: 0, needed: 2) }
        let accumulator = StatisticsAccumulator(dimension: first.dimension)
        for (k, part) in parts.enumerated() {
            try accumulator.merge(part, source: sources?[k] ?? "part \(k + 1)")
        }
        return try accumulator.statistics(source: "merge")
    }
}

// MARK: - Validation

extension FrechetStatistics {
    /// Default relative tolerance of `validate`'s symmetry test, scaled by max |sigma_ij|.
    public static let defaultSymmetryTolerance = 1e-6
    /// Default relative tolerance of `validate`'s PSD test, scaled by the largest eigenvalue.
    public static let defaultPSDTolerance = 1e-6

    /// Checks that the statistics can be used for FID, throwing the first problem found, in
    /// this order: dimension (when `expectedDimension` is given), finiteness of `mu` then
    /// `sigma`, symmetry of `sigma`, and (when `checkPositiveSemidefinite`) its smallest
    /// eigenvalue.
    ///
    /// - Symmetric: max over i < j of |sigma_ij - sigma_ji| <= symmetryTolerance * max|sigma|;
    ///   the error names the worst pair.
    /// - PSD: lambda_min >= -psdTolerance * max(lambda_max, 0). This costs one O(d^3)
    ///   eigenvalue computation.
    ///
    /// - Parameter source: names the statistics in errors (a file path or a label).
    public func validate(
        source: String = "statistics", expectedDimension: Int? = nil,
        checkPositiveSemidefinite: Bool = true,
        symmetryTolerance: Double = defaultSymmetryTolerance,
        psdTolerance: Double = defaultPSDTolerance
    ) throws {
        let d = dimension
        if let expected = expectedDimension, expected != d {
            throw FrechetError.shapeMismatch(
                source: source, key: "mu", shape: [d], expected: [expected],
                reason: "the feature dimension must be \(expected)")
        }
        try checkFinite(source: source)
        try Self.checkSymmetric(sigma, dimension: d, source: source, key: "sigma",
                                tolerance: symmetryTolerance)
        if checkPositiveSemidefinite {
            try Self.checkPositiveSemidefinite(sigma, dimension: d, source: source, key: "sigma",
                                               tolerance: psdTolerance)
        }
    }

    /// Throws `nonFinite` for the first NaN or infinity in `mu`, then in `sigma`.
    func checkFinite(source: String) throws {
        let d = dimension
        if let i = mu.firstIndex(where: { !$0.isFinite }) {
            throw FrechetError.nonFinite(source: source, key: "mu", index: [i], value: mu[i])
        }
        if let i = sigma.firstIndex(where: { !$0.isFinite }) {
            throw FrechetError.nonFinite(
                source: source, key: "sigma", index: [i / d, i % d], value: sigma[i])
        }
    }

    /// Throws `notSymmetric` naming the worst (i, j), i < j, when it exceeds the tolerance.
    static func checkSymmetric(_ s: [Double], dimension d: Int, source: String, key: String,
                               tolerance: Double) throws {
        var scale = 0.0
        for value in s { scale = max(scale, abs(value)) }
        var worst = 0.0
        var worstRow = 0
        var worstColumn = 0
        s.withUnsafeBufferPointer { m in
            for i in 0..<d {
                for j in (i + 1)..<d {
                    let difference = abs(m[i * d + j] - m[j * d + i])
                    if difference > worst {
                        worst = difference
                        worstRow = i
                        worstColumn = j
                    }
                }
            }
        }
        let allowed = tolerance * scale
        if worst > allowed {
            throw FrechetError.notSymmetric(
                source: source, key: key, row: worstRow, column: worstColumn,
                difference: worst, tolerance: allowed)
        }
    }

    /// Throws `notPositiveSemidefinite` when lambda_min < -tolerance * max(lambda_max, 0).
    ///
    /// A Cholesky factorisation (a fraction of an eigenvalue decomposition's cost) settles the
    /// usual cases first: it succeeds on S + tolerance * rho I, rho = max_i S_ii <= lambda_max,
    /// only if lambda_min > -tolerance * rho >= -tolerance * lambda_max. Otherwise (an indefinite
    /// matrix, or one within rounding of the bound) the eigenvalues decide, and name the
    /// eigenvalue in the error.
    static func checkPositiveSemidefinite(_ s: [Double], dimension d: Int, source: String,
                                          key: String, tolerance: Double) throws {
        guard d > 0 else { return }
        let rho = (0..<d).map { s[$0 * d + $0] }.max()!
        if rho > 0 {
            var shifted = s
            for i in 0..<d { shifted[i * d + i] += tolerance * rho }
            if ReferenceFactor.cholesky(shifted, dimension: d) != nil { return }
        }
        let eigen = try SymmetricEigen(symmetric: s, dimension: d, vectors: false)
        let smallest = eigen.eigenvalues.first!
        let allowed = tolerance * max(eigen.eigenvalues.last!, 0)
        if smallest < -allowed {
            throw FrechetError.notPositiveSemidefinite(
                source: source, key: key, eigenvalue: smallest, tolerance: allowed)
        }
    }
}
