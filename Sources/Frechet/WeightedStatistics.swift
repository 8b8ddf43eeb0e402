// MARK: - Statistics of weighted images

/// The Gaussian statistics of N feature rows f_i under image weights w_i >= 0, sum w_i = 1:
///
///     mu_w = sum_i w_i f_i,   S_w = N/(N-1) sum_i w_i (f_i - mu_w)(f_i - mu_w)^T
///
/// Uniform weights (1/N) give the ordinary statistics (`np.mean`, `np.cov`), and weights
/// c_i / N for a resample that holds image i c_i times give that resample's statistics. The
/// effective sample size is ESS = 1 / sum w_i^2 (N for uniform weights, 1 for a single image).
///
/// Computed in Float64 from Float32 or Float64 rows, a block of rows at a time: the mean, then
/// the centred co-moment by `dsyrk` over the rows with w_i > 0, scaled by sqrt(w_i).
public struct WeightedStatistics: Sendable {
    /// mu_w and S_w, with `n` = N.
    public let statistics: FrechetStatistics
    /// 1 / sum w_i^2.
    public let effectiveSampleSize: Double

    /// - Throws: `FrechetError.tooFewSamples` for N < 2, `.invalidWeights` for weights that are
    ///   not one per row, finite, >= 0 and summing to 1 (within 1e-9).
    public init(rows: FeatureRows, weights: [Double]) throws {
        try Self.checkWeights(weights, count: rows.count)
        let n = Double(rows.count)
        let zero = [Double](repeating: 0, count: rows.dimension)
        let mean = rows.weightedSum(weights, centre: zero)
        var sigma = rows.weightedMoments(weights, centre: mean).gram
        for k in 0..<sigma.count { sigma[k] *= n / (n - 1) }
        statistics = FrechetStatistics(mu: mean, sigma: sigma, n: rows.count)
        effectiveSampleSize = Self.effectiveSampleSize(weights)
    }

    /// 1 / sum w_i^2 for weights summing to 1.
    public static func effectiveSampleSize(_ weights: [Double]) -> Double {
        1 / weights.reduce(0) { $0 + $1 * $1 }
    }

    /// 1/N for each of N rows.
    public static func uniformWeights(count: Int) -> [Double] {
        [Double](repeating: 1 / Double(count), count: count)
    }

    /// Checks N >= 2 and that `weights` is a probability vector over the N rows.
    static func checkWeights(_ weights: [Double], count: Int, source: String = "weights") throws {
        guard count >= 2 else {
            throw FrechetError.tooFewSamples(source: "weighted rows", count: count, needed: 2)
        }
        guard weights.count == count else {
            throw FrechetError.invalidWeights(
                source: source, reason: "\(weights.count) weights given for \(count) images")
        }
        if let i = weights.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw FrechetError.invalidWeights(
                source: source, reason: "weight \(i) is \(weights[i])")
        }
        let sum = weights.reduce(0, +)
        guard abs(sum - 1) <= 1e-9 else {
            throw FrechetError.invalidWeights(source: source, reason: "the weights sum to \(sum)")
        }
    }
}
