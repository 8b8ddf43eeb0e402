import Foundation
import SeededRandom

// MARK: - Spearman's rank correlation and its bootstrap interval

/// Spearman's rho of paired values, as `scipy.stats.spearmanr` computes it, and a percentile
/// bootstrap interval for it.
public enum RankCorrelation {
    /// Each value's rank among `values`, 1-based, ascending; tied values share the mean of the
    /// ranks they span (`scipy.stats.rankdata(method="average")`). Values must be comparable:
    /// callers drop NaN first (a NaN here traps).
    public static func averageRanks(_ values: [Double]) -> [Double] {
        precondition(!values.contains { $0.isNaN }, "averageRanks: NaN among \(values.count) values")
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            // Positions start..<end (0-based) hold one value: ranks start+1 ... end, mean (start+1+end)/2.
            let shared = Double(start + 1 + end) / 2
            for position in start ..< end { ranks[order[position]] = shared }
            start = end
        }
        return ranks
    }

    /// Spearman's rho: the Pearson correlation of the average ranks of `x` and `y`,
    /// `Σ (rx - r̄x)(ry - r̄y) / sqrt(Σ (rx - r̄x)² Σ (ry - r̄y)²)`, clipped to [-1, 1].
    ///
    /// Pairs where either value is NaN or infinite are left out before ranking (scipy's
    /// `nan_policy="omit"`, applied to infinities too). NaN when fewer than 2 pairs remain or
    /// when one side is constant over them. `x` and `y` must have the same length.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        let (fx, fy) = finitePairs(x, y)
        return spearmanOfFinite(fx, fy)
    }

    /// The percentile bootstrap interval of `spearman(x, y)` at `level` (0.95: the central 95%).
    ///
    /// The finite pairs (as `spearman` keeps them, in order) are resampled `resamples` times:
    /// each resample draws as many pairs as there are, with replacement, pair index
    /// `(g * n) >> 64` for each 64-bit output `g` of `SplitMix64(seed: seed)` in turn (one
    /// generator for all resamples). The bounds are the `(1 - level) / 2` and `1 - (1 - level) / 2`
    /// quantiles of the finite resampled rhos, by linear interpolation between order statistics
    /// (numpy's default `np.percentile` method: position `q (m - 1)` among the m sorted values).
    /// Resamples whose rho is NaN (a constant side) are skipped. nil when none is finite.
    /// Deterministic given the seed.
    public static func bootstrapInterval(_ x: [Double], _ y: [Double], resamples: Int = 1000,
                                         level: Double = 0.95, seed: UInt64 = 0) -> ClosedRange<Double>? {
        precondition(resamples >= 0, "bootstrapInterval: \(resamples) resamples")
        precondition(level > 0 && level < 1, "bootstrapInterval: level \(level) is not in (0, 1)")
        let (fx, fy) = finitePairs(x, y)
        let n = fx.count
        guard n >= 2 else { return nil }
        var generator = SplitMix64(seed: seed)
        var rhos: [Double] = []
        rhos.reserveCapacity(resamples)
        var sx = [Double](repeating: 0, count: n), sy = sx
        for _ in 0 ..< resamples {
            for k in 0 ..< n {
                let i = resampledIndex(&generator, count: n)
                sx[k] = fx[i]
                sy[k] = fy[i]
            }
            let rho = spearmanOfFinite(sx, sy)
            if rho.isFinite { rhos.append(rho) }
        }
        guard !rhos.isEmpty else { return nil }
        rhos.sort()
        let tail = (1 - level) / 2
        return quantile(sorted: rhos, tail) ... quantile(sorted: rhos, 1 - tail)
    }

    /// The bootstrap's draw: an index in 0..<count from one generator output, by the high word
    /// of a 64x64-bit product (bias at most count / 2^64).
    static func resampledIndex(_ generator: inout SplitMix64, count: Int) -> Int {
        Int(generator.next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// Quantile `q` of ascending `sorted` by linear interpolation between the order statistics
    /// around position `q (m - 1)` (numpy's default method).
    static func quantile(sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = min(Int(position.rounded(.down)), sorted.count - 1)
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + fraction * (sorted[above] - sorted[below])
    }

    // MARK: - Helpers

    /// The pairs of `x` and `y` where both are finite, in order.
    static func finitePairs(_ x: [Double], _ y: [Double]) -> (x: [Double], y: [Double]) {
        precondition(x.count == y.count, "spearman: \(x.count) values paired with \(y.count)")
        var fx: [Double] = [], fy: [Double] = []
        fx.reserveCapacity(x.count)
        fy.reserveCapacity(y.count)
        for (a, b) in zip(x, y) where a.isFinite && b.isFinite {
            fx.append(a)
            fy.append(b)
        }
        return (fx, fy)
    }

    private static func spearmanOfFinite(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        return pearson(averageRanks(x), averageRanks(y))
    }

    /// Pearson's r about the means; NaN when either side has no spread.
    private static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            let dx = a - meanX, dy = b - meanY
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0 && syy > 0 else { return .nan }
        return min(1, max(-1, sxy / (sxx * syy).squareRoot()))
    }
}

/// A rank correlation with its bootstrap interval, over the pairs it used.
public struct SpearmanEstimate: Equatable, Sendable {
    /// Spearman's rho (NaN with fewer than 2 pairs or a constant side).
    public let rho: Double
    /// The percentile bootstrap interval (`RankCorrelation.bootstrapInterval`), nil when no
    /// resample gave a finite rho.
    public let interval: ClosedRange<Double>?
    /// The pairs where both values were finite.
    public let count: Int

    /// rho and its interval for `x` against `y`, with `RankCorrelation`'s defaults.
    public init(_ x: [Double], _ y: [Double], resamples: Int = 1000, level: Double = 0.95, seed: UInt64 = 0) {
        rho = RankCorrelation.spearman(x, y)
        interval = RankCorrelation.bootstrapInterval(x, y, resamples: resamples, level: level, seed: seed)
        count = RankCorrelation.finitePairs(x, y).x.count
    }
}
