import DINOv2
import TorchCheckpoint

/// Deterministic stand-in weights for DINOv2 ViT/14 of any size and depth, for tests and
/// benchmarks only: the generator of `SeededWeights` with rules per key, matching the team's
/// reference `seeded_dinov2.py` bit for bit (fan_in = shape[1] for linear weights, 588 for the
/// patch embedding):
///     cls_token, pos_embed, mask_token       0.02 sqrt(3) (2u - 1)
///     patch_embed.proj.weight                (2u - 1) sqrt(3 / 588)
///     ls1.gamma, ls2.gamma                   0.1 + 0.4 u
///     norm1, norm2, norm .weight / .bias     0.9 + 0.2 u / 0.2 (u - 0.5)
///     other .weight (qkv, proj, fc1, fc2)    (2u - 1) sqrt(3 / fan_in)
///     other .bias                            0.02 (u - 0.5)
/// These are NOT DINOv2's weights: features computed with them mean nothing.
public enum SeededDINOv2Weights {
    /// Every key of `architecture` with its values.
    public static func parameters(_ architecture: DINOv2Architecture, seed: UInt64) -> [String: NamedParameter] {
        var result: [String: NamedParameter] = [:]
        for (key, shape) in architecture.parameterShapes {
            result[key] = NamedParameter(shape: shape, values: values(key: key, shape: shape, seed: seed))
        }
        return result
    }

    /// The checked weights of `architecture` (position embeddings resized once).
    public static func weights(_ architecture: DINOv2Architecture, seed: UInt64) -> DINOv2Weights {
        // The parameters come from the architecture's own table of shapes, so the check cannot fail.
        try! DINOv2Weights(parameters: parameters(architecture, seed: seed), source: "seeded-\(seed)")
    }

    /// The values of one tensor in row-major order.
    public static func values(key: String, shape: [Int], seed: UInt64) -> [Float] {
        SeededWeights.values(key: key, count: shape.reduce(1, *), seed: seed, rule: rule(key: key, shape: shape))
    }

    static func rule(key: String, shape: [Int]) -> (Double) -> Double {
        if ["cls_token", "pos_embed", "mask_token"].contains(key) {
            let bound = 0.02 * 3.0.squareRoot()
            return { bound * (2 * $0 - 1) }
        }
        if key == "patch_embed.proj.weight" {
            let bound = (3.0 / 588).squareRoot()
            return { (2 * $0 - 1) * bound }
        }
        if key.hasSuffix("gamma") { return { 0.1 + 0.4 * $0 } }
        if key.hasSuffix("norm1.weight") || key.hasSuffix("norm2.weight") || key == "norm.weight" { return { 0.9 + 0.2 * $0 } }
        if key.hasSuffix("norm1.bias") || key.hasSuffix("norm2.bias") || key == "norm.bias" { return { 0.2 * ($0 - 0.5) } }
        if key.hasSuffix(".weight") {
            precondition(shape.count == 2, "seeded DINOv2 rule: \(key) has shape \(shape), expected a linear weight")
            let bound = (3.0 / Double(shape[1])).squareRoot()
            return { (2 * $0 - 1) * bound }
        }
        if key.hasSuffix(".bias") { return { 0.02 * ($0 - 0.5) } }
        preconditionFailure("no seeded-weight rule for key \(key)")
    }
}
