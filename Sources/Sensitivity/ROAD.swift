import Pixels
import SeededRandom

// MARK: - ROAD: does removing what a map points at change the target?

/// What ROAD watches while pixels are removed: the image's ΔFID in its set, or the logit of the
/// original image's Top-1 class.
public enum ROADTarget: String, Sendable, CaseIterable {
    case deltaFID = "delta_fid"
    case top1Logit = "top1_logit"

    public var displayName: String { self == .deltaFID ? "ΔFID" : "Top-1 logit" }
}

/// One map's ROAD curves: the target's value after each removal step, most relevant pixels first
/// (MoRF), least relevant first (LeRF), and in a random order (mean of `ROAD.randomSeeds`
/// orders, the same curve for every map of the image). Index 0 of each curve is the unperturbed
/// image (`fractions[0] = 0`), so the curves start at the target's original value v_0.
///
/// The score (Rong et al.'s MoRF/LeRF comparison, normalised by the original value):
///
///     score = (1/9) sum_{k=1..9} (LeRF_k - MoRF_k) / v_0
///
/// over the steps 10%, ..., 90%. Positive: removing the map's most relevant pixels moves the
/// target further than removing its least relevant ones. nil when v_0 is 0 or not finite.
public struct ROADCurves: Sendable, Equatable {
    public let target: ROADTarget
    public let fractions: [Double]
    public let morf: [Double], lerf: [Double], random: [Double]

    public init(target: ROADTarget, fractions: [Double], morf: [Double], lerf: [Double], random: [Double]) {
        precondition(fractions.first == 0 && [morf.count, lerf.count, random.count].allSatisfy { $0 == fractions.count },
                     "ROADCurves: \(fractions.count) fractions (first 0), \(morf.count)/\(lerf.count)/\(random.count) values")
        (self.target, self.fractions, self.morf, self.lerf, self.random) = (target, fractions, morf, lerf, random)
    }

    /// The target's value on the unperturbed image.
    public var original: Double { morf[0] }

    /// mean over the removal steps of (a_k - b_k) / v_0, or nil when v_0 is 0 or not finite.
    func meanGap(_ a: [Double], _ b: [Double]) -> Double? {
        guard original != 0, original.isFinite else { return nil }
        let steps = fractions.indices.dropFirst()
        return steps.reduce(0) { $0 + (a[$1] - b[$1]) / original } / Double(steps.count)
    }

    /// (1/9) sum_k (LeRF_k - MoRF_k) / v_0.
    public var score: Double? { meanGap(lerf, morf) }

    /// The map beats the random order when both halves of its score are positive: its most
    /// relevant pixels move the target more than random ones (mean_k (random_k - MoRF_k) / v_0
    /// > 0) and its least relevant ones less (mean_k (LeRF_k - random_k) / v_0 > 0). (A random
    /// order's own score is 0 in expectation: its LeRF is another random order.) nil with `score`.
    public var beatsRandom: Bool? {
        guard let m = meanGap(random, morf), let l = meanGap(lerf, random) else { return nil }
        return m > 0 && l > 0
    }
}

/// ROAD (Rong et al., "A Consistent and Efficient Evaluation Strategy for Attribution Methods",
/// ICML 2022) for one image: removes 10%, 20%, ..., 90% of its pixels in a map's order, fills
/// them by noisy linear imputation (`NoisyLinearImputation`), and records the targets after each
/// step. Each curve's 9 perturbed images go through `evaluate` as one batch. Made once per image:
/// the unperturbed image and the random baseline (`randomSeeds` orders) are evaluated here and
/// serve every map of the image.
///
/// Reproducible: the random orders and every imputation's noise come from `seed` (the noise of
/// step k of a curve depends on the seed, the curve's kind and k only).
public struct ROAD {
    /// The removal steps.
    public static let fractions: [Double] = (1 ... 9).map { Double($0) / 10 }
    /// Random orders averaged for the baseline.
    public static let randomSeeds = 3

    public let pixels: [Float]
    public let channels: Int, height: Int, width: Int
    public let seed: UInt64
    public let targets: [ROADTarget]
    /// Maps a batch [B, channels, height, width] to each image's value of each target, [B][targets].
    let evaluate: ([Float], Int) -> [[Double]]
    /// Each target's value on the unperturbed image.
    public let original: [Double]
    /// Each target's random-order curve, mean over the seeds (index 0: the original value).
    public let random: [[Double]]

    /// - Parameters:
    ///   - pixels: the image as the network takes it, [channels, height, width].
    ///   - evaluate: a batch's values (`pixels` of B images, channel-major, and B) -> [B][targets].
    public init(pixels: [Float], channels: Int, height: Int, width: Int, seed: UInt64, targets: [ROADTarget],
                evaluate: @escaping ([Float], Int) -> [[Double]]) {
        precondition(pixels.count == channels * height * width && height * width > 1,
                     "ROAD: \(pixels.count) values for [\(channels), \(height), \(width)]")
        (self.pixels, self.channels, self.height, self.width) = (pixels, channels, height, width)
        (self.seed, self.targets, self.evaluate) = (seed, targets, evaluate)
        var sums = [[Double]](repeating: [Double](repeating: 0, count: Self.fractions.count), count: targets.count)
        var original: [Double] = []
        for s in 0 ..< Self.randomSeeds {
            var shuffler = SplitMix64(seed: seed &+ 0x5EED_0000 &+ UInt64(s))
            var order = Array(0 ..< height * width)
            order.shuffle(using: &shuffler)
            // The first batch also carries the unperturbed image.
            var values = Self.curve(order: order, mostFirst: true, stream: 1 + UInt64(s), seed: seed, pixels: pixels,
                                    channels: channels, height: height, width: width, withOriginal: s == 0,
                                    evaluate: evaluate)
            if s == 0 { original = values.removeFirst() }
            for (k, row) in values.enumerated() {
                for t in targets.indices { sums[t][k] += row[t] }
            }
        }
        self.original = original
        random = targets.indices.map { t in [original[t]] + sums[t].map { $0 / Double(Self.randomSeeds) } }
    }

    /// MoRF, LeRF and random curves of `target` for a map already at the image's size (ranked
    /// by value, largest first; ties by position, row-major; NaN least relevant).
    public func curves(ranking map: SpatialMap, target: ROADTarget) -> ROADCurves {
        precondition(map.width == width && map.height == height,
                     "ROAD: a \(map.width)x\(map.height) map for a \(width)x\(height) image (upsample it first)")
        guard let t = targets.firstIndex(of: target) else { preconditionFailure("ROAD: \(target) not evaluated") }
        let key = { (v: Float) -> Float in v.isNaN ? -.infinity : v }
        let order = map.values.indices.sorted {
            let (a, b) = (key(map.values[$0]), key(map.values[$1]))
            return a != b ? a > b : $0 < $1
        }
        func run(_ mostFirst: Bool, stream: UInt64) -> [Double] {
            let values = Self.curve(order: order, mostFirst: mostFirst, stream: stream, seed: seed, pixels: pixels,
                                    channels: channels, height: height, width: width, withOriginal: false,
                                    evaluate: evaluate)
            return [original[t]] + values.map { $0[t] }
        }
        return ROADCurves(target: target, fractions: [0] + Self.fractions, morf: run(true, stream: 100),
                          lerf: run(false, stream: 200), random: random[t])
    }

    /// The images of one curve (the first `fraction` of `order` removed, or the last with
    /// `mostFirst` false), evaluated as one batch; with `withOriginal` the unperturbed image
    /// leads the batch.
    static func curve(order: [Int], mostFirst: Bool, stream: UInt64, seed: UInt64, pixels: [Float], channels: Int,
                      height: Int, width: Int, withOriginal: Bool, evaluate: ([Float], Int) -> [[Double]]) -> [[Double]] {
        let plane = height * width
        var batch = withOriginal ? pixels : []
        batch.reserveCapacity((fractions.count + 1) * pixels.count)
        for (k, fraction) in fractions.enumerated() {
            let count = min(plane - 1, Int((fraction * Double(plane)).rounded()))
            var removed = [Bool](repeating: false, count: plane)
            for p in mostFirst ? order.prefix(count) : order.suffix(count) { removed[p] = true }
            var noise = SplitMix64(seed: seed ^ (stream << 32) ^ UInt64(k + 1) &* 0x9E37_79B9_7F4A_7C15)
            batch += NoisyLinearImputation.impute(pixels, channels: channels, height: height, width: width,
                                                  removed: removed, random: &noise)
        }
        let images = fractions.count + (withOriginal ? 1 : 0)
        let values = evaluate(batch, images)
        precondition(values.count == images, "ROAD: evaluate gave \(values.count) rows for \(images) images")
        return values
    }
}
