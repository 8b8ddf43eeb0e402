import Dispatch

// MARK: - Several runs against one reference, with error bars

/// The numbers of `fidviz compare`: several generated sets (checkpoints, model sizes, rival
/// models), in the order given, against one reference, each with its sampling uncertainty, and
/// each chosen pair with the uncertainty of its difference and the part of it that ImageNet
/// classes explain.
///
/// Per set (rows: a features file or measured images; statistics only: `fid` and nothing else):
/// - `fid`: `FrechetDistance` of the set's statistics (what `fidviz fid` prints);
/// - `fidInterval`: `BootstrapInterval` over `FIDBootstrap` replicates (the reference resampled
///   too when it has rows, one reference resample per replicate shared by every set), cut at 0;
/// - `fdInfinity`: `FrechetDistanceInfinity` against the reference's statistics;
/// - `kid`: `KernelInceptionDistance` against the reference's rows, when it has them;
/// - `fidTop1Matched`: FID at the Top-1 class-matching weights (`ClassMatching.top1Weights`),
///   when the set's images have classes and the reference a Top-1 histogram.
///
/// A second feature space (FD_DINOv2), when the same images' features in it are given: its
/// distance per set, with an interval from the same image resamples (the replicates draw the same
/// counts for rows of the same count and order, as they depend only on the seed, the set's
/// position and N).
///
/// Per pair (a, b): ΔFID = FID_b - FID_a with the interval of the paired replicates
/// FID*_b - FID*_a (the same reference resample in both), its verdict, and the share of ΔFID
/// that Top-1 class matching removes.
public struct RunComparison: Sendable {
    /// A set's (or the reference's) statistics and, when known, each image's features.
    public struct Features: Sendable {
        public var statistics: FrechetStatistics
        public var rows: FeatureRows?

        public init(statistics: FrechetStatistics, rows: FeatureRows?) {
            (self.statistics, self.rows) = (statistics, rows)
        }
    }

    /// One generated set as given.
    public struct Set: Sendable {
        public var label: String
        public var statistics: FrechetStatistics
        /// Each image's features, when known.
        public var rows: FeatureRows?
        /// Each image's Top-1 class, in the rows' order, when known.
        public var top1: [Int]?
        /// The same images in the second feature space, rows in the same order, when given.
        public var second: Features? = nil

        public init(label: String, statistics: FrechetStatistics, rows: FeatureRows?, top1: [Int]?) {
            (self.label, self.statistics, self.rows, self.top1) = (label, statistics, rows, top1)
        }
    }

    public struct Reference: Sendable {
        public var statistics: FrechetStatistics
        /// Each reference image's features, when known: then the bootstrap resamples them and KID
        /// can be computed.
        public var rows: FeatureRows?
        public var top1Histogram: [Int64]?
        /// The reference in the second feature space (rows in the same order as `rows`), when given.
        public var second: Features? = nil

        public init(statistics: FrechetStatistics, rows: FeatureRows?, top1Histogram: [Int64]?, second: Features? = nil) {
            (self.statistics, self.rows, self.top1Histogram, self.second) = (statistics, rows, top1Histogram, second)
        }
    }

    public struct Options: Sendable {
        public var bootstrap = FIDBootstrap()
        public var confidence = 0.95
        /// Resample the reference's rows in each replicate (when it has rows).
        public var resampleReference = true
        public var fdInfinityPoints = FrechetDistanceInfinity.defaultPoints
        public var kidSubsets = KernelInceptionDistance.defaultSubsets
        public var kidSubsetSize = KernelInceptionDistance.defaultSubsetSize
        /// Each pair as (a, b) positions in the sets.
        public var pairs: [(a: Int, b: Int)] = []
        /// Runs its argument with OpenBLAS limited to one thread (the command line passes
        /// `ComputeRuntime.withThreads(1)`): the bootstrap and the per-set numbers run the sets
        /// concurrently, one per core, and would oversubscribe the cores otherwise.
        public var oneBLASThread: @Sendable (() throws -> Void) throws -> Void = { try $0() }

        public init() {}
    }

    public struct SetResult: Sendable {
        public let label: String
        public let n: Int?
        public let fid: Double
        public let fidInterval: BootstrapInterval?
        /// The bootstrap replicates behind `fidInterval`.
        public let replicates: [Double]?
        public let fdInfinity: FrechetDistanceInfinity?
        public let kid: KernelInceptionDistance?
        public let top1: ClassMatching.Top1Matching?
        public let fidTop1Matched: Double?
        /// Each Top-1 class's share of the set's images, [classes], when known.
        public let top1Shares: [Double]?
        /// 1 - fidTop1Matched / fid.
        public var explainedTop1: Double? { fidTop1Matched.map { 1 - $0 / fid } }
        /// The distance in the second feature space, and its interval.
        public internal(set) var secondDistance: Double? = nil
        public internal(set) var secondInterval: BootstrapInterval? = nil
    }

    public enum Verdict: String, Sendable {
        case better, worse, indistinguishable

        /// Said of b for an interval of FID_b - FID_a: better when it lies below 0, worse above.
        public init(_ interval: BootstrapInterval) {
            self = interval.upper < 0 ? .better : (interval.lower > 0 ? .worse : .indistinguishable)
        }
    }

    public struct PairResult: Sendable {
        public let a: Int
        public let b: Int
        /// FID_b - FID_a.
        public let deltaFID: Double
        public let deltaInterval: BootstrapInterval?
        public let verdict: Verdict?
        /// fidTop1Matched_b - fidTop1Matched_a.
        public let deltaTop1Matched: Double?
        /// 1 - deltaTop1Matched / deltaFID: the share of ΔFID that matching both sets' Top-1 class
        /// histograms to the reference's removes (0: none of the change is classes; 1: all of it).
        public var deltaExplainedByTop1: Double? { deltaTop1Matched.map { 1 - $0 / deltaFID } }
    }

    public let sets: [SetResult]
    public let pairs: [PairResult]
    /// Whether the replicates resampled the reference.
    public let referenceResampled: Bool
    public let options: Options

    /// Each set's FID is computed first, as `FrechetDistance.distance` of its statistics with the
    /// caller's BLAS threads (so it is `fidviz fid`'s number to the bit); the rest runs inside
    /// `options.oneBLASThread`. `progress` receives a phase name ("bootstrap") and (done, total).
    ///
    /// - Throws: `FrechetError` for sets of another dimension than the reference, too few rows,
    ///   unusable class data, and failures of the linear algebra.
    public init(sets: [Set], reference: Reference, options: Options = Options(),
                progress: ((String, Int, Int) -> Void)? = nil) throws {
        self.options = options
        for set in sets {
            try FrechetDistance.checkCompatible(reference: reference.statistics, generated: set.statistics)
        }
        let withRows = sets.indices.filter { sets[$0].rows != nil }
        let referenceRows = options.resampleReference ? reference.rows : nil
        referenceResampled = referenceRows != nil && !withRows.isEmpty
        let fids = try sets.map { try FrechetDistance.distance(reference: reference.statistics, generated: $0.statistics) }
        let seconds = try sets.map { set in
            try reference.second.flatMap { referenceSecond in
                try set.second.map { try FrechetDistance.distance(reference: referenceSecond.statistics, generated: $0.statistics) }
            }
        }
        // The second space's replicates, when every set with rows has rows there too.
        let secondRows = withRows.compactMap { sets[$0].second?.rows }
        let secondReference = reference.second.map { second in
            (options.resampleReference ? second.rows : nil).map { FIDBootstrap.Reference.rows($0) }
                ?? .statistics(second.statistics)
        }
        var computed = [SetResult?](repeating: nil, count: sets.count)
        var secondReplicates: [[Double]] = []
        try options.oneBLASThread {
            if let secondReference, !secondRows.isEmpty, secondRows.count == withRows.count {
                secondReplicates = try options.bootstrap.replicates(of: secondRows, against: secondReference,
                                                                    progress: { progress?("bootstrap, second space", $0, $1) })
            }
            let replicates = withRows.isEmpty ? [] : try options.bootstrap.replicates(
                of: withRows.map { sets[$0].rows! },
                against: referenceRows.map { .rows($0) } ?? .statistics(reference.statistics),
                progress: { progress?("bootstrap", $0, $1) })
            // Each set's FID_infinity, KID and Top-1 matching, the sets concurrently.
            let failure = FirstError()
            computed.withUnsafeMutableBufferPointer { out in
                DispatchQueue.concurrentPerform(iterations: sets.count) { k in
                    failure.record {
                        out[k] = try Self.result(sets[k], fid: fids[k], reference: reference, options: options,
                                                 replicates: withRows.firstIndex(of: k).map { replicates[$0] })
                    }
                }
            }
            try failure.rethrow()
        }
        var results = computed.map { $0! }
        for k in sets.indices {
            results[k].secondDistance = seconds[k]
            if let position = withRows.firstIndex(of: k), position < secondReplicates.count, let distance = seconds[k] {
                results[k].secondInterval = BootstrapInterval(estimate: distance, replicates: secondReplicates[position],
                                                              confidence: options.confidence).clamped(atLeast: 0)
            }
        }
        self.sets = results
        pairs = options.pairs.map { pair in
            let (a, b) = (results[pair.a], results[pair.b])
            var interval: BootstrapInterval?
            if let ra = a.replicates, let rb = b.replicates {
                interval = BootstrapInterval(estimate: b.fid - a.fid, replicates: zip(rb, ra).map { $0 - $1 },
                                             confidence: options.confidence)
            }
            var matched: Double?
            if let ma = a.fidTop1Matched, let mb = b.fidTop1Matched { matched = mb - ma }
            return PairResult(a: pair.a, b: pair.b, deltaFID: b.fid - a.fid, deltaInterval: interval,
                              verdict: interval.map(Verdict.init), deltaTop1Matched: matched)
        }
    }

    /// One set's numbers, given its bootstrap replicates (nil for a set without rows).
    private static func result(_ set: Set, fid: Double, reference: Reference, options: Options,
                               replicates values: [Double]?) throws -> SetResult {
        guard let rows = set.rows, let values else {
            return SetResult(label: set.label, n: set.statistics.n, fid: fid, fidInterval: nil, replicates: nil,
                             fdInfinity: nil, kid: nil, top1: nil, fidTop1Matched: nil, top1Shares: nil)
        }
        let objective = try WeightedFrechetDistance(reference: reference.statistics, rows: rows)
        let infinity = try FrechetDistanceInfinity(objective, points: options.fdInfinityPoints, seed: options.bootstrap.seed)
        let kid = try reference.rows.map {
            try KernelInceptionDistance.compute(rows: rows, reference: $0, subsets: options.kidSubsets,
                                                subsetSize: options.kidSubsetSize)
        }
        var top1: ClassMatching.Top1Matching?
        var shares: [Double]?
        if let classes = set.top1, let histogram = reference.top1Histogram {
            top1 = try ClassMatching.top1Weights(referenceHistogram: histogram, generatedTop1: classes)
            var counts = [Double](repeating: 0, count: histogram.count)
            for c in classes { counts[c] += 1 }
            shares = counts.map { $0 / Double(classes.count) }
        }
        return SetResult(
            label: set.label, n: rows.count, fid: fid,
            fidInterval: BootstrapInterval(estimate: fid, replicates: values, confidence: options.confidence)
                .clamped(atLeast: 0),
            replicates: values, fdInfinity: infinity, kid: kid, top1: top1,
            fidTop1Matched: try top1.map { try objective.distance(weights: $0.weights) }, top1Shares: shares)
    }
}
