import SeededRandom

// MARK: - The Fréchet distance of infinitely many images

/// FD_infinity (Chong and Forsyth, "Effectively Unbiased FID and Inception Score and where to
/// find them", CVPR 2020), as dgm-eval computes FD_inf: FID_N is biased upwards by about b / N,
/// so the distance is measured at `points` sizes k and the line FD_k = intercept + slope / k is
/// fitted by ordinary least squares; the intercept is the distance at N = infinity.
///
/// - Sizes: evenly spaced from min(5000, max(N / 10, 2)) to N (integer division), computed as
///   NumPy's `linspace(start, N, points)` and truncated to integers.
/// - Each size's subset: k distinct rows drawn afresh (without replacement) from the N rows, by
///   one SplitMix64 stream from `seed`; its own mean and covariance (k - 1 denominator) against
///   the whole reference's statistics (`WeightedFrechetDistance.distance(ofSubset:)`).
///
/// With every size equal (N = 2) the line has no slope: `slope` is 0 and the intercept the mean,
/// as a least-squares solver gives it.
public struct FrechetDistanceInfinity: Sendable, Equatable {
    /// The subset sizes k, ascending.
    public let sizes: [Int]
    /// FD of the subset of each size.
    public let distances: [Double]
    /// FD_infinity, the fitted distance at 1/k = 0.
    public let intercept: Double
    /// b of FD_k = intercept + b / k.
    public let slope: Double

    /// dgm-eval's number of sizes.
    public static let defaultPoints = 15

    /// The fit of `distances` measured at `sizes`.
    public init(sizes: [Int], distances: [Double]) {
        precondition(!sizes.isEmpty && sizes.count == distances.count && sizes.allSatisfy { $0 > 0 },
                     "FrechetDistanceInfinity: \(sizes.count) sizes and \(distances.count) distances")
        self.sizes = sizes
        self.distances = distances
        let x = sizes.map { 1 / Double($0) }
        let meanX = x.reduce(0, +) / Double(x.count)
        let meanY = distances.reduce(0, +) / Double(distances.count)
        var sxx = 0.0, sxy = 0.0
        for (xi, yi) in zip(x, distances) {
            sxx += (xi - meanX) * (xi - meanX)
            sxy += (xi - meanX) * (yi - meanY)
        }
        slope = sxx > 0 ? sxy / sxx : 0
        intercept = meanY - slope * meanX
    }

    /// FD_infinity of `objective`'s rows against its reference.
    ///
    /// - Throws: `FrechetError.tooFewSamples` (fewer than 2 rows), `.eigendecompositionFailed`.
    public init(_ objective: WeightedFrechetDistance, points: Int = defaultPoints, seed: UInt64 = 0,
                progress: ((Int, Int) -> Void)? = nil) throws {
        let sizes = Self.sizes(count: objective.rows.count, points: points)
        var generator = SplitMix64(seed: seed)
        var distances: [Double] = []
        for (k, size) in sizes.enumerated() {
            distances.append(try objective.distance(ofSubset: generator.sample(size, from: objective.rows.count)))
            progress?(k + 1, sizes.count)
        }
        self.init(sizes: sizes, distances: distances)
    }

    /// The sizes for N rows (N >= 2).
    public static func sizes(count n: Int, points: Int = defaultPoints) -> [Int] {
        precondition(n >= 2 && points >= 2, "FrechetDistanceInfinity.sizes: N = \(n), \(points) points")
        let start = min(5000, max(n / 10, 2))
        let step = Double(n - start) / Double(points - 1)
        return (0..<points).map { $0 == points - 1 ? n : Int(Double($0) * step + Double(start)) }
    }
}
