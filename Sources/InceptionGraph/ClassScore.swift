import Foundation

/// One of the network's 1008 classes with its softmax probability: the class-score type every
/// report, chart and JSON output uses.
public struct ClassScore: Equatable, Sendable {
    /// Index into the 1008 logits (1...1000 are ImageNet's classes; 0 and 1001...1007 are unused).
    public let index: Int
    public let label: String
    /// softmax(logits)[index], in [0, 1].
    public let probability: Double

    public init(index: Int, label: String, probability: Double) {
        self.index = index
        self.label = label
        self.probability = probability
    }

    /// The `k` most probable classes of softmax(logits), most probable first (`topIndices`), with
    /// their probabilities computed in Double.
    public static func top(_ k: Int, logits: [Float]) -> [ClassScore] {
        let maxLogit = Double(logits.max() ?? 0)
        let total = logits.reduce(0.0) { $0 + exp(Double($1) - maxLogit) }
        return topIndices(logits[...], n: k).map {
            ClassScore(index: $0, label: ImageNetLabels.label($0), probability: exp(Double(logits[$0]) - maxLogit) / total)
        }
    }

    /// The indices of the `n` highest of `logits`, highest first; equal logits keep the lower index
    /// first. The one ranking of class scores: Top-1, Top-5 and Top-N matching all come from it.
    public static func topIndices(_ logits: ArraySlice<Float>, n: Int) -> [Int] {
        precondition(n >= 1 && n <= logits.count, "ClassScore.topIndices: n = \(n) of \(logits.count) logits")
        let base = logits.startIndex
        var best: [Int] = []  // sorted by (logit descending, index ascending)
        for c in 0 ..< logits.count {
            let score = logits[base + c]
            if best.count == n, let last = best.last, !(score > logits[base + last]) { continue }
            var position = best.count
            while position > 0 && score > logits[base + best[position - 1]] { position -= 1 }
            best.insert(c, at: position)
            if best.count > n { best.removeLast() }
        }
        return best
    }

    /// The Top-1 class index of `logits` (`topIndices` with n = 1).
    public static func top1Index(logits: [Float]) -> Int { topIndices(logits[...], n: 1)[0] }

    /// `topIndices` of each row of `logits` (row-major [N, classes]): [N][n].
    public static func topIndices(rows logits: [Float], classes: Int, n: Int) -> [[Int]] {
        precondition(classes > 0 && logits.count % classes == 0,
                     "ClassScore.topIndices: [\(logits.count)] logits in rows of \(classes)")
        return (0 ..< logits.count / classes).map { topIndices(logits[$0 * classes ..< ($0 + 1) * classes], n: n) }
    }
}
