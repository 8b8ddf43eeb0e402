import SeededRandom
import CBLAS

// MARK: - Kernel Inception Distance

/// KID as torch-fidelity computes it: the unbiased estimate of MMD^2 with the cubic
/// polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over random subsets.
///
/// For subsets X, Y of m rows each (torch-fidelity's `mmd2`, `mmd_est='unbiased'`):
///
///     MMD^2 = (sum_{i != j} k(x_i, x_j) + sum_{i != j} k(y_i, y_j)) / (m (m - 1))
///             - 2 sum_{i, j} k(x_i, y_j) / m^2
///
/// `mean` and `standardDeviation` are NumPy's `mean` and `std` (ddof = 0) over the subsets.
/// torch-fidelity evaluates the kernels in Float32; here they are Float64 (`dsyrk`/`dgemm`),
/// which is closer to the exact value: on 300 x 2048 features the two differ by ~1e-5
/// relative, which is Float32 rounding in the reference, not a different formula.
///
/// Subsets differ from torch-fidelity's (which draws with NumPy's `RandomState`): each is
/// drawn without replacement by a partial Fisher-Yates shuffle driven by SplitMix64 from
/// `seed`, first from set 1 then from set 2, so results are deterministic for a seed.
public struct KernelInceptionDistance: Sendable, Equatable {
    /// Mean of the per-subset MMD^2 values.
    public var mean: Double
    /// Population standard deviation (ddof = 0) of the per-subset values.
    public var standardDeviation: Double
    /// The per-subset MMD^2 values, [subsets].
    public var subsetValues: [Double]
    /// Rows per subset actually used (the requested size clamped to both set sizes).
    public var subsetSize: Int

    /// torch-fidelity's defaults: 100 subsets of 1000 rows, seed 2020.
    public static let defaultSubsets = 100
    public static let defaultSubsetSize = 1000
    public static let defaultSeed: UInt64 = 2020

    /// KID between two feature sets given as row-major Float32 [N1, d] and [N2, d].
    ///
    /// The subset size is min(subsetSize, N1, N2) (torch-fidelity refuses instead).
    /// - Throws: `FrechetError.tooFewSamples` when a set has fewer than two rows.
    public static func compute(
        features1: [Float], features2: [Float], dimension d: Int,
        subsets: Int = defaultSubsets, subsetSize: Int = defaultSubsetSize,
        seed: UInt64 = defaultSeed
    ) throws -> KernelInceptionDistance {
        precondition(d > 0 && features1.count % d == 0 && features2.count % d == 0,
                     "KernelInceptionDistance: [\(features1.count)] and [\(features2.count)] "
                     + "values are not whole rows of dimension \(d)")
        precondition(subsets > 0 && subsetSize > 0,
                     "KernelInceptionDistance: subsets \(subsets), subset size \(subsetSize)")
        let n1 = features1.count / d
        let n2 = features2.count / d
        for (label, rows) in [("first feature set", n1), ("second feature set", n2)] where rows < 2 {
            throw FrechetError.tooFewSamples(source: label, count: rows, needed: 2)
        }
        let m = min(subsetSize, n1, n2)
        var generator = SplitMix64(seed: seed)
        var values: [Double] = []
        for _ in 0..<subsets {
            let rows1 = generator.sample(m, from: n1)
            let rows2 = generator.sample(m, from: n2)
            let x = gather(features1, rows: rows1, dimension: d)
            let y = gather(features2, rows: rows2, dimension: d)
            values.append(unbiasedMMD2(x, y, rows: m, dimension: d))
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return KernelInceptionDistance(mean: mean, standardDeviation: variance.squareRoot(),
                                       subsetValues: values, subsetSize: m)
    }

    /// Unbiased MMD^2 of two Float64 row-major sets [m, d] (m >= 2) with the cubic kernel.
    public static func unbiasedMMD2(_ x: [Double], _ y: [Double], rows m: Int, dimension d: Int)
        -> Double
    {
        precondition(m >= 2 && x.count == m * d && y.count == m * d,
                     "unbiasedMMD2: [\(x.count)] and [\(y.count)] values, expected [\(m), \(d)]")
        let gamma = 1 / Double(d)
        func kernel(_ dot: Double) -> Double {
            let base = dot * gamma + 1
            return base * base * base
        }
        func offDiagonalSum(_ a: [Double]) -> Double {
            var gram = [Double](repeating: 0, count: m * m)
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(m), Int32(d),
                        1.0, a, Int32(d), 0.0, &gram, Int32(m))
            var sum = 0.0
            for i in 0..<m {
                var row = 0.0
                for j in (i + 1)..<m { row += kernel(gram[i * m + j]) }
                sum += row
            }
            return 2 * sum
        }
        var cross = [Double](repeating: 0, count: m * m)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(m), Int32(d),
                    1.0, x, Int32(d), y, Int32(d), 0.0, &cross, Int32(m))
        var crossSum = 0.0
        for i in 0..<m {
            var row = 0.0
            for j in 0..<m { row += kernel(cross[i * m + j]) }
            crossSum += row
        }
        let mm = Double(m)
        return (offDiagonalSum(x) + offDiagonalSum(y)) / (mm * (mm - 1)) - 2 * crossSum / (mm * mm)
    }

    /// Rows `rows` of a Float32 [N, d] matrix as Float64 [rows.count, d].
    static func gather(_ features: [Float], rows: [Int], dimension d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows.count * d)
        features.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for (r, row) in rows.enumerated() {
                    for j in 0..<d { target[r * d + j] = Double(source[row * d + j]) }
                }
            }
        }
        return out
    }
}

extension KernelInceptionDistance {
    /// KID between a set's rows and the reference's (see `compute(features1:features2:...)`;
    /// Float64 rows are rounded to Float32 first).
    public static func compute(rows: FeatureRows, reference: FeatureRows, subsets: Int = defaultSubsets,
                               subsetSize: Int = defaultSubsetSize, seed: UInt64 = defaultSeed) throws
        -> KernelInceptionDistance
    {
        guard rows.dimension == reference.dimension else {
            throw FrechetError.dimensionMismatch(what: "KID of feature rows against reference rows",
                                                 expected: reference.dimension, found: rows.dimension)
        }
        return try compute(features1: rows.float32Values, features2: reference.float32Values,
                           dimension: rows.dimension, subsets: subsets, subsetSize: subsetSize, seed: seed)
    }
}
