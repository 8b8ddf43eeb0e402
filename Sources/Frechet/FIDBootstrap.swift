import Dispatch
import Foundation
import SeededRandom

// MARK: - FID under resampling of the images

/// Bootstrap replicates of the FID of one or more generated sets against one reference. In each
/// replicate every set is replaced by N draws with replacement from its own N rows, and so is the
/// reference when it has rows. A draw copies nothing: the resample that holds row i c_i times
/// (multinomial counts, sum c_i = N) has the statistics of the weights c_i / N
/// (`WeightedStatistics`, with `np.cov`'s N - 1 of the resample), and its FID is
/// `WeightedFrechetDistance` at those weights against the reference's resample.
///
/// Pairing: with `.shared`, one reference resample per replicate serves every set, so in the
/// replicates of FID_b - FID_a the reference's sampling noise, common to both, cancels (the
/// paired ΔFID); `.independent` draws a separate reference resample for each set (unpaired).
///
/// Streams: each set draws from its own SplitMix64 stream derived from `seed` and the set's
/// position, the reference from another, so a set's replicates do not change when sets are added
/// after it, nor with how the sets of a replicate are scheduled: they run concurrently, one per
/// core, so call it with OpenBLAS limited to one thread.
///
/// Cost of one replicate, N rows of dimension d per set:
/// - each resample's moments are the uniform moments (computed once) plus the co-moment of the
///   count differences (c_i - 1) / N, whose non-zero rows are the 1 - 1/e ≈ 63% of rows with
///   c_i != 1: one `syrk` of 0.63 N d^2 multiply-adds in `precision`. In Float32 its rounding is
///   relative to that difference (a few percent of the covariance), not to the covariance;
/// - a resampled reference: the same, plus its Cholesky factor (d^3 / 3), shared by every set of
///   the replicate with `.shared`;
/// - per set, the congruence F^T S F (two triangular products, 2 d^3) and an eigenvalue-only
///   decomposition (its tridiagonal reduction, 4/3 d^3); with fewer distinct drawn rows than
///   dimensions, the k x k route of `WeightedFrechetDistance` instead.
public struct FIDBootstrap: Sendable {
    /// The reference as the replicates see it.
    public enum Reference: Sendable {
        /// Fixed statistics (a statistics file): the same in every replicate.
        case statistics(FrechetStatistics)
        /// Rows, resampled in every replicate.
        case rows(FeatureRows)
    }

    public enum Pairing: Sendable {
        /// One reference resample per replicate for all sets (paired differences).
        case shared
        /// A reference resample per set and replicate (unpaired differences).
        case independent
    }

    public var replicates: Int
    public var seed: UInt64
    public var pairing: Pairing
    /// Scalar type of the count-difference co-moment, the one N d^2 product of a replicate.
    public var precision: GEMMPrecision

    public init(replicates: Int = 200, seed: UInt64 = 0, pairing: Pairing = .shared,
                precision: GEMMPrecision = .float32) {
        precondition(replicates >= 1, "FIDBootstrap: \(replicates) replicates")
        self.replicates = replicates
        self.seed = seed
        self.pairing = pairing
        self.precision = precision
    }

    /// FID of every set in every replicate, [sets][replicates]. `progress` is called after each
    /// replicate with (done, total).
    ///
    /// - Throws: `FrechetError.tooFewSamples` for a set or reference rows of fewer than 2 rows,
    ///   `.dimensionMismatch`, `.nonFinite`, `.eigendecompositionFailed`.
    public func replicates(of sets: [FeatureRows], against reference: Reference,
                           progress: ((Int, Int) -> Void)? = nil) throws -> [[Double]] {
        let referenceStatistics: FrechetStatistics
        var referenceRows: ResampledRows?
        switch reference {
        case .statistics(let statistics):
            referenceStatistics = statistics
        case .rows(let rows):
            guard rows.count >= 2 else {
                throw FrechetError.tooFewSamples(source: "reference rows", count: rows.count, needed: 2)
            }
            referenceStatistics = try WeightedStatistics(
                rows: rows, weights: WeightedStatistics.uniformWeights(count: rows.count)).statistics
            referenceRows = ResampledRows(try WeightedFrechetDistance(reference: referenceStatistics, rows: rows),
                                          precision: precision)
        }
        let sides = try sets.map {
            ResampledRows(try WeightedFrechetDistance(reference: referenceStatistics, rows: $0), precision: precision)
        }
        let setStreams = sets.indices.map { SplitMix64(seed: Self.streamSeed(seed, stream: 1 + UInt64($0))) }
        let referenceStreams = (pairing == .shared ? [0] : Array(sets.indices)).map {
            SplitMix64(seed: Self.streamSeed(seed, stream: 1 << 32 + UInt64($0)))
        }
        return try Self.run(sides: sides, referenceRows: referenceRows, pairing: pairing, replicates: replicates,
                            setStreams: setStreams, referenceStreams: referenceStreams, progress: progress)
    }

    /// The replicates, the sets of each replicate concurrently (one task per set, and one for the
    /// shared reference resample of the next replicate). Each task advances only its own stream,
    /// so the values do not depend on how the tasks are scheduled.
    private static func run(sides: [ResampledRows], referenceRows: ResampledRows?, pairing: Pairing, replicates: Int,
                            setStreams: [SplitMix64], referenceStreams: [SplitMix64],
                            progress: ((Int, Int) -> Void)?) throws -> [[Double]] {
        typealias Resample = (statistics: FrechetStatistics, factor: ReferenceFactor)
        var setStreams = setStreams, referenceStreams = referenceStreams
        var values = [Double](repeating: .nan, count: sides.count * replicates)
        let failure = FirstError()
        var shared: Resample? = nil
        if let referenceRows, pairing == .shared { shared = try referenceRows.resample(&referenceStreams[0]) }
        for replicate in 0..<replicates {
            let current = shared
            let prepareNext = referenceRows != nil && pairing == .shared && replicate + 1 < replicates
            values.withUnsafeMutableBufferPointer { out in
                setStreams.withUnsafeMutableBufferPointer { streams in
                    referenceStreams.withUnsafeMutableBufferPointer { references in
                        DispatchQueue.concurrentPerform(iterations: sides.count + (prepareNext ? 1 : 0)) { task in
                            failure.record {
                                if task == sides.count {
                                    shared = try referenceRows!.resample(&references[0])
                                    return
                                }
                                let side = sides[task]
                                var target = side.objective
                                if let referenceRows {
                                    let resample = try current ?? referenceRows.resample(&references[task])
                                    target = side.objective.against(resample.statistics, factor: resample.factor)
                                }
                                let counts = counts(side.objective.rows.count, &streams[task])
                                out[task * replicates + replicate] =
                                    try target.evaluate(side.moments(counts: counts), vectors: false).distance
                            }
                        }
                    }
                }
            }
            try failure.rethrow()
            progress?(replicate + 1, replicates)
        }
        return sides.indices.map { Array(values[($0 * replicates)..<(($0 + 1) * replicates)]) }
    }

    /// The start of stream `stream` of `seed` (SplitMix64's own increment spreads the streams).
    static func streamSeed(_ seed: UInt64, stream: UInt64) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }

    /// Multinomial counts of `n` draws with replacement from `n` rows.
    static func counts(_ n: Int, _ generator: inout SplitMix64) -> [Int] {
        var counts = [Int](repeating: 0, count: n)
        for _ in 0..<n { counts[Int(generator.next(upperBound: UInt64(n)))] += 1 }
        return counts
    }
}

// MARK: - One set's rows, ready to be resampled

/// A set's rows (through its `WeightedFrechetDistance`, whose centre c every row is taken about)
/// and the co-moment of its uniform weights, sum_i (1/N)(f_i - c)(f_i - c)^T, computed once in
/// Float64; a resample adds the co-moment of its count differences.
struct ResampledRows {
    let objective: WeightedFrechetDistance
    let precision: GEMMPrecision
    let uniformGram: [Double]

    init(_ objective: WeightedFrechetDistance, precision: GEMMPrecision) {
        self.objective = objective
        self.precision = precision
        uniformGram = objective.moments(WeightedStatistics.uniformWeights(count: objective.rows.count)).gram
    }

    /// The moments of the weights c_i / N (`counts` sum to N).
    func moments(counts: [Int]) -> WeightedFrechetDistance.Moments {
        let rows = objective.rows
        let n = Double(rows.count)
        let weights = counts.map { Double($0) / n }
        let differences = counts.map { Double($0 - 1) / n }
        let extra: [Double]
        switch precision {
        case .float32: extra = rows.weightedMoments(differences, centre: objective.centre, as: Float.self).gram
        case .float64: extra = rows.weightedMoments(differences, centre: objective.centre, as: Double.self).gram
        }
        var gram = uniformGram
        for k in gram.indices { gram[k] += extra[k] }
        return WeightedFrechetDistance.Moments(gram: gram, sum: rows.weightedSum(weights, centre: objective.centre),
                                               total: weights.reduce(0, +), weights: weights)
    }

    /// A resample's statistics (`np.mean`, `np.cov` of the N drawn rows) and their factor.
    func resample(_ generator: inout SplitMix64) throws -> (statistics: FrechetStatistics, factor: ReferenceFactor) {
        let rows = objective.rows
        let (offset, sigma, _) = objective.covariance(moments(counts: FIDBootstrap.counts(rows.count, &generator)))
        let statistics = FrechetStatistics(mu: (0..<rows.dimension).map { objective.centre[$0] + offset[$0] },
                                           sigma: sigma, n: rows.count)
        return (statistics, try ReferenceFactor(reference: statistics))
    }
}

/// The first error thrown by any of several concurrent tasks.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    func record(_ body: () throws -> Void) {
        do { try body() } catch {
            lock.lock()
            if self.error == nil { self.error = error }
            lock.unlock()
        }
    }

    func rethrow() throws {
        lock.lock()
        defer { lock.unlock() }
        if let error { throw error }
    }
}
