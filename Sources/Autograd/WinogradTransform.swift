/// Winograd's minimal filtering (Lavin & Gray, CVPR 2016): the transforms and the transformed weights.
///
/// F(m, r) computes m outputs of an r-tap correlation, y[i] = sum_j g[j] d[i + j], from
/// alpha = m + r - 1 inputs with alpha multiplies instead of m * r:
///
///     y = A^T [(G g) ⊙ (B^T d)],   A^T [m, alpha], G [alpha, r], B^T [alpha, alpha].
///
/// The matrices are Toom-Cook's for the points a_0 ... a_{alpha-2} and infinity (the correlation is
/// the transpose of the polynomial product): A^T[i, k] = a_k^i, G[k, j] = a_k^j / f_k with
/// f_k = prod_{l != k} (a_k - a_l), and row k of B^T holds the coefficients of prod_{l != k} (x - a_l);
/// the row for infinity has G = e_{r-1}, A^T = e_{m-1} and B^T = the coefficients of prod_l (x - a_l).
/// The points are 0, 1, -1, 2, -2, 1/2, -1/2, 4, 1/4 in that order (small and dyadic, so that B^T
/// and A^T are exact in float32). The eighth and ninth serve only F(3, 7) and F(4, 7): on
/// Inception's 1x7 and 7x1 layers, 4 and 1/4 gave about 0.7 times the float32 error of 3 and -3.
/// Larger m means fewer multiplies and larger float32 error: B^T's entries grow with alpha.
///
/// A 2-D kernel [rH, rW] nests two of them, one per axis, with output tiles [mH, mW]:
/// Y = A_H^T [(G_H g G_W^T) ⊙ (B_H^T d B_W)] A_W. An axis with a 1-tap kernel has m = 1 and
/// alpha = 1 (all three matrices are [1]), so a 1x7 kernel is F(1, 1) x F(m, 7).
struct MinimalFiltering {
    /// Outputs per tile (m), kernel taps (r), and inputs per tile (alpha = m + r - 1).
    let outputs: Int, taps: Int, alpha: Int
    /// B^T [alpha, alpha], G [alpha, r], A^T [m, alpha], row-major, in Double.
    let inputTransform: [Double], filterTransform: [Double], outputTransform: [Double]

    /// The interpolation points before infinity, in the order they are used.
    static let points: [Double] = [0, 1, -1, 2, -2, 0.5, -0.5, 4, 0.25]

    init(outputs m: Int, taps r: Int) {
        let alpha = m + r - 1
        precondition(m >= 1 && r >= 1 && alpha - 1 <= Self.points.count,
                     "Winograd F(\(m), \(r)) needs \(alpha - 1) points, \(Self.points.count) are available")
        let finite = Array(Self.points.prefix(alpha - 1))
        var bT = [Double](repeating: 0, count: alpha * alpha)
        var g = [Double](repeating: 0, count: alpha * r)
        var aT = [Double](repeating: 0, count: m * alpha)
        for (k, a) in finite.enumerated() {
            let others = finite.enumerated().filter { $0.offset != k }.map(\.element)
            let scale = others.reduce(1.0) { $0 * (a - $1) }
            let row = Self.polynomial(roots: others)
            for l in 0 ..< row.count { bT[k * alpha + l] = row[l] }
            for j in 0 ..< r { g[k * r + j] = Self.power(a, j) / scale }
            for i in 0 ..< m { aT[i * alpha + k] = Self.power(a, i) }
        }
        let last = alpha - 1
        let full = Self.polynomial(roots: finite)
        for l in 0 ..< full.count { bT[last * alpha + l] = full[l] }
        g[last * r + r - 1] = 1
        aT[(m - 1) * alpha + last] = 1
        outputs = m; taps = r; self.alpha = alpha
        inputTransform = bT; filterTransform = g; outputTransform = aT
    }

    /// Coefficients c_0 ... c_n of prod (x - root), lowest power first.
    private static func polynomial(roots: [Double]) -> [Double] {
        var c: [Double] = [1]
        for root in roots {
            var next = [Double](repeating: 0, count: c.count + 1)
            for (i, v) in c.enumerated() {
                next[i + 1] += v
                next[i] -= root * v
            }
            c = next
        }
        return c
    }

    /// a^n with 0^0 = 1.
    private static func power(_ a: Double, _ n: Int) -> Double {
        (0 ..< n).reduce(1.0) { p, _ in p * a }
    }
}

/// One axis of a Winograd convolution in the kernel's scalar type: its two transforms as sparse
/// rows, for the forward pass, and their transposes, for the backward.
struct WinogradAxis<Scalar: BLASScalar> {
    let outputs: Int, taps: Int, alpha: Int
    /// B^T [alpha, alpha] and A^T [m, alpha].
    let inputTransform: SparseRows<Scalar>, outputTransform: SparseRows<Scalar>
    /// B [alpha, alpha] and A [alpha, m].
    let inputTranspose: SparseRows<Scalar>, outputTranspose: SparseRows<Scalar>

    init(_ f: MinimalFiltering) {
        outputs = f.outputs; taps = f.taps; alpha = f.alpha
        inputTransform = SparseRows(f.inputTransform, rows: f.alpha, columns: f.alpha)
        outputTransform = SparseRows(f.outputTransform, rows: f.outputs, columns: f.alpha)
        inputTranspose = SparseRows(transposing: f.inputTransform, rows: f.alpha, columns: f.alpha)
        outputTranspose = SparseRows(transposing: f.outputTransform, rows: f.outputs, columns: f.alpha)
    }
}

/// The nonzero entries of a small matrix, row by row, where a kernel reads them by pointer:
/// row i is the terms t in start[i] ..< start[i + 1], each column index[t] with value[t].
/// Immutable after init.
final class SparseRows<Scalar: BLASScalar>: @unchecked Sendable {
    let rows: Int
    let start: UnsafeMutablePointer<Int>, index: UnsafeMutablePointer<Int>, value: UnsafeMutablePointer<Scalar>

    /// The matrix `dense` [rows, columns], row-major.
    init(_ dense: [Double], rows: Int, columns: Int) {
        precondition(dense.count == rows * columns, "\(dense.count) entries for a \(rows) x \(columns) matrix")
        let terms = dense.filter { $0 != 0 }.count
        self.rows = rows
        start = .allocate(capacity: rows + 1)
        index = .allocate(capacity: max(1, terms))
        value = .allocate(capacity: max(1, terms))
        var t = 0
        for i in 0 ..< rows {
            start[i] = t
            for j in 0 ..< columns where dense[i * columns + j] != 0 {
                index[t] = j
                value[t] = Scalar(dense[i * columns + j])
                t += 1
            }
        }
        start[rows] = t
    }

    /// The transpose of `dense` [rows, columns], row-major.
    convenience init(transposing dense: [Double], rows: Int, columns: Int) {
        self.init((0 ..< columns * rows).map { dense[($0 % rows) * columns + $0 / rows] }, rows: columns, columns: rows)
    }

    deinit {
        start.deallocate(); index.deallocate(); value.deallocate()
    }
}

/// The weights of a convolution transformed for Winograd, with output tiles [mH, mW]:
/// U[xi, o, c] = (G_H g[o, c] G_W^T)[xiH, xiW] with xi = xiH * alphaW + xiW, [alphaH * alphaW, out, in],
/// computed in Double and rounded once.
public struct WinogradFilter<Scalar: BinaryFloatingPoint> {
    /// Output tile extents (mH, mW).
    public let tileH: Int, tileW: Int
    let transformed: [Scalar]

    init(_ weights: ConvolutionWeights<Scalar>, tileH: Int, tileW: Int) {
        let fh = MinimalFiltering(outputs: tileH, taps: weights.kernelH)
        let fw = MinimalFiltering(outputs: tileW, taps: weights.kernelW)
        let (rh, rw, ah, aw) = (weights.kernelH, weights.kernelW, fh.alpha, fw.alpha)
        let pairs = weights.outChannels * weights.inChannels
        let weight = Self.doubles(weights.weight)
        var u = [Double](repeating: 0, count: ah * aw * pairs)
        var half = [Double](repeating: 0, count: ah * rw)
        for pair in 0 ..< pairs {
            let g = pair * rh * rw
            // half = G_H g [alphaH, rW], then U = half G_W^T [alphaH, alphaW].
            for xh in 0 ..< ah {
                for j in 0 ..< rw {
                    var s = 0.0
                    for i in 0 ..< rh { s += fh.filterTransform[xh * rh + i] * weight[g + i * rw + j] }
                    half[xh * rw + j] = s
                }
            }
            for xh in 0 ..< ah {
                for xw in 0 ..< aw {
                    var s = 0.0
                    for j in 0 ..< rw { s += half[xh * rw + j] * fw.filterTransform[xw * rw + j] }
                    u[(xh * aw + xw) * pairs + pair] = s
                }
            }
        }
        self.tileH = tileH; self.tileW = tileW
        transformed = Self.scalars(u)
    }

    // Float <-> Double by the concrete conversions: the generic ones go through the runtime,
    // value by value, and took most of the time of loading the network's weights.
    private static func doubles(_ values: [Scalar]) -> [Double] {
        if Scalar.self == Float.self { return unsafeBitCast(values, to: [Float].self).map(Double.init) }
        return values.map { Double($0) }
    }

    private static func scalars(_ values: [Double]) -> [Scalar] {
        if Scalar.self == Float.self { return unsafeBitCast(values.map(Float.init), to: [Scalar].self) }
        return values.map { Scalar($0) }
    }
}

extension ConvolutionWeights {
    /// These weights with their Winograd transform for output tiles [tileH, tileW]: `conv2d` then
    /// runs F(tileH x tileW, kh x kw) at stride 1 (at other strides it stays im2col + GEMM). An
    /// axis whose kernel has one tap must have tile 1. `tile: nil` removes the transform.
    public func winograd(tile: (h: Int, w: Int)?) -> ConvolutionWeights {
        guard let tile else { return ConvolutionWeights(self, winograd: nil) }
        precondition(tile.h >= 1 && tile.w >= 1 && (kernelH > 1 || tile.h == 1) && (kernelW > 1 || tile.w == 1),
                     "Winograd tile \(tile) does not suit a \(kernelH)x\(kernelW) kernel (a 1-tap axis takes tile 1)")
        return ConvolutionWeights(self, winograd: WinogradFilter(self, tileH: tile.h, tileW: tile.w))
    }
}
