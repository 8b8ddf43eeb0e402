import SeededRandom

// MARK: - FID of an actual resample

/// FID of resamples drawn by image weights, as Kynkäänniemi et al. measure matched FID: N
/// indices drawn with replacement, index i with probability w_i (`SplitMix64` from `seed`,
/// one stream for all draws), and the FID of each resample, whose statistics are those of
/// the weights c_i / N for multiplicities c_i (`WeightedStatistics`). The median over
/// `draws` resamples (3 by default) is reported.
public enum Resampling {
    public struct Result: Sendable, Equatable {
        /// Median of `values` (the mean of the middle two for an even count).
        public let median: Double
        /// FID of each resample, in draw order.
        public let values: [Double]
    }

    public static func medianFID(_ objective: WeightedFrechetDistance, weights: [Double],
                                 draws: Int = 3, seed: UInt64 = 0) throws -> Result {
        precondition(draws >= 1, "Resampling.medianFID: draws = \(draws)")
        let n = objective.rows.count
        try WeightedStatistics.checkWeights(weights, count: n, source: "resampling weights")
        var generator = SplitMix64(seed: seed)
        var values: [Double] = []
        for _ in 0..<draws {
            var multiplicity = [Double](repeating: 0, count: n)
            for i in generator.draw(n, weights: weights) { multiplicity[i] += 1 }
            values.append(try objective.distance(weights: multiplicity.map { $0 / Double(n) }))
        }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle])
        return Result(median: median, values: values)
    }

    public static func medianFID(reference: FrechetStatistics, rows: FeatureRows,
                                 weights: [Double], draws: Int = 3, seed: UInt64 = 0) throws
        -> Result
    {
        try medianFID(WeightedFrechetDistance(reference: reference, rows: rows), weights: weights,
                      draws: draws, seed: seed)
    }
}
