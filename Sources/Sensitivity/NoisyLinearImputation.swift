import CBLAS
import SeededRandom

// MARK: - ROAD's noisy linear imputation

/// Fills removed pixels so that the removal leaks as little of its shape as it can (Rong et al.,
/// ICML 2022, "noisy linear imputation"; the weights and noise of their code, which
/// pytorch-grad-cam's `NoisyLinearImputer` copies).
///
/// Each removed pixel x_p is the weighted mean of its in-image 8-neighbours, weights w = 1/6 on
/// the four sides and 1/12 on the four diagonals, removed neighbours being unknowns too. With
/// s_p the sum of the weights of p's in-image neighbours (1 inside, less at the border), every
/// channel solves one sparse linear system over the removed pixels:
///
///     s_p x_p - sum_{q removed} w_pq x_q = sum_{q kept} w_pq v_q
///
/// (ROAD's rows, multiplied by -1). The matrix is symmetric, and positive definite as long as
/// one pixel is kept: every connected group of removed pixels borders a kept one. It is solved
/// in Double by LAPACK's band Cholesky (`dpbsv`), the removed pixels in row-major order (the
/// band is about one image row wide); the three channels share the factorisation. Then
/// `noise` x N(0, 1), seeded, is added to each imputed value (not clipped, as in ROAD). Kept
/// pixels are left as they are.
public enum NoisyLinearImputation {
    /// ROAD's noise: 0.01, absolute, on the scale of the network's input (pixels in [0, 1]).
    public static let noise = 0.01

    /// The 8 neighbour offsets (dy, dx) and their weights.
    static let neighbours: [(dy: Int, dx: Int, weight: Double)] = [
        (-1, -1, 1.0 / 12), (-1, 0, 1.0 / 6), (-1, 1, 1.0 / 12), (0, -1, 1.0 / 6),
        (0, 1, 1.0 / 6), (1, -1, 1.0 / 12), (1, 0, 1.0 / 6), (1, 1, 1.0 / 12),
    ]

    /// `pixels` [channels, height, width] with the pixels where `removed` [height * width] is
    /// true imputed, plus noise drawn from `random`.
    public static func impute(_ pixels: [Float], channels: Int, height: Int, width: Int, removed: [Bool],
                              noise: Double = noise, random: inout SplitMix64) -> [Float] {
        let solution = solve(pixels, channels: channels, height: height, width: width, removed: removed)
        var out = pixels
        let plane = height * width
        for c in 0 ..< channels {
            for (i, p) in solution.removed.enumerated() {
                out[c * plane + p] = Float(solution.values[c * solution.removed.count + i] + noise * random.normal())
            }
        }
        return out
    }

    /// The system's solution without noise: the removed pixels' indices (row-major) and, per
    /// channel, their values ([channels, removed.count], channel-major).
    public static func solve(_ pixels: [Float], channels: Int, height: Int, width: Int, removed: [Bool])
        -> (removed: [Int], values: [Double]) {
        let plane = height * width
        precondition(pixels.count == channels * plane && removed.count == plane,
                     "imputation: \(pixels.count) values and a mask of \(removed.count) for [\(channels), \(height), \(width)]")
        let unknowns = removed.indices.filter { removed[$0] }
        precondition(unknowns.count < plane, "imputation: every pixel is removed; keep at least one")
        let n = unknowns.count
        if n == 0 { return ([], []) }
        var slot = [Int](repeating: -1, count: plane)
        for (i, p) in unknowns.enumerated() { slot[p] = i }

        // The band: the furthest later unknown any unknown is coupled to.
        var kd = 0
        for (i, p) in unknowns.enumerated() {
            let (y, x) = (p / width, p % width)
            for (dy, dx, _) in neighbours where dy > 0 || (dy == 0 && dx > 0) {
                let (ny, nx) = (y + dy, x + dx)
                guard ny < height, nx >= 0, nx < width else { continue }
                let j = slot[ny * width + nx]
                if j > i { kd = max(kd, j - i) }
            }
        }
        let ldab = kd + 1
        var band = [Double](repeating: 0, count: ldab * n)  // lower band, column-major: (i - j) + j * ldab
        var rhs = [Double](repeating: 0, count: n * channels)  // column-major [n, channels]
        for (i, p) in unknowns.enumerated() {
            let (y, x) = (p / width, p % width)
            var diagonal = 0.0
            for (dy, dx, weight) in neighbours {
                let (ny, nx) = (y + dy, x + dx)
                guard ny >= 0, ny < height, nx >= 0, nx < width else { continue }
                diagonal += weight
                let q = ny * width + nx
                let j = slot[q]
                if j < 0 {
                    for c in 0 ..< channels { rhs[c * n + i] += weight * Double(pixels[c * plane + q]) }
                } else if j > i {
                    band[(j - i) + i * ldab] = -weight
                }
            }
            band[i * ldab] = diagonal
        }
        var info: Int32 = 0
        var (n32, kd32, nrhs, ldab32, ldb) = (Int32(n), Int32(kd), Int32(channels), Int32(ldab), Int32(n))
        var uplo: CChar = 76  // 'L'
        dpbsv_(&uplo, &n32, &kd32, &nrhs, &band, &ldab32, &rhs, &ldb, &info)
        precondition(info == 0, "imputation: dpbsv info \(info) for \(n) unknowns (the system is positive definite "
            + "whenever a pixel is kept)")
        return (unknowns, rhs)
    }
}
