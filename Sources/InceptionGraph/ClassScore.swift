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

    /// The `k` most probable classes of softmax(logits), computed in Double, most probable
    /// first; equal probabilities keep the lower index first.
    public static func top(_ k: Int, logits: [Float]) -> [ClassScore] {
        let maxLogit = Double(logits.max() ?? 0)
        let exps = logits.map { exp(Double($0) - maxLogit) }
        let total = exps.reduce(0, +)
        let order = exps.indices.sorted { exps[$0] != exps[$1] ? exps[$0] > exps[$1] : $0 < $1 }
        return order.prefix(k).map {
            ClassScore(index: $0, label: ImageNetLabels.label($0), probability: exps[$0] / total)
        }
    }

    /// The Top-1 class index of `logits`: the highest logit, the lower index on ties.
    public static func top1Index(logits: [Float]) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }
}
