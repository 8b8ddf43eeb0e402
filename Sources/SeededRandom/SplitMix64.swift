import Foundation

// MARK: - Deterministic random numbers

/// SplitMix64 (Steele, Lea and Flood): a tiny, well-mixed 64-bit generator, fully
/// determined by its seed on every platform. The one seeded generator of the package: KID's
/// subsets, resampling by weights, the seeded stand-in weights, the benchmark's constructed
/// features and images, and the tests' random data all draw from it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Standard normal by Box-Muller (one of the pair; u1 is kept away from 0).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1p-60)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// `count` distinct indices of 0..<population (partial Fisher-Yates), in draw order.
    public mutating func sample(_ count: Int, from population: Int) -> [Int] {
        precondition(count <= population, "sample: \(count) of \(population)")
        var indices = Array(0..<population)
        for i in 0..<count {
            let j = i + Int(next(upperBound: UInt64(population - i)))
            indices.swapAt(i, j)
        }
        return Array(indices.prefix(count))
    }

    /// `count` indices drawn with replacement, index i with probability weights[i]
    /// (weights >= 0, summing to 1): inverse transform of one uniform per draw against the
    /// cumulative sums, by binary search.
    public mutating func draw(_ count: Int, weights: [Double]) -> [Int] {
        var cumulative = [Double](repeating: 0, count: weights.count)
        var sum = 0.0
        for (i, weight) in weights.enumerated() {
            sum += weight
            cumulative[i] = sum
        }
        precondition(sum > 0, "draw: weights sum to \(sum)")
        var indices = [Int](repeating: 0, count: count)
        for k in 0..<count {
            let target = uniform() * sum
            var low = 0
            var high = weights.count - 1
            while low < high {  // first i with cumulative[i] > target
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            indices[k] = low
        }
        return indices
    }
}
