import CBLAS

// MARK: - Streaming mean and covariance

/// Accumulates the mean and covariance of feature rows batch by batch, in Float64, with
/// memory independent of the number of rows N (a d x d co-moment plus the current batch).
///
/// Each batch X [B, d] is reduced to its own mean m_B (two-pass corrected) and centred
/// co-moment C_B = (X - m_B)^T (X - m_B) (`dsyrk`), then merged into the running
/// (n, m, C) with the pairwise update of Chan, Golub and LeVeque:
///
///     n' = n + B,   delta = m_B - m,   m' = m + delta * B / n',
///     C' = C + C_B + delta delta^T * n B / n'        (`dsyr`)
///
/// so the result does not depend on how the rows were split into batches beyond rounding
/// (about 1e-13 relative). `statistics()` returns sigma = C / (N - 1), which is
/// `np.cov(features, rowvar=False)`.
public final class StatisticsAccumulator {
    /// Feature dimension d.
    public let dimension: Int
    /// Rows seen so far.
    public private(set) var count: Int = 0
    private var mean: [Double]
    /// Centred co-moment sum (x - m)(x - m)^T; only the upper triangle is maintained.
    private var comoment: [Double]

    public init(dimension: Int) {
        precondition(dimension > 0, "StatisticsAccumulator: dimension must be > 0, got \(dimension)")
        self.dimension = dimension
        mean = [Double](repeating: 0, count: dimension)
        comoment = [Double](repeating: 0, count: dimension * dimension)
    }

    /// Adds a batch of Float32 feature rows, row-major [B, d] with B = rows.count / d.
    public func add(rows: [Float]) {
        rows.withUnsafeBufferPointer { add(rows: $0) }
    }

    /// Adds a batch of Float32 feature rows, row-major [B, d] with B = rows.count / d.
    public func add(rows: UnsafeBufferPointer<Float>) {
        let d = dimension
        precondition(rows.count % d == 0,
                     "StatisticsAccumulator.add: \(rows.count) values is not a whole number of "
                     + "rows of dimension \(d)")
        var batch = [Double](repeating: 0, count: rows.count)
        batch.withUnsafeMutableBufferPointer { b in
            for i in 0..<rows.count { b[i] = Double(rows[i]) }
        }
        addBatch(&batch, rowCount: rows.count / d)
    }

    /// Adds a batch of Float64 feature rows, row-major [B, d] with B = rows.count / d.
    public func add(rows: [Double]) {
        let d = dimension
        precondition(rows.count % d == 0,
                     "StatisticsAccumulator.add: \(rows.count) values is not a whole number of "
                     + "rows of dimension \(d)")
        var batch = rows
        addBatch(&batch, rowCount: rows.count / d)
    }

    /// Merges another accumulator of the same dimension (e.g. one filled on another thread).
    public func merge(_ other: StatisticsAccumulator) {
        precondition(other.dimension == dimension,
                     "StatisticsAccumulator.merge: dimensions \(dimension) and \(other.dimension)")
        precondition(other !== self, "StatisticsAccumulator.merge: cannot merge into itself")
        combine(batchCount: other.count, batchMean: other.mean) { comoment, beta in
            // comoment = beta * comoment + other.comoment (upper triangle).
            for i in 0..<comoment.count { comoment[i] = beta * comoment[i] + other.comoment[i] }
        }
    }

    /// Merges statistics computed elsewhere (a shard's file): n rows with mean mu and covariance
    /// sigma (N - 1 denominator), whose co-moment is C = sigma (n - 1). Exact up to rounding: the
    /// result equals adding the rows themselves.
    ///
    /// - Throws: `FrechetError.sampleCountUnknown` when `statistics.n` is nil, and
    ///   `dimensionMismatch` when its dimension is not this accumulator's.
    public func merge(_ statistics: FrechetStatistics, source: String = "statistics") throws {
        guard let n = statistics.n else { throw FrechetError.sampleCountUnknown(source: source) }
        guard statistics.dimension == dimension else {
            throw FrechetError.dimensionMismatch(what: source, expected: dimension, found: statistics.dimension)
        }
        let scale = Double(n - 1)
        combine(batchCount: n, batchMean: statistics.mu) { comoment, beta in
            statistics.sigma.withUnsafeBufferPointer { sigma in
                for i in 0..<comoment.count { comoment[i] = beta * comoment[i] + scale * sigma[i] }
            }
        }
    }

    /// The statistics of all rows added so far: mu [d], sigma [d, d] = C / (N - 1), n = N.
    ///
    /// - Throws: `FrechetError.tooFewSamples` when fewer than two rows were added.
    public func statistics(source: String = "features") throws -> FrechetStatistics {
        guard count >= 2 else {
            throw FrechetError.tooFewSamples(source: source, count: count, needed: 2)
        }
        let d = dimension
        var sigma = comoment
        let scale = 1.0 / Double(count - 1)
        sigma.withUnsafeMutableBufferPointer { s in
            for i in 0..<d {
                for j in i..<d { s[i * d + j] *= scale }
            }
        }
        mirrorUpperToLower(&sigma, dimension: d)
        return FrechetStatistics(mu: mean, sigma: sigma, n: count)
    }

    // MARK: - Batch reduction and merge

    /// Centres `batch` [B, d] in place on its mean and merges it.
    private func addBatch(_ batch: inout [Double], rowCount b: Int) {
        guard b > 0 else { return }
        let d = dimension
        var batchMean = [Double](repeating: 0, count: d)
        batch.withUnsafeMutableBufferPointer { x in
            batchMean.withUnsafeMutableBufferPointer { m in
                // Mean, then one correction pass (sum of residuals) for full accuracy.
                for r in 0..<b {
                    for j in 0..<d { m[j] += x[r * d + j] }
                }
                for j in 0..<d { m[j] /= Double(b) }
                var correction = [Double](repeating: 0, count: d)
                for r in 0..<b {
                    for j in 0..<d { correction[j] += x[r * d + j] - m[j] }
                }
                for j in 0..<d { m[j] += correction[j] / Double(b) }
                for r in 0..<b {
                    for j in 0..<d { x[r * d + j] -= m[j] }
                }
            }
        }
        combine(batchCount: b, batchMean: batchMean) { comoment, beta in
            batch.withUnsafeBufferPointer { x in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(b),
                            1.0, x.baseAddress, Int32(d), beta, comoment.baseAddress, Int32(d))
            }
        }
    }

    /// Chan et al. merge of a part with `batchCount` rows and mean `batchMean`;
    /// `addComoment(comoment, beta)` must set comoment = beta * comoment + C_part.
    private func combine(batchCount b: Int, batchMean: [Double],
                         addComoment: (UnsafeMutableBufferPointer<Double>, Double) -> Void) {
        guard b > 0 else { return }
        let d = dimension
        if count == 0 {
            mean = batchMean
            comoment.withUnsafeMutableBufferPointer { addComoment($0, 0.0) }
            count = b
            return
        }
        let total = count + b
        var delta = [Double](repeating: 0, count: d)
        for j in 0..<d {
            delta[j] = batchMean[j] - mean[j]
            mean[j] += delta[j] * (Double(b) / Double(total))
        }
        let weight = Double(count) * Double(b) / Double(total)
        comoment.withUnsafeMutableBufferPointer { c in
            addComoment(c, 1.0)
            cblas_dsyr(CblasRowMajor, CblasUpper, Int32(d), weight, delta, 1,
                       c.baseAddress, Int32(d))
        }
        count = total
    }
}
