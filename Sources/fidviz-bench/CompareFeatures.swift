import Foundation
import Frechet
import NumpyFiles
import SeededRandom

/// `fidviz-bench --compare-features DIR [--sets 4] [--n 10000] [--reference 10000] [--d 2048] [--seed 1]`:
/// the inputs of `scripts/bench-compare`, as `fidviz features` files: DIR/set-1.npz ... set-K.npz of
/// N rows each and DIR/ref.npz of `--reference` rows, `pool3` [N, d] and `logits` [N, 1008].
///
/// Rows are Gaussian with a covariance of decaying spectrum (as pool3's is: a few strong
/// directions, a long tail), each set a little further from the reference than the one before,
/// and Top-1 classes over 20 classes with set-dependent frequencies; the cost of `compare` depends
/// on N, d and the replicates, not on the values.
enum CompareFeatures {
    static let classes = 20

    static func run(_ arguments: [String]) throws {
        guard let i = arguments.firstIndex(of: "--compare-features"), i + 1 < arguments.count else {
            throw BenchError("--compare-features needs a folder")
        }
        let folder = URL(fileURLWithPath: arguments[i + 1])
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sets = argument("--sets", default: 4), n = argument("--n", default: 10_000)
        let referenceCount = argument("--reference", default: 10_000), d = argument("--d", default: 2048)
        let seed = UInt64(argument("--seed", default: 1))
        let mixing = mixingRows(d, seed: seed)
        try write(folder.appendingPathComponent("ref.npz"), rows: referenceCount, d: d, mixing: mixing, shift: 0,
                  classWeights: (0..<classes).map { _ in 1.0 }, seed: seed &+ 100)
        for k in 1...max(sets, 1) {
            try write(folder.appendingPathComponent("set-\(k).npz"), rows: n, d: d, mixing: mixing,
                      shift: 0.02 * Double(sets + 1 - k),
                      classWeights: (0..<classes).map { 1 + Double(($0 * k) % 5) }, seed: seed &+ UInt64(k))
        }
        print("wrote ref.npz (\(referenceCount) rows) and \(sets) sets of \(n) rows, d = \(d), to \(folder.path)")
    }

    /// 16 dense directions of decaying strength added to an independent tail.
    static func mixingRows(_ d: Int, seed: UInt64) -> [[Double]] {
        var random = SplitMix64(seed: seed)
        return (0..<16).map { k in (0..<d).map { _ in random.normal() * 2 / Double(k + 1) } }
    }

    static func write(_ url: URL, rows n: Int, d: Int, mixing: [[Double]], shift: Double, classWeights: [Double],
                      seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var pool3 = [Float](repeating: 0, count: n * d)
        var logits = [Float](repeating: 0, count: n * 1008)
        let total = classWeights.reduce(0, +)
        for r in 0..<n {
            let factors = mixing.map { _ in random.normal() }
            for j in 0..<d {
                var value = shift + 0.3 * random.normal() * (1 + Double(j % 7) / 7)
                for (k, direction) in mixing.enumerated() { value += factors[k] * direction[j] }
                pool3[r * d + j] = Float(value)
            }
            var u = random.uniform() * total, c = 0
            while c < classWeights.count - 1 && u >= classWeights[c] {
                u -= classWeights[c]
                c += 1
            }
            logits[r * 1008 + c] = 5
        }
        try NpzFile.write([("pool3", NpyArray(pool3, shape: [n, d])), ("logits", NpyArray(logits, shape: [n, 1008]))],
                          to: url)
    }
}
