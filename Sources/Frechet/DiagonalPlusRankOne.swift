import Dispatch

// MARK: - Eigen-structure of D + z z^T in O(n^2)

/// The symmetric eigenproblem of X = D + z z^T (D = diag(d), d ascending), solved
/// the way LAPACK's divide-and-conquer does (dlaed2/dlaed4/dlaed3), in O(n^2):
///
/// 1. Deflation, tolerance tol = 8 eps max(max|d|, |z|^2):
///    - a component with |z_j| |z| <= tol is dropped: d_j is an eigenvalue, e_j its vector;
///    - two neighbours j < k with |(d_k - d_j) c s| <= tol, for the Givens rotation
///      (c, s) = (z_k, -z_j) / hypot(z_j, z_k) that moves z_j's weight onto z_k, are rotated
///      and the j-th becomes an eigenvalue c^2 d_j + s^2 d_k (clusters of equal eigenvalues
///      collapse to one pole this way).
/// 2. The K remaining poles p (strictly increasing) and weights w give the secular equation
///    f(t) = 1 + sum_j w_j^2 / (p_j - t) = 0 with one root in each (p_i, p_{i+1}) and the
///    last in (p_K, p_K + |w|^2]. Each root is stored as an offset tau from its nearer pole
///    so that p_j - t_i is always computed without cancellation (`SecularRoot`: a
///    fixed-weight first step, then the "middle way", safeguarded by a bisection bracket).
/// 3. Eigenvectors (P - t_i)^{-1} w normalised. When some root is less accurate than
///    `accurateRoots` (relative, as the solver estimates it), w is replaced by the
///    Gu-Eisenstat weights w^_j^2 = prod_i (t_i - p_j) / prod_{i != j} (p_i - p_j), for
///    which the computed roots are exact eigenvalues, so the vectors stay orthogonal.
struct DiagonalPlusRankOne {
    /// n.
    let size: Int
    /// The input diagonal, [n].
    let originalDiagonal: [Double]
    /// The input vector z, [n].
    let originalVector: [Double]
    /// Diagonal after deflating rotations, [n]; deflated entries are eigenvalues.
    private(set) var diagonal: [Double]
    /// true for entries of `diagonal` that are eigenvalues (deflated), [n].
    private(set) var isDeflated: [Bool]
    /// Indices (into [n]) of the K poles, ascending.
    private(set) var kept: [Int] = []
    /// Poles p = diagonal[kept], [K], strictly increasing.
    private(set) var poles: [Double] = []
    /// Weights of the eigenvector formula, [K]: w, or the Gu-Eisenstat w^ (see step 3).
    private(set) var correctedWeights: [Double] = []
    /// Root i is poles[rootOrigin[i]] + rootOffset[i], [K].
    private(set) var rootOrigin: [Int] = []
    private(set) var rootOffset: [Double] = []
    /// f'(t_i) = |(P - t_i)^{-1} w|^2, [K].
    private(set) var rootSlope: [Double] = []
    /// Estimated relative error of each rootOffset, [K].
    private(set) var rootRelativeError: [Double] = []
    /// true when every root offset is accurate to `accurateRoots` (relative): then the
    /// Gu-Eisenstat weights equal w to that accuracy and are not formed.
    private(set) var usesOriginalWeights = false
    /// Givens rotations applied in order: (j, k, c, s) maps (y_j, y_k) to
    /// (c y_j + s y_k, -s y_j + c y_k).
    private var rotations: [(j: Int, k: Int, c: Double, s: Double)] = []

    /// When to form the Gu-Eisenstat weights.
    enum WeightCorrection {
        /// Only when some root's estimated relative error exceeds `accurateRoots`.
        case automatic
        case always
        case never
    }

    /// Decomposes diag(d) + z z^T. `d` must be ascending; the spectral functions (square
    /// roots) also need d[0] >= 0.
    init(diagonal d: [Double], vector z: [Double], weightCorrection: WeightCorrection = .automatic) {
        precondition(d.count == z.count,
                     "DiagonalPlusRankOne: diagonal [\(d.count)] and vector [\(z.count)] differ")
        for i in 0..<d.count {
            precondition(i == 0 || d[i - 1] <= d[i],
                         "DiagonalPlusRankOne: diagonal must be ascending (index \(i))")
        }
        size = d.count
        originalDiagonal = d
        originalVector = z
        diagonal = d
        isDeflated = [Bool](repeating: true, count: d.count)
        var rotated = z
        deflate(&rotated)
        var kw = [Double](repeating: 0, count: kept.count)
        for (k, index) in kept.enumerated() {
            poles.append(diagonal[index])
            kw[k] = rotated[index]
        }
        solveRoots(weights: kw)
        switch weightCorrection {
        case .automatic:
            usesOriginalWeights = rootRelativeError.allSatisfy { $0 <= Self.accurateRoots }
        case .always: usesOriginalWeights = false
        case .never: usesOriginalWeights = true
        }
        correctedWeights = usesOriginalWeights ? kw : guEisenstatWeights(signs: kw)
    }

    /// Relative root accuracy below which the Gu-Eisenstat step is skipped: it would change
    /// the weights by about K times this, far below what the eigenvectors need.
    static let accurateRoots = 1e-12

    // MARK: - Deflation

    private mutating func deflate(_ z: inout [Double]) {
        let n = size
        guard n > 0 else { return }
        var rho = 0.0
        for value in z { rho += value * value }
        let norm = rho.squareRoot()
        let tolerance = 8 * Double.ulpOfOne * max(abs(diagonal[0]), abs(diagonal[n - 1]), rho)
        var previous: Int? = nil
        for j in 0..<n {
            if abs(z[j]) * norm <= tolerance { continue }  // deflated: z_j negligible
            guard let p = previous else {
                previous = j
                continue
            }
            let radius = (z[p] * z[p] + z[j] * z[j]).squareRoot()
            let c = z[j] / radius
            let s = -z[p] / radius
            if abs((diagonal[j] - diagonal[p]) * c * s) <= tolerance {
                // Rotate the weight of p onto j; p becomes an eigenvalue.
                rotations.append((p, j, c, s))
                z[p] = 0
                z[j] = radius
                let dp = diagonal[p]
                let dj = diagonal[j]
                diagonal[p] = dp * c * c + dj * s * s
                diagonal[j] = dp * s * s + dj * c * c
            } else {
                isDeflated[p] = false
                kept.append(p)
            }
            previous = j
        }
        if let p = previous {
            isDeflated[p] = false
            kept.append(p)
        }
    }

    // MARK: - Secular equation

    private mutating func solveRoots(weights w: [Double]) {
        let count = w.count
        guard count > 0 else { return }
        if count == 1 {
            // t = p + w^2 exactly; f'(t) = w^2 / w^4.
            rootOrigin = [0]
            rootOffset = [w[0] * w[0]]
            rootSlope = [1 / (w[0] * w[0])]
            rootRelativeError = [Double.ulpOfOne]
            return
        }
        let squared = w.map { $0 * $0 }
        let p = poles
        var roots = [SecularRoot.Root](
            repeating: SecularRoot.Root(origin: 0, offset: 0, slope: 0, relativeError: 0),
            count: count)
        roots.withUnsafeMutableBufferPointer { out in
            let rootsOut = out
            parallelChunks(count) { range in
                var delta = [Double](repeating: 0, count: count)
                for i in range {
                    rootsOut[i] = SecularRoot.solve(index: i, poles: p, squaredWeights: squared,
                                                    scratch: &delta)
                }
            }
        }
        rootOrigin = roots.map(\.origin)
        rootOffset = roots.map(\.offset)
        rootSlope = roots.map(\.slope)
        rootRelativeError = roots.map(\.relativeError)
    }

    // MARK: - Gu-Eisenstat weights

    /// w^_j = sign(w_j) sqrt( (t_K - p_j) prod_{i<j} (t_i - p_j)/(p_i - p_j)
    ///                        prod_{j<=i<K-1} (t_i - p_j)/(p_{i+1} - p_j) ); every factor
    /// lies in (0, 1] except the first, so the running product cannot overflow.
    private func guEisenstatWeights(signs: [Double]) -> [Double] {
        let count = poles.count
        var result = [Double](repeating: 1, count: count)
        guard count > 0 else { return result }
        let p = poles
        let origin = rootOrigin
        let offset = rootOffset
        p.withUnsafeBufferPointer { poleBuffer in
            result.withUnsafeMutableBufferPointer { product in
                let out = product.baseAddress!
                let poles = poleBuffer.baseAddress!
                parallelChunks(count) { range in
                    for i in 0..<count {
                        let base = p[origin[i]]
                        let tau = offset[i]
                        if i == count - 1 {
                            CauchyKernels.multiplyByGaps(out, poles: poles, range, base: base,
                                                         tau: tau)
                            continue
                        }
                        // j <= i pairs with p_{i+1}, j > i with p_i.
                        let split = min(max(i + 1, range.lowerBound), range.upperBound)
                        CauchyKernels.multiplyByRatios(out, poles: poles, range.lowerBound..<split,
                                                       base: base, tau: tau, anchor: p[i + 1])
                        CauchyKernels.multiplyByRatios(out, poles: poles, split..<range.upperBound,
                                                       base: base, tau: tau, anchor: p[i])
                    }
                }
            }
        }
        for j in 0..<count {
            let magnitude = max(result[j], 0).squareRoot()
            result[j] = signs[j] < 0 ? -magnitude : magnitude
        }
        return result
    }
}

// MARK: - Spectral functions

extension DiagonalPlusRankOne {
    /// Eigenvalue i of the non-deflated part, t_i = p_origin + tau, [K].
    func root(_ i: Int) -> Double { poles[rootOrigin[i]] + rootOffset[i] }

    /// All n eigenvalues (deflated entries first in index order, then the K roots).
    var eigenvalues: [Double] {
        var values: [Double] = []
        values.reserveCapacity(size)
        for j in 0..<size where isDeflated[j] { values.append(diagonal[j]) }
        for i in 0..<poles.count { values.append(root(i)) }
        return values
    }

    /// sum_i sqrt(t_i) - sum_j sqrt(d_j), with every difference formed as
    /// (a - b) / (sqrt a + sqrt b) from exactly known gaps, so it stays accurate when it is
    /// tiny compared with the sums themselves.
    func squareRootTraceChange() -> Double {
        precondition(originalDiagonal.first.map { $0 >= 0 } ?? true,
                     "DiagonalPlusRankOne.squareRootTraceChange: diagonal must be >= 0")
        func sqrtDifference(_ a: Double, _ b: Double, _ aMinusB: Double) -> Double {
            let denominator = a.squareRoot() + b.squareRoot()
            return denominator > 0 ? aMinusB / denominator : 0
        }
        var change = 0.0
        for j in 0..<size where diagonal[j] != originalDiagonal[j] {
            change += sqrtDifference(diagonal[j], originalDiagonal[j],
                                     diagonal[j] - originalDiagonal[j])
        }
        for i in 0..<poles.count {
            // t_i - p_i = tau_i + (p_origin - p_i).
            let gap = rootOffset[i] + (poles[rootOrigin[i]] - poles[i])
            change += sqrtDifference(root(i), poles[i], gap)
        }
        return change
    }

    /// X^{-1/2} y with eigenvalues <= `cutoff` treated as 0 (pseudo-inverse: their
    /// eigenvectors contribute nothing).
    func inverseSquareRoot(applyingTo y: [Double], cutoff: Double) -> [Double] {
        inverseSquareRoot(y, cutoff: cutoff, isOwnVector: false)
    }

    /// X^{-1/2} z for the z this decomposition was built from. When the roots are accurate
    /// (`usesOriginalWeights`) this needs one O(K^2) pass instead of two: with
    /// v_i = (P - t_i)^{-1} w, the secular equation gives v_i . w = f(t_i) - 1 = -1 and
    /// |v_i|^2 = f'(t_i), which the root solver already has.
    func inverseSquareRootOfVector(cutoff: Double) -> [Double] {
        inverseSquareRoot(originalVector, cutoff: cutoff, isOwnVector: true)
    }

    private func inverseSquareRoot(_ y: [Double], cutoff: Double, isOwnVector: Bool) -> [Double] {
        precondition(originalDiagonal.first.map { $0 >= 0 } ?? true,
                     "DiagonalPlusRankOne.inverseSquareRoot: diagonal must be >= 0")
        precondition(y.count == size,
                     "DiagonalPlusRankOne.inverseSquareRoot: vector [\(y.count)], size \(size)")
        var rotated = y
        for r in rotations {
            let a = rotated[r.j]
            let b = rotated[r.k]
            rotated[r.j] = r.c * a + r.s * b
            rotated[r.k] = -r.s * a + r.c * b
        }
        var result = [Double](repeating: 0, count: size)
        for j in 0..<size where isDeflated[j] && diagonal[j] > cutoff {
            result[j] = rotated[j] / diagonal[j].squareRoot()
        }
        let part = keptInverseSquareRoot(kept.map { rotated[$0] }, cutoff: cutoff,
                                         coefficientsFromSlopes: isOwnVector && usesOriginalWeights)
        for (k, index) in kept.enumerated() { result[index] = part[k] }
        for r in rotations.reversed() {
            let a = result[r.j]
            let b = result[r.k]
            result[r.j] = r.c * a - r.s * b
            result[r.k] = r.s * a + r.c * b
        }
        return result
    }

    /// W diag(t^{-1/2}) W^T y on the K poles, W_ji = w^_j / (p_j - t_i) / norm_i.
    private func keptInverseSquareRoot(_ y: [Double], cutoff: Double,
                                       coefficientsFromSlopes: Bool) -> [Double] {
        let count = poles.count
        guard count > 0 else { return [] }
        let p = poles
        let origin = rootOrigin
        let offset = rootOffset
        let weights = correctedWeights
        var coefficient = [Double](repeating: 0, count: count)
        if coefficientsFromSlopes {
            for i in 0..<count {
                let t = p[origin[i]] + offset[i]
                if t > cutoff { coefficient[i] = -1 / (rootSlope[i] * t.squareRoot()) }
            }
        } else {
            coefficient = projectionCoefficients(y, cutoff: cutoff)
        }
        // result_j = w^_j sum_i coefficient_i / (p_j - t_i).
        var result = [Double](repeating: 0, count: count)
        p.withUnsafeBufferPointer { poleBuffer in
            result.withUnsafeMutableBufferPointer { out in
                let resultOut = out.baseAddress!
                parallelChunks(count) { range in
                    for i in 0..<count where coefficient[i] != 0 {
                        CauchyKernels.accumulateReciprocals(
                            resultOut, poles: poleBuffer.baseAddress!, range, base: p[origin[i]],
                            tau: offset[i], coefficient: coefficient[i])
                    }
                }
            }
        }
        for j in 0..<count { result[j] *= weights[j] }
        return result
    }

    /// coefficient_i = t_i^{-1/2} (v_i . y) / |v_i|^2 with v_i = (P - t_i)^{-1} w^ (0 when
    /// t_i <= cutoff), one O(K^2) pass.
    private func projectionCoefficients(_ y: [Double], cutoff: Double) -> [Double] {
        let count = poles.count
        let p = poles
        let origin = rootOrigin
        let offset = rootOffset
        var coefficient = [Double](repeating: 0, count: count)
        p.withUnsafeBufferPointer { poleBuffer in
            correctedWeights.withUnsafeBufferPointer { weightBuffer in
                y.withUnsafeBufferPointer { yBuffer in
                    coefficient.withUnsafeMutableBufferPointer { out in
                        let coefficientOut = out
                        parallelChunks(count) { range in
                            for i in range {
                                let base = p[origin[i]]
                                let t = base + offset[i]
                                guard t > cutoff else { continue }
                                let sums = CauchyKernels.normAndDot(
                                    poles: poleBuffer.baseAddress!,
                                    weights: weightBuffer.baseAddress!, yBuffer.baseAddress!,
                                    count: count, base: base, tau: offset[i])
                                coefficientOut[i] = sums.dot / (sums.normSquared * t.squareRoot())
                            }
                        }
                    }
                }
            }
        }
        return coefficient
    }
}

// MARK: - Parallel loops

/// Runs `body` over up to `chunks` contiguous ranges covering 0..<count, concurrently when
/// the work is large enough to pay for the threads.
func parallelChunks(_ count: Int, chunks: Int = 2, _ body: (Range<Int>) -> Void) {
    let parts = count >= 256 ? chunks : 1
    if parts == 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        body((part * count / parts)..<((part + 1) * count / parts))
    }
}
