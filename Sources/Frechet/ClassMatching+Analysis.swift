// MARK: - Every number of the class-matching analysis

extension ClassMatching {
    /// FID before and after each class-matching weighting of one generated set, in pool3, logit
    /// and any other feature space, by the definitions of `ClassMatching`, `NullSpaceOptimizer`
    /// and `Resampling` (the numbers `fidviz classes` reports):
    ///
    /// - `fid`: FID of the generated pool3 rows (uniform weights; from their accumulated
    ///   statistics when given);
    /// - `top1`, `fidTop1Matched`: Top-1 weights (their ESS and `unmatchedReferenceMass`)
    ///   and FID at them, when both sides have classes (a Top-1 histogram and logits);
    /// - `topN`, `fidTopNMatched`: Top-N weights (when the reference has multi-hot
    ///   statistics) and pool3 FID at them;
    /// - `pool3Weighted`, `fidPool3Weighted`: the weights minimising pool3 FID itself, started at
    ///   the Top-1 weights (uniform ones without classes), and that minimum;
    /// - `fidPool3Resampled`: median FID of 3 resamples drawn with the pool3 weights;
    /// - `fdLogits`, `fdLogitsTop1Matched`: the Fréchet distance of the 1008 logits, uniform and at
    ///   the Top-1 weights (when the reference has logit statistics);
    /// - `otherFeatures`: for each further feature space (DINOv2, whose FD_DINOv2 is the paper's
    ///   control, or CLIP and others computed elsewhere), its Fréchet distance at uniform, Top-1,
    ///   Top-N and pool3 weights, and the median over the same resamples as `fidPool3Resampled`.
    ///
    /// The reference side is statistics only (pool3, logits, multi-hot, others) plus its Top-1
    /// histogram; the generated side is rows. Each generated image's Top-1 and Top-N classes
    /// come from its logits.
    public struct Analysis: Sendable {
        public struct Reference: Sendable {
            public var pool3: FrechetStatistics
            /// `top1_hist`: Top-1 class counts, [classes]; nil when the reference has no classes
            /// (pytorch-fid and clean-fid statistics files).
            public var top1Histogram: [Int64]?
            /// Statistics of the 1008 logits, when known.
            public var logits: FrechetStatistics? = nil
            /// `ClassMatching.topNStatistics` of the reference images (N = `Options.topN`), when known.
            public var topNMultiHot: FrechetStatistics? = nil
            /// Further feature spaces.
            public var otherFeatures: [OtherSpace: FrechetStatistics] = [:]

            /// The statistics every reference has; set the others when the reference records them.
            public init(pool3: FrechetStatistics, top1Histogram: [Int64]?) {
                self.pool3 = pool3
                self.top1Histogram = top1Histogram
            }
        }

        public struct Generated: Sendable {
            public var pool3: FeatureRows
            /// [N, classes] logits, in the order of `pool3`'s rows; nil when not known (a features
            /// file of pool3 only).
            public var logits: FeatureRows?
            /// Each image's classes by score, highest first (at least `Options.topN` of them), in
            /// the order of `pool3`'s rows; the first is its Top-1. nil without logits.
            public var topClasses: [[Int]]?
            /// Further feature spaces, rows in the same order.
            public var otherFeatures: [OtherSpace: FeatureRows] = [:]
            /// The statistics of those rows as their own accumulator made them, when known: then
            /// the space's uniform-weight distance is `FrechetDistance.distance` of them, to the
            /// last bit the one `fidviz fid` prints (as for `pool3Statistics`).
            public var otherStatistics: [OtherSpace: FrechetStatistics] = [:]
            /// The pool3 statistics of the rows as the set's own accumulator made them, when known:
            /// then `fid` is `FrechetDistance.distance` of them, the FID `fidviz fid` prints, to
            /// the last bit (the weighted route sums the same rows in another order).
            public var pool3Statistics: FrechetStatistics? = nil

            /// The rows every generated set has; set the others when they are known.
            public init(pool3: FeatureRows, logits: FeatureRows?, topClasses: [[Int]]?) {
                (self.pool3, self.logits, self.topClasses) = (pool3, logits, topClasses)
            }
        }

        public struct Options: Sendable {
            public var topN = 5
            public var optimizer = NullSpaceOptimizer()
            public var resamplingDraws = 3
            public var resamplingSeed: UInt64 = 0

            public init() {}
        }

        /// One further feature space: its Fréchet distance under each weighting.
        public struct OtherFeatures: Sendable, Equatable {
            public let space: OtherSpace
            /// Uniform weights.
            public let fd: Double
            public let fdTop1Matched: Double?
            public let fdTopNMatched: Double?
            public let fdPool3Weighted: Double
            /// The distance of the resamples `fidPool3Resampled` draws (the same images), and
            /// their median.
            public let fdPool3Resampled: Resampling.Result
        }

        /// The pool3 feature dimension d.
        public let dimension: Int
        public let fid: Double
        public let top1: ClassMatching.Top1Matching?
        public let fidTop1Matched: Double?
        public let topN: ClassMatching.TopNMatching?
        public let fidTopNMatched: Double?
        public let pool3Weighted: NullSpaceOptimizer.Result
        public var fidPool3Weighted: Double { pool3Weighted.fid }
        public let fidPool3Resampled: Resampling.Result
        public let fdLogits: Double?
        public let fdLogitsTop1Matched: Double?
        /// Sorted: known spaces first, then by name.
        public let otherFeatures: [OtherFeatures]
        /// `top1.unmatchedReferenceMass`.
        public var unmatchedReferenceMass: Double? { top1?.unmatchedReferenceMass }
        /// 1 - `fidTop1Matched` / `fid`: the share of FID that Top-1 class mismatch explains.
        public var explainedByTop1: Double? { fidTop1Matched.map { 1 - $0 / fid } }

        /// Every name in `generated.otherFeatures` must have reference statistics (a precondition:
        /// callers match the two sides before).
        ///
        /// - Throws: `FrechetError` for mismatched shapes or row counts, unusable class data, and
        ///   failures of the linear algebra.
        public init(reference: Reference, generated: Generated, options: Options = Options()) throws {
            let n = generated.pool3.count
            if let classes = generated.topClasses, classes.count != n {
                throw FrechetError.shapeMismatch(
                    source: "generated classes", key: "classes", shape: [classes.count], expected: [n],
                    reason: "one class list per generated image")
            }
            let rowSets = (generated.logits.map { [("logits", $0)] } ?? [])
                + generated.otherFeatures.sorted { $0.key < $1.key }.map { ($0.key.description, $0.value) }
            for (name, rows) in rowSets where rows.count != n {
                throw FrechetError.shapeMismatch(
                    source: "generated \(name)", key: name, shape: [rows.count, rows.dimension],
                    expected: [n, rows.dimension], reason: "one row per generated image")
            }
            dimension = generated.pool3.dimension
            let uniform = WeightedStatistics.uniformWeights(count: n)
            let pool3 = try WeightedFrechetDistance(reference: reference.pool3, rows: generated.pool3)
            fid = try generated.pool3Statistics.map {
                try FrechetDistance.distance(reference: reference.pool3, generated: $0)
            } ?? pool3.distance(weights: uniform)

            // Class matching needs each generated image's classes and the reference's Top-1 histogram.
            if let classes = generated.topClasses, let histogram = reference.top1Histogram {
                let matching = try ClassMatching.top1Weights(referenceHistogram: histogram,
                                                             generatedTop1: classes.map { $0[0] })
                top1 = matching
                fidTop1Matched = try pool3.distance(weights: matching.weights)
            } else {
                top1 = nil
                fidTop1Matched = nil
            }
            if let classes = generated.topClasses, let multiHot = reference.topNMultiHot {
                let matching = try ClassMatching.topNWeights(
                    reference: multiHot, generatedTopClasses: classes, n: options.topN,
                    optimizer: options.optimizer)
                topN = matching
                fidTopNMatched = try pool3.distance(weights: matching.weights)
            } else {
                topN = nil
                fidTopNMatched = nil
            }
            pool3Weighted = try options.optimizer.minimize(pool3, initialWeights: top1?.weights ?? uniform)
            fidPool3Resampled = try Resampling.medianFID(
                pool3, weights: pool3Weighted.weights, draws: options.resamplingDraws,
                seed: options.resamplingSeed)
            if let logits = generated.logits, let statistics = reference.logits {
                let distance = try WeightedFrechetDistance(reference: statistics, rows: logits)
                fdLogits = try distance.distance(weights: uniform)
                fdLogitsTop1Matched = try top1.map { try distance.distance(weights: $0.weights) }
            } else {
                fdLogits = nil
                fdLogitsTop1Matched = nil
            }
            var others: [OtherFeatures] = []
            for (space, rows) in generated.otherFeatures.sorted(by: { $0.key < $1.key }) {
                guard let statistics = reference.otherFeatures[space] else {
                    preconditionFailure("ClassMatching.Analysis: generated features '\(space)' have no "
                                        + "reference statistics (reference has "
                                        + "\(reference.otherFeatures.keys.sorted()))")
                }
                let distance = try WeightedFrechetDistance(reference: statistics, rows: rows)
                let fd = try generated.otherStatistics[space].map {
                    try FrechetDistance.distance(reference: statistics, generated: $0)
                } ?? distance.distance(weights: uniform)
                others.append(OtherFeatures(
                    space: space, fd: fd,
                    fdTop1Matched: try top1.map { try distance.distance(weights: $0.weights) },
                    fdTopNMatched: try topN.map { try distance.distance(weights: $0.weights) },
                    fdPool3Weighted: try distance.distance(weights: pool3Weighted.weights),
                    fdPool3Resampled: try Resampling.medianFID(
                        distance, weights: pool3Weighted.weights, draws: options.resamplingDraws,
                        seed: options.resamplingSeed)))
            }
            otherFeatures = others
        }
    }
}

// MARK: - The spaces beside pool3

extension ClassMatching {
    /// A feature space the analysis measures beside pool3, under the same weights: one that
    /// fidviz computes and names (DINOv2, FD_DINOv2), or features from an extractor it does not
    /// know, named by the caller (e.g. by their file).
    public enum OtherSpace: Hashable, Sendable, Comparable, CustomStringConvertible {
        case known(FeatureSpace)
        case named(String)

        /// How text, HTML and charts name the distance: "FD_DINOv2", or "FD in <name>".
        public var distanceName: String {
            switch self {
            case .known(let space): return space.name
            case .named(let name): return "FD in \(name)"
            }
        }

        /// "FD_DINOv2", or the name.
        public var description: String {
            switch self {
            case .known(let space): return space.name
            case .named(let name): return name
            }
        }

        /// Known spaces first (in `FeatureSpace.allCases` order), then names in byte order.
        public static func < (a: OtherSpace, b: OtherSpace) -> Bool {
            switch (a, b) {
            case let (.known(x), .known(y)):
                return FeatureSpace.allCases.firstIndex(of: x)! < FeatureSpace.allCases.firstIndex(of: y)!
            case (.known, .named): return true
            case (.named, .known): return false
            case let (.named(x), .named(y)): return x < y
            }
        }
    }
}
