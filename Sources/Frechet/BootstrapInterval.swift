// MARK: - An interval from bootstrap replicates

/// A confidence interval for the expected value of an estimate at the sample size it was made
/// at (for FID: the mean of FID_N over fresh samples of the same N images and reference), from
/// the estimate theta and its bootstrap replicates theta*_b:
///
///     [theta - (q_hi - m), theta + (m - q_lo)],
///
/// m the mean of the replicates and q_lo, q_hi their (1 - confidence)/2 and (1 + confidence)/2
/// quantiles (linear interpolation, NumPy's default). The replicates' spread about their own
/// mean stands in for the estimate's spread about its expectation, and is reflected about the
/// estimate (the basic bootstrap's pivot, taken about m instead of theta). Neither the plain
/// percentile interval [q_lo, q_hi] nor the basic one [2 theta - q_hi, 2 theta - q_lo] targets
/// this: FID_N is biased upwards by O(d/N), a resample's FID again by about as much, so the
/// percentile interval sits one bias above E[FID_N] and the basic one one bias below it (the
/// latter estimates the FID of infinitely many images, which FD_infinity measures instead).
public struct BootstrapInterval: Sendable, Equatable {
    public let lower: Double
    public let upper: Double

    /// How reports name the method.
    public static let method = "bootstrap, basic interval about the replicates' mean (for the expected value at this N)"

    public init(estimate: Double, replicates: [Double], confidence: Double = 0.95) {
        precondition(!replicates.isEmpty, "BootstrapInterval: no replicates")
        precondition(confidence > 0 && confidence < 1, "BootstrapInterval: confidence \(confidence)")
        let sorted = replicates.sorted()
        let mean = replicates.reduce(0, +) / Double(replicates.count)
        let tail = (1 - confidence) / 2
        lower = estimate - (Self.quantile(sorted, 1 - tail) - mean)
        upper = estimate + (mean - Self.quantile(sorted, tail))
    }

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

    /// The interval cut at `bound` from below, for an expectation that cannot lie under it (a
    /// distance's, at 0): a skewed bootstrap distribution can reflect the lower end past it.
    public func clamped(atLeast bound: Double) -> BootstrapInterval {
        BootstrapInterval(lower: max(lower, bound), upper: max(upper, bound))
    }

    /// The p-quantile of ascending `sorted` values, interpolating linearly between order
    /// statistics at position p (n - 1) (NumPy's `quantile` default).
    public static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty && p >= 0 && p <= 1, "BootstrapInterval.quantile: p = \(p) of \(sorted.count)")
        let position = p * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
    }
}
