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
/// by LAPACK's band Cholesky to a residual of at most 1e-12 (`BandSystem`), the removed pixels in
/// row-major order (the band is about one image row wide); the three channels share the
/// factorisation. Then
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
    /// channel, their values ([channels, removed.count], channel-major), each equation met to `BandSystem.tolerance`.
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
        // The matrix row by row (the diagonal s_p and the removed neighbours), and the right-hand sides.
        var diagonal = [Double](repeating: 0, count: n)
        var coupled: [[(j: Int, weight: Double)]] = Array(repeating: [], count: n)
        var rhs = [Double](repeating: 0, count: n * channels)  // column-major [n, channels]
        for (i, p) in unknowns.enumerated() {
            let (y, x) = (p / width, p % width)
            for (dy, dx, weight) in neighbours {
                let (ny, nx) = (y + dy, x + dx)
                guard ny >= 0, ny < height, nx >= 0, nx < width else { continue }
                diagonal[i] += weight
                let q = ny * width + nx
                if slot[q] < 0 {
                    for c in 0 ..< channels { rhs[c * n + i] += weight * Double(pixels[c * plane + q]) }
                } else {
                    coupled[i].append((slot[q], weight))
                }
            }
        }
        let system = BandSystem(n: n, kd: kd, diagonal: diagonal, coupled: coupled)
        return (unknowns, system.solve(rhs, columns: channels))
    }
}

/// The imputation's matrix A (symmetric positive definite, band `kd` in the unknowns' order) and
/// its solve: A is factored in float32 (LAPACK `spbtrf`, half the time and memory of float64)
/// and the solution refined in float64, x += A32^-1 (b - A x), until every residual is at most
/// `tolerance`; each step gains about -log10(eps32 * cond(A)) digits. Should the float32 factor
/// fail or the refinement stall, A is solved in float64 (`dpbsv`) instead.
struct BandSystem {
    /// The largest residual |b - A x| accepted (pixel values are in [0, 1]).
    static let tolerance = 1e-12
    static let maximumRefinements = 30

    let n: Int, kd: Int
    let diagonal: [Double]
    let coupled: [[(j: Int, weight: Double)]]

    /// The lower band of A, column-major: A(i, j) for i >= j at (i - j) + j * (kd + 1).
    func band<T: BinaryFloatingPoint>(_: T.Type) -> [T] {
        var band = [T](repeating: 0, count: (kd + 1) * n)
        for i in 0 ..< n {
            band[i * (kd + 1)] = T(diagonal[i])
            for (j, weight) in coupled[i] where j > i { band[(j - i) + i * (kd + 1)] = T(-weight) }
        }
        return band
    }

    /// b - A x for `columns` column-major right-hand sides.
    func residual(_ b: [Double], _ x: [Double], columns: Int) -> [Double] {
        var r = b
        for c in 0 ..< columns {
            let base = c * n
            for i in 0 ..< n {
                var ax = diagonal[i] * x[base + i]
                for (j, weight) in coupled[i] { ax -= weight * x[base + j] }
                r[base + i] -= ax
            }
        }
        return r
    }

    /// A^-1 b; `refine` false goes straight to the float64 solve.
    func solve(_ b: [Double], columns: Int, refine: Bool = true) -> [Double] {
        var uplo: CChar = 76  // 'L'
        var (n32, kd32, nrhs, ldab, info) = (Int32(n), Int32(kd), Int32(columns), Int32(kd + 1), Int32(0))
        var factor = band(Float.self)
        if refine { spbtrf_(&uplo, &n32, &kd32, &factor, &ldab, &info) }
        if refine && info == 0 {
            var x = [Double](repeating: 0, count: b.count)
            var r = b
            for _ in 0 ..< Self.maximumRefinements {
                if r.allSatisfy({ abs($0) <= Self.tolerance }) { return x }
                var step = r.map { Float($0) }
                spbtrs_(&uplo, &n32, &kd32, &nrhs, factor, &ldab, &step, &n32, &info)
                precondition(info == 0, "imputation: spbtrs info \(info)")
                for k in x.indices { x[k] += Double(step[k]) }
                r = residual(b, x, columns: columns)
            }
        }
        var exact = band(Double.self), x = b
        dpbsv_(&uplo, &n32, &kd32, &nrhs, &exact, &ldab, &x, &n32, &info)
        precondition(info == 0, "imputation: dpbsv info \(info) for \(n) unknowns (the system is positive definite "
            + "whenever a pixel is kept)")
        return x
    }
}
