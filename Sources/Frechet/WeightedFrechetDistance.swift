import CBLAS
import Dispatch

// MARK: - FID as a function of image weights

/// Which scalar type the N x d x d product of the weight gradient runs in.
public enum GEMMPrecision: String, Sendable {
    case float32, float64
}

/// FID of weighted generated images against fixed reference statistics, as a function of
/// the weights (Kynkäänniemi et al.'s resampling, without the resampling):
///
///     FID(w) = |mu_w - mu_r|^2 + Tr S_r + Tr S_w - 2 Tr (A S_w A)^{1/2},   A = S_r^{1/2},
///
/// with mu_w, S_w as in `WeightedStatistics` (uniform weights give the ordinary FID of the
/// rows), and its gradient with respect to the weights,
///
///     dFID/dw_i = 2 (mu_w - mu_r).f_i + s (|f_i|^2 - 2 mu_w.f_i)
///                 - s [(f_i - mu_w)^T G (f_i - mu_w) - mu_w^T G mu_w],
///     s = N/(N-1),  G = A M^{-1/2} A,  M = A S_w A,
///
/// the derivative of FID with S_w written as s (sum_i w_i f_i f_i^T - mu_w mu_w^T), i.e. with
/// the weights as free variables. On the simplex only differences g_i - g_j matter (adding a
/// constant to every g_i changes no feasible directional derivative). G is the linear map
/// of the optimal transport from N(mu_w, S_w) to N(mu_r, S_r); M^{-1/2} is the pseudo-inverse
/// square root (eigenvalues at or below d * eps * max dropped), as in `FIDContribution`.
///
/// Convexity: S_w is matrix-concave in w (it is s times a weighted covariance), Tr sqrt is
/// concave and monotone on PSD matrices, so -2 Tr (A S_w A)^{1/2} is convex in w; the mean
/// and trace terms add a linear function of w and -|mu_w|^2 / (N - 1). FID(w) is therefore
/// convex up to that one small concave quadratic.
///
/// Cost: the reference factor once (O(d^3)); per FID, one co-moment over the rows with
/// w_i > 0 (N d^2 / 2 multiply-adds, Float64 `dsyrk`) and one eigenvalue decomposition
/// (O(d^3)); the gradient adds the eigenvectors and one N x d x m GEMM, the rows in the basis of
/// M's m kept eigenvectors (`Rotation`; `precision`: Float32 by default; the row sums are
/// Float64). Rows are read block by block; nothing of size N x d is allocated (Y, N x m
/// Float32, is kept up to 256 MiB).
public final class WeightedFrechetDistance: Sendable {
    public let reference: FrechetStatistics
    public let rows: FeatureRows
    /// Scalar type of the gradient's N x d x m product.
    public let precision: GEMMPrecision

    let factor: ReferenceFactor
    /// c, the unweighted mean of the rows: every row enters as f_i - c.
    let centre: [Double]
    /// mu_r - c.
    let referenceOffset: [Double]
    /// s = N / (N - 1).
    let scale: Double
    /// |f_i - c|^2, [N].
    let squaredNorms: [Double]

    /// - Throws: `FrechetError.tooFewSamples` for N < 2, `.dimensionMismatch` when the rows'
    ///   dimension differs from the reference's, `.nonFinite` for NaN/Inf in either.
    public convenience init(reference: FrechetStatistics, rows: FeatureRows,
                            precision: GEMMPrecision = .float32) throws {
        guard rows.count >= 2 else {
            throw FrechetError.tooFewSamples(source: "weighted rows", count: rows.count, needed: 2)
        }
        guard rows.dimension == reference.dimension else {
            throw FrechetError.dimensionMismatch(what: "feature rows against reference statistics",
                                                 expected: reference.dimension,
                                                 found: rows.dimension)
        }
        try reference.checkFinite(source: "reference statistics")
        try rows.checkFinite(source: "feature rows")
        let zero = [Double](repeating: 0, count: rows.dimension)
        let centre = rows.weightedSum(WeightedStatistics.uniformWeights(count: rows.count), centre: zero)
        self.init(reference: reference, factor: try ReferenceFactor.shared(for: reference), rows: rows,
                  centre: centre, squaredNorms: rows.squaredNorms(centre: centre), precision: precision)
    }

    private init(reference: FrechetStatistics, factor: ReferenceFactor, rows: FeatureRows, centre: [Double],
                 squaredNorms: [Double], precision: GEMMPrecision) {
        self.reference = reference
        self.squaredNorms = squaredNorms
        self.factor = factor
        self.rows = rows
        self.centre = centre
        self.precision = precision
        referenceOffset = (0..<rows.dimension).map { reference.mu[$0] - centre[$0] }
        let n = Double(rows.count)
        scale = n / (n - 1)
    }

    /// The same rows against other reference statistics of the same dimension, seen through
    /// `factor` (a factor of `reference.sigma`): nothing is checked or summed again, so a
    /// bootstrap can measure one set against a new resample of the reference in O(d).
    func against(_ reference: FrechetStatistics, factor: ReferenceFactor) -> WeightedFrechetDistance {
        precondition(reference.dimension == rows.dimension && factor.dimension == rows.dimension,
                     "WeightedFrechetDistance.against: reference of dimension \(reference.dimension), "
                     + "factor \(factor.dimension), rows \(rows.dimension)")
        return WeightedFrechetDistance(reference: reference, factor: factor, rows: rows, centre: centre,
                                       squaredNorms: squaredNorms, precision: precision)
    }

    /// FID(reference; mu_w, S_w).
    ///
    /// - Throws: `FrechetError.invalidWeights` unless `weights` is a probability vector over
    ///   the rows; `.eigendecompositionFailed` from LAPACK.
    public func distance(weights: [Double]) throws -> Double {
        try WeightedStatistics.checkWeights(weights, count: rows.count)
        return try evaluate(moments(weights), vectors: false).distance
    }

    /// FID(w) and dFID/dw (the formula above, constant included), [N].
    public func distanceAndGradient(weights: [Double]) throws
        -> (distance: Double, gradient: [Double])
    {
        try WeightedStatistics.checkWeights(weights, count: rows.count)
        let point = try evaluate(moments(weights), vectors: true)
        return (point.distance, gradient(at: point))
    }

    /// The distance of a subset's own statistics: the mean and covariance (k - 1 denominator,
    /// as `np.cov` of those rows) of rows `subset` (k >= 2 distinct indices), against the
    /// reference. FD_infinity measures subsets of growing size this way.
    ///
    /// - Throws: `FrechetError.tooFewSamples` for fewer than 2 rows; `.eigendecompositionFailed`.
    public func distance(ofSubset subset: [Int]) throws -> Double {
        let k = subset.count
        guard k >= 2 else { throw FrechetError.tooFewSamples(source: "subset of rows", count: k, needed: 2) }
        var weights = [Double](repeating: 0, count: rows.count)
        for i in subset {
            precondition(i >= 0 && i < rows.count && weights[i] == 0,
                         "WeightedFrechetDistance.distance(ofSubset:): index \(i) out of 0..<\(rows.count) or repeated")
            weights[i] = 1 / Double(k)
        }
        return try evaluate(moments(weights), vectors: false, scale: Double(k) / Double(k - 1)).distance
    }

    // MARK: - Building blocks (the optimiser combines them)

    /// sum v_i (f_i - c)(f_i - c)^T, sum v_i (f_i - c) and sum v_i for unnormalised weights v:
    /// all linear in v, so the moments of v + alpha p are those of v plus alpha times p's.
    /// The weights v themselves are kept too (also linear), for the rows route.
    struct Moments {
        var gram: [Double]
        var sum: [Double]
        var total: Double
        var weights: [Double]

        /// self + alpha * other.
        func adding(_ other: Moments, times alpha: Double) -> Moments {
            var result = self
            for k in 0..<gram.count { result.gram[k] += alpha * other.gram[k] }
            for k in 0..<sum.count { result.sum[k] += alpha * other.sum[k] }
            result.total += alpha * other.total
            for k in 0..<weights.count { result.weights[k] += alpha * other.weights[k] }
            return result
        }

        /// The moments of factor * v.
        func scaled(by factor: Double) -> Moments {
            Moments(gram: gram.map { $0 * factor }, sum: sum.map { $0 * factor }, total: total * factor,
                    weights: weights.map { $0 * factor })
        }
    }

    func moments(_ v: [Double]) -> Moments {
        let (gram, sum) = rows.weightedMoments(v, centre: centre)
        return Moments(gram: gram, sum: sum, total: v.reduce(0, +), weights: v)
    }

    /// How the spectrum of M = F^T S_w F is found. `congruence`: M itself, d x d, as
    /// `FrechetDistance` does. `rows`: with
    /// S_w = Y^T Y for the k rows y_i = sqrt(s w_i) (f_i - mu_w) of positive weight, M = C^T C
    /// for C = Y F, whose non-zero eigenvalues are those of the k x k matrix C C^T: O(k d^2)
    /// instead of O(d^3) when k < d. `cheapest` picks `rows` when k <= d.
    enum Route { case congruence, rows, cheapest }

    /// FID at the weights v / sum v behind `moments`, with the spectrum of M when `vectors`.
    struct Point {
        let distance: Double
        /// mu_w - c.
        let offset: [Double]
        let spectrum: CongruenceSpectrum?
        /// Rounding level of `distance`: eps times the sum of its terms' magnitudes.
        let roundingLevel: Double
    }

    /// mu_w - c and S_w (with `scale` for N/(N-1)) of the weights behind `moments`, and Tr S_w.
    func covariance(_ moments: Moments, scale: Double? = nil)
        -> (offset: [Double], sigma: [Double], trace: Double)
    {
        let d = rows.dimension
        let scale = scale ?? self.scale
        let total = moments.total
        let offset = moments.sum.map { $0 / total }
        var sigma = [Double](repeating: 0, count: d * d)
        var trace = 0.0
        for i in 0..<d {
            for j in 0..<d {
                sigma[i * d + j] = scale * (moments.gram[i * d + j] / total - offset[i] * offset[j])
            }
            trace += sigma[i * d + i]
        }
        return (offset, sigma, trace)
    }

    /// `scale` replaces N/(N-1) (a subset of k rows has its own k/(k-1)).
    func evaluate(_ moments: Moments, vectors: Bool, route: Route = .cheapest, scale: Double? = nil) throws
        -> Point
    {
        let d = rows.dimension
        let scale = scale ?? self.scale
        let total = moments.total
        let (offset, sigma, traceOfSigma) = covariance(moments, scale: scale)
        let spectrum: CongruenceSpectrum?
        let traceOfSquareRoot: Double
        let active = moments.weights.indices.filter { moments.weights[$0] > 0 }
        if route == .rows || (route == .cheapest && active.count < d) {
            let factors = active.map { (scale * moments.weights[$0] / total).squareRoot() }
            var y = [Double](repeating: 0, count: active.count * d)
            let mean = (0..<d).map { centre[$0] + offset[$0] }
            y.withUnsafeMutableBufferPointer {
                rows.fillCentred(active[...], centre: mean, factors: factors[...], into: $0.baseAddress!)
            }
            let rowSpectrum = try CongruenceSpectrum(factor: factor, rows: y, count: active.count, vectors: vectors)
            spectrum = vectors ? rowSpectrum : nil
            traceOfSquareRoot = rowSpectrum.traceOfSquareRoot
        } else if vectors {
            spectrum = try CongruenceSpectrum(factor: factor, sigma: sigma)
            traceOfSquareRoot = spectrum!.traceOfSquareRoot
        } else {
            spectrum = nil
            traceOfSquareRoot = FrechetDistance.traceOfSquareRoot(
                eigenvalues: try SymmetricEigen(symmetric: factor.congruence(sigma), dimension: d,
                                                vectors: false).eigenvalues)
        }
        let distance = FrechetDistance.meanTerm(offset, referenceOffset) + reference.traceOfSigma
            + traceOfSigma - 2 * traceOfSquareRoot
        let magnitude = reference.traceOfSigma + traceOfSigma + 2 * traceOfSquareRoot
            + FrechetDistance.meanTerm(offset, referenceOffset)
        return Point(distance: distance, offset: offset, spectrum: spectrum,
                     roundingLevel: 0.1 * Double.ulpOfOne * magnitude)
    }

    /// dFID/dw_i at `point` (which must carry its spectrum), [N].
    func gradient(at point: Point) -> [Double] {
        gradient(at: point, rotation: rotation(at: point))
    }

    /// dFID/dw_i at the point `rotation` was made from, [N]. With x_i = f_i - c, delta = mu_w - c,
    /// K = I - G and G = B diag(lambda^{-1/2}) B^T (B = F Q on the kept eigenvalues, `Rotation`),
    /// the formula above is
    ///
    ///     g_i = s |x_i|^2 - s sum_a y_ia^2 / sqrt(lambda_a) + (2 (mu_w - mu_r) - 2 s K delta) . x_i + const,
    ///
    /// y_i = B^T x_i: the rows' quadratic forms cost N d m, not N d^2 (m <= d kept eigenvalues),
    /// and Y is the one the curvature uses too. `precision` (the objective's unless given) is Y's
    /// scalar type; the sums over a row are Float64.
    func gradient(at point: Point, rotation: Rotation, precision: GEMMPrecision? = nil) -> [Double] {
        let d = rows.dimension, m = rotation.kept
        let delta = point.offset
        // G v = B diag(lambda^{-1/2}) B^T v.
        func timesG(_ v: [Double]) -> [Double] {
            var u = rotation.toBasis(v)
            for a in 0..<m { u[a] /= rotation.roots[a] }
            return rotation.fromBasis(u)
        }
        let gDelta = timesG(delta)
        let linear = (0..<d).map { 2 * (delta[$0] - referenceOffset[$0]) - 2 * scale * (delta[$0] - gDelta[$0]) }
        let inverseRoots = rotation.roots.map { 1 / $0 }
        var forms = rows.dots(linear, centre: centre)
        for i in 0..<forms.count { forms[i] += scale * squaredNorms[i] }
        // Blocks may come two at a time (`Rotation.forEachBlock`): each writes its own rows.
        forms.withUnsafeMutableBufferPointer { out in
            let out = out
            func subtractRotated<T: BLASScalar>(first: Int, _ y: UnsafePointer<T>, count: Int) {
                for r in 0..<count {
                    var sum = 0.0
                    for a in 0..<m {
                        let value = Double(y[r * m + a])
                        sum += value * value * inverseRoots[a]
                    }
                    out[first + r] -= scale * sum
                }
            }
            switch precision ?? self.precision {
            case .float32: rotation.forEachBlock { subtractRotated(first: $0, $1, count: $2) }
            case .float64: rotation.forEachBlock(as: Double.self) { subtractRotated(first: $0, $1, count: $2) }
            }
        }
        // The constant that makes this the formula above exactly:
        // 2 (mu_w - mu_r).c + s (|c|^2 - 2 mu_w.c) - s (delta^T G delta - mu_w^T G mu_w).
        let mu = (0..<d).map { centre[$0] + delta[$0] }
        let gMu = timesG(mu)
        var constant = 0.0
        for j in 0..<d {
            constant += 2 * (delta[j] - referenceOffset[j]) * centre[j]
                + scale * (centre[j] * centre[j] - 2 * mu[j] * centre[j])
                - scale * (delta[j] * gDelta[j] - mu[j] * gMu[j])
        }
        for i in 0..<forms.count { forms[i] += constant }
        return forms
    }
}

// MARK: - Convenience

extension FrechetDistance {
    /// FID(reference; mu_w, S_w) of feature rows under image weights (`WeightedFrechetDistance`
    /// for several weightings of the same rows, or the gradient).
    public static func distance(reference: FrechetStatistics, rows: FeatureRows,
                                weights: [Double]) throws -> Double {
        try WeightedFrechetDistance(reference: reference, rows: rows).distance(weights: weights)
    }
}
