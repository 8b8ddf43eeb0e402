import Foundation
import SeededRandom
import InceptionGraph
import TorchCheckpoint

/// Deterministic stand-in weights for the FID Inception-v3, for tests and benchmarks only.
///
/// Every value is a pure function of (key, element index, seed), matching the team's reference
/// generator bit for bit:
///     z = splitmix64(fnv1a64(key) XOR seed + i);  u = (z >> 40) / 2^24
///     value = Float(floor(rule(u) * 4096 + 0.5) / 4096)      (all in Double)
/// with splitmix64(x) the first output of `SplitMix64(seed: x)` and the rule chosen by key
/// suffix (conv weights uniform in +-sqrt(6 / fan_in), etc.).
/// These are NOT the FID weights: numbers computed with them are not comparable to any FID.
public enum SeededWeights {
    public static func parameters(seed: UInt64) -> [String: NamedParameter] {
        var result: [String: NamedParameter] = [:]
        for (key, shape) in InceptionArchitecture.parameterShapes {
            result[key] = NamedParameter(shape: shape, values: values(key: key, shape: shape, seed: seed))
        }
        return result
    }

    public static func inceptionWeights(seed: UInt64) -> InceptionWeights {
        // The table and the architecture are the same source, so this cannot fail.
        try! InceptionWeights(parameters: parameters(seed: seed), source: "seeded-\(seed)")
    }

    /// The values of one tensor in row-major order.
    public static func values(key: String, shape: [Int], seed: UInt64) -> [Float] {
        let count = shape.reduce(1, *)
        if key.hasSuffix("num_batches_tracked") { return [Float](repeating: 0, count: count) }
        return values(key: key, count: count, seed: seed, rule: rule(key: key, shape: shape))
    }

    /// `count` values of `key` under `rule` (u in [0, 1) -> value), quantised to 1/4096: the
    /// generator every network's stand-in weights share.
    static func values(key: String, count: Int, seed: UInt64, rule: (Double) -> Double) -> [Float] {
        let base = fnv1a64(key) ^ seed
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            for i in 0 ..< count {
                var generator = SplitMix64(seed: base &+ UInt64(i))
                let z = generator.next()
                let u = Double(z >> 40) / Double(1 << 24)
                buffer[i] = Float((rule(u) * 4096 + 0.5).rounded(.down) / 4096)
            }
            initialised = count
        }
    }

    static func rule(key: String, shape: [Int]) -> (Double) -> Double {
        if key.hasSuffix("conv.weight") {
            let bound = (6.0 / Double(shape[1] * shape[2] * shape[3])).squareRoot()
            return { (2 * $0 - 1) * bound }
        }
        if key.hasSuffix("bn.weight") { return { 0.9 + 0.2 * $0 } }
        if key.hasSuffix("bn.bias") || key.hasSuffix("bn.running_mean") { return { 0.2 * ($0 - 0.5) } }
        if key.hasSuffix("bn.running_var") { return { 0.5 + $0 } }
        if key == "fc.weight" {
            let bound = (3.0 / 2048).squareRoot()
            return { (2 * $0 - 1) * bound }
        }
        if key == "fc.bias" { return { 0.02 * ($0 - 0.5) } }
        preconditionFailure("no seeded-weight rule for key \(key)")
    }

    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
