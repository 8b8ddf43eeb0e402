// MARK: - Giving the generated images the reference's class content

/// Image weights under which the generated set has the reference's ImageNet class content
/// (Kynkäänniemi et al., "The Role of ImageNet Classes in Fréchet Inception Distance"), so
/// that FID at those weights shows how much of FID the class mismatch explains.
///
/// - Top-1: w_i proportional to p_ref(c_i) / p_gen(c_i), c_i image i's Top-1 class. The
///   weighted Top-1 histogram then equals the reference's normalised histogram restricted to
///   the classes both sets have, the exact optimum of the paper's Top-1 objective (no SGD).
///   Images in classes the reference lacks get weight 0; reference mass in classes no
///   generated image has cannot be supplied (`unmatchedReferenceMass`).
/// - Top-N (N = 5 by default): each image becomes a multi-hot vector over the classes with
///   its N highest-scoring classes set to 1; the weights minimise the Fréchet distance
///   between the reference's multi-hot statistics and the weighted generated ones (the
///   weighted-FD objective of `NullSpaceOptimizer`, in multi-hot space, over the columns that
///   are non-zero in either set).
///
/// Each image's classes come from its caller, by score, highest first (the network module's one
/// ranking of class scores), so the maths here holds for any number of classes.
public enum ClassMatching {
    public struct Top1Matching: Sendable, Equatable {
        /// w_i, >= 0, summing to 1, [N].
        public let weights: [Double]
        /// 1 / sum w_i^2.
        public let effectiveSampleSize: Double
        /// Reference probability of the classes that no generated image has.
        public let unmatchedReferenceMass: Double
        /// Generated images whose class the reference lacks (weight 0).
        public let unmatchedImages: Int
    }

    /// Top-1 matching weights from the reference's Top-1 class histogram (counts or
    /// probabilities, [classes]) and each generated image's Top-1 class.
    ///
    /// - Throws: `FrechetError.invalidWeights` for a histogram that is negative, non-finite or
    ///   empty, a class index outside the histogram, or no generated image in a reference class.
    public static func top1Weights(referenceHistogram: [Double], generatedTop1: [Int]) throws
        -> Top1Matching
    {
        let classes = referenceHistogram.count
        let source = "Top-1 class matching"
        if let c = referenceHistogram.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw FrechetError.invalidWeights(
                source: source, reason: "reference histogram entry \(c) is \(referenceHistogram[c])")
        }
        let referenceTotal = referenceHistogram.reduce(0, +)
        guard referenceTotal > 0 else {
            throw FrechetError.invalidWeights(source: source, reason: "the reference histogram is empty")
        }
        var generatedCounts = [Int](repeating: 0, count: classes)
        for (i, c) in generatedTop1.enumerated() {
            guard c >= 0 && c < classes else {
                throw FrechetError.invalidWeights(
                    source: source,
                    reason: "generated image \(i) has Top-1 class \(c), outside 0..<\(classes)")
            }
            generatedCounts[c] += 1
        }
        var unmatchedMass = 0.0
        for c in 0..<classes where generatedCounts[c] == 0 {
            unmatchedMass += referenceHistogram[c] / referenceTotal
        }
        // w_i = p_ref(c) / p_gen(c) / Z = (h_c / H) / (n_c / N) / Z; normalised below.
        var weights = generatedTop1.map { c in referenceHistogram[c] / Double(generatedCounts[c]) }
        let total = weights.reduce(0, +)
        guard total > 0 else {
            throw FrechetError.invalidWeights(
                source: source, reason: "no generated image is in a class the reference has")
        }
        for i in 0..<weights.count { weights[i] /= total }
        return Top1Matching(
            weights: weights, effectiveSampleSize: WeightedStatistics.effectiveSampleSize(weights),
            unmatchedReferenceMass: unmatchedMass,
            unmatchedImages: generatedTop1.filter { referenceHistogram[$0] == 0 }.count)
    }

    /// `top1Weights` for a histogram of counts (a statistics file's `top1_hist`).
    public static func top1Weights(referenceHistogram: [Int64], generatedTop1: [Int]) throws
        -> Top1Matching
    {
        try top1Weights(referenceHistogram: referenceHistogram.map(Double.init),
                        generatedTop1: generatedTop1)
    }

    // MARK: - Top-N

    /// Multi-hot rows [N, classCount] (Float32): 1 in each image's first `n` classes of
    /// `topClasses` (its classes by score, highest first, at least `n` of them).
    public static func topNMultiHot(topClasses: [[Int]], classCount: Int, n: Int) -> [Float] {
        var rows = [Float](repeating: 0, count: topClasses.count * classCount)
        for (i, classes) in topClasses.enumerated() {
            precondition(classes.count >= n, "ClassMatching.topNMultiHot: image \(i) has \(classes.count) classes, Top-\(n) needs \(n)")
            for c in classes.prefix(n) {
                precondition(c >= 0 && c < classCount, "ClassMatching.topNMultiHot: class \(c) of image \(i) outside 0..<\(classCount)")
                rows[i * classCount + c] = 1
            }
        }
        return rows
    }

    /// The reference side of the Top-N objective: mean and covariance (`np.cov`) of the
    /// reference images' multi-hot vectors, [classCount].
    public static func topNStatistics(topClasses: [[Int]], classCount: Int, n: Int) throws -> FrechetStatistics {
        let accumulator = StatisticsAccumulator(dimension: classCount)
        accumulator.add(rows: topNMultiHot(topClasses: topClasses, classCount: classCount, n: n))
        return try accumulator.statistics(source: "reference Top-\(n) multi-hot vectors")
    }

    public struct TopNMatching: Sendable {
        /// The optimiser's result; `optimization.weights` are the Top-N matching weights.
        public let optimization: NullSpaceOptimizer.Result
        /// The class columns kept (non-zero in either set), ascending.
        public let classes: [Int]
        public var weights: [Double] { optimization.weights }
    }

    /// Top-N matching weights: the minimiser over the simplex of the Fréchet distance between
    /// `reference` (multi-hot statistics over all classes, `topNStatistics`) and the weighted
    /// multi-hot vectors of the generated images, on the columns that are non-zero in either
    /// set (a reference column is zero when its mean is).
    public static func topNWeights(
        reference: FrechetStatistics, generatedTopClasses: [[Int]], n: Int = 5,
        optimizer: NullSpaceOptimizer = NullSpaceOptimizer()
    ) throws -> TopNMatching {
        let classes = reference.dimension
        let rows = topNMultiHot(topClasses: generatedTopClasses, classCount: classes, n: n)
        let count = rows.count / classes
        var used = reference.mu.map { $0 != 0 }
        for i in 0..<count {
            for c in 0..<classes where rows[i * classes + c] != 0 { used[c] = true }
        }
        let kept = (0..<classes).filter { used[$0] }
        let d = kept.count
        var sigma = [Double](repeating: 0, count: d * d)
        for (a, i) in kept.enumerated() {
            for (b, j) in kept.enumerated() { sigma[a * d + b] = reference.sigma[i * classes + j] }
        }
        var keptRows = [Float](repeating: 0, count: count * d)
        for i in 0..<count {
            for (a, c) in kept.enumerated() { keptRows[i * d + a] = rows[i * classes + c] }
        }
        let objective = try WeightedFrechetDistance(
            reference: FrechetStatistics(mu: kept.map { reference.mu[$0] }, sigma: sigma,
                                         n: reference.n),
            rows: FeatureRows(keptRows, dimension: d))
        return TopNMatching(optimization: try optimizer.minimize(objective), classes: kept)
    }
}
