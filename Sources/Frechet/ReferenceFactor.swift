import CBLAS
import Foundation

// MARK: - A factor of the reference covariance

/// A square factor F of the reference covariance, F F^T = S_r, through which FID sees it:
/// Tr (S_r S)^{1/2} = Tr (F^T S F)^{1/2} for every such F, and the per-sample gradient's
/// A M'^{-1/2} A (A = S_r^{1/2}) equals F (F^T S' F)^{-1/2} F^T.
///
/// - `cholesky`: F = L, lower triangular, from LAPACK `dpotrf` (d^3/3 flops, a fraction of an
///   eigendecomposition's). Used whenever S_r is numerically positive definite.
/// - `eigen`: F = V diag(sqrt(max(s, 0))) from S_r = V diag(s) V^T, when `dpotrf` finds a
///   non-positive pivot (rank-deficient S_r); negative eigenvalues are clamped to 0. The
///   columns run from the largest s to the smallest, so F^T S F is graded from its top-left
///   corner, the order in which LAPACK's Householder reduction keeps the small eigenvalues
///   of a graded matrix accurate (ascending order loses several digits on them).
struct ReferenceFactor {
    enum Method: Equatable { case cholesky, eigen }

    let dimension: Int
    let method: Method
    /// F, row-major [d, d]; lower triangular (zeros above) for `cholesky`.
    let matrix: [Double]

    /// - Parameter allowCholesky: `false` forces the eigendecomposition route (for tests).
    init(reference: FrechetStatistics, allowCholesky: Bool = true) throws {
        let d = reference.dimension
        dimension = d
        if allowCholesky, let lower = Self.cholesky(reference.sigma, dimension: d) {
            method = .cholesky
            matrix = lower
            return
        }
        let eigen = try SymmetricEigen(symmetric: reference.sigma, dimension: d)
        var f = [Double](repeating: 0, count: d * d)
        for column in 0..<d {
            let k = d - 1 - column  // eigenvalues ascend; columns descend
            let scale = max(eigen.eigenvalues[k], 0).squareRoot()
            for i in 0..<d { f[i * d + column] = eigen.eigenvectors[k * d + i] * scale }
        }
        method = .eigen
        matrix = f
    }

    /// The factor of `reference.sigma`, computed once per process for the statistics most recently
    /// asked about: one run measures the same reference several ways (ΔFID for every image, FID,
    /// the class-matching weightings), and each would otherwise repeat the O(d^3) factorisation.
    /// The last `FactorCache.capacity` covariances are kept and matched by content.
    static func shared(for reference: FrechetStatistics) throws -> ReferenceFactor {
        if let factor = FactorCache.shared.lookup(reference.sigma) { return factor }
        let factor = try ReferenceFactor(reference: reference)
        FactorCache.shared.insert(factor, for: reference.sigma)
        return factor
    }

    /// The row-major lower-triangular L with L L^T = S, or nil when S is not numerically
    /// positive definite (`dpotrf` info > 0).
    static func cholesky(_ s: [Double], dimension d: Int) -> [Double]? {
        guard d > 0 else { return [] }
        // Column-major 'U' gives S = U^T U; the row-major reading of U is L = U^T.
        var a = s
        var n = Int32(d)
        var lda = Int32(d)
        var info: Int32 = 0
        var uplo: CChar = 85  // 'U'
        dpotrf_(&uplo, &n, &a, &lda, &info)
        precondition(info >= 0, "dpotrf: argument \(-info) invalid for a \(d)x\(d) matrix")
        guard info == 0 else { return nil }
        a.withUnsafeMutableBufferPointer { m in
            for i in 0..<d {
                for j in (i + 1)..<d { m[i * d + j] = 0 }
            }
        }
        return a
    }

    /// F^T S F for a symmetric row-major [d, d] S, symmetric to the bit.
    func congruence(_ s: [Double]) -> [Double] {
        let d = dimension
        precondition(s.count == d * d, "ReferenceFactor.congruence: [\(s.count)], d = \(d)")
        var result: [Double]
        switch method {
        case .cholesky:
            result = s
            guard d > 0 else { return result }
            // The row-major L read column-major is U = L^T, and S reads as itself, so LAPACK's
            // U S U^T (dsygst, itype 3, 'U': d^3 flops, half of two triangular products) is
            // L^T S L. It writes the column-major upper triangle, the row-major lower one.
            var itype: Int32 = 3
            var uplo: CChar = 85  // 'U'
            var n = Int32(d)
            var info: Int32 = 0
            dsygst_(&itype, &uplo, &n, &result, &n, matrix, &n, &info)
            precondition(info == 0, "dsygst: argument \(-info) invalid for a \(d)x\(d) matrix")
            result.withUnsafeMutableBufferPointer { m in
                for i in 0..<d {
                    for j in (i + 1)..<d { m[i * d + j] = m[j * d + i] }
                }
            }
        case .eigen:
            result = multiply(multiply(matrix, transposeA: true, s, dimension: d), matrix,
                              dimension: d)
            result.withUnsafeMutableBufferPointer { m in
                for i in 0..<d {
                    for j in (i + 1)..<d {
                        let average = 0.5 * (m[i * d + j] + m[j * d + i])
                        m[i * d + j] = average
                        m[j * d + i] = average
                    }
                }
            }
        }
        return result
    }

    /// F P where `rows` holds P^T (row k = column k of P), as `SymmetricEigen` returns
    /// eigenvectors. Row-major [d, d].
    func times(transposeOf rows: [Double]) -> [Double] {
        let d = dimension
        precondition(rows.count == d * d, "ReferenceFactor.times: [\(rows.count)], d = \(d)")
        switch method {
        case .cholesky:
            var p = [Double](repeating: 0, count: d * d)
            rows.withUnsafeBufferPointer { r in
                p.withUnsafeMutableBufferPointer { out in
                    for i in 0..<d {
                        for j in 0..<d { out[j * d + i] = r[i * d + j] }
                    }
                }
            }
            guard d > 0 else { return p }
            cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit,
                        Int32(d), Int32(d), 1.0, matrix, Int32(d), &p, Int32(d))
            return p
        case .eigen:
            return multiply(matrix, rows, transposeB: true, dimension: d)
        }
    }
}

extension ReferenceFactor {
    /// Y F (`transposed`: Y F^T) for a row-major [k, d] Y, in place.
    func multiplyRows(_ y: inout [Double], count k: Int, transposed: Bool) {
        let d = dimension
        precondition(y.count == k * d, "ReferenceFactor.multiplyRows: [\(y.count)], k = \(k), d = \(d)")
        guard k > 0 && d > 0 else { return }
        switch method {
        case .cholesky:
            cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, transposed ? CblasTrans : CblasNoTrans,
                        CblasNonUnit, Int32(k), Int32(d), 1.0, matrix, Int32(d), &y, Int32(d))
        case .eigen:
            var product = [Double](repeating: 0, count: k * d)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, transposed ? CblasTrans : CblasNoTrans, Int32(k), Int32(d),
                        Int32(d), 1.0, y, Int32(d), matrix, Int32(d), 0.0, &product, Int32(d))
            y = product
        }
    }
}

// MARK: - The spectrum FID sees

/// M = F^T S F = Q diag(lambda) Q^T for the reference factor F and a covariance S, with
/// B = F Q: what FID, its per-sample contributions and its weight gradient start from
/// (Tr (A S A)^{1/2} = sum sqrt(lambda), A M^{-1/2} A = B diag(lambda^{-1/2}) B^T).
struct CongruenceSpectrum: Sendable {
    /// Eigenvalues of M, ascending, negative ones (rounding) set to 0, [d].
    let lambda: [Double]
    /// B = F Q, row-major [d, d] (column k belongs to lambda[k]).
    let transform: [Double]
    /// sum sqrt(lambda): every positive eigenvalue counts (see `FrechetDistance`).
    let traceOfSquareRoot: Double

    /// The spectrum of M = C^T C, C = Y F, for S = Y^T Y given by its k rows Y (row-major
    /// [k, d]): the non-zero eigenvalues of M are those of the k x k C C^T, and for each such
    /// eigenpair (lambda, u) the eigenvector of M is C^T u / sqrt(lambda). `lambda` holds d - k
    /// zeros, then those k eigenvalues ascending; `transform`'s columns for the zeros are 0
    /// (the gradient drops them). Without `vectors`, `transform` is empty.
    init(factor: ReferenceFactor, rows y: [Double], count k: Int, vectors: Bool) throws {
        let d = factor.dimension
        precondition(k <= d, "CongruenceSpectrum: \(k) rows for dimension \(d); use the d x d route")
        var c = y
        factor.multiplyRows(&c, count: k, transposed: false)
        var gram = [Double](repeating: 0, count: k * k)
        if k > 0 {
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(k), Int32(d), 1.0, c, Int32(d),
                        0.0, &gram, Int32(k))
        }
        mirrorUpperToLower(&gram, dimension: k)
        let eigen = try SymmetricEigen(symmetric: gram, dimension: k, vectors: vectors)
        let values = eigen.eigenvalues.map { max($0, 0) }
        lambda = [Double](repeating: 0, count: d - k) + values
        traceOfSquareRoot = FrechetDistance.traceOfSquareRoot(eigenvalues: lambda)
        guard vectors else {
            transform = []
            return
        }
        // Row j of P = E C is (C^T u_j)^T (E's row j is u_j); scaled by 1/sqrt(lambda_j) it is
        // q_j^T, and the rows of Q^T F^T are (F q_j)^T, the columns of B.
        var p = [Double](repeating: 0, count: k * d)
        if k > 0 {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(k), Int32(d), Int32(k), 1.0,
                        eigen.eigenvectors, Int32(k), c, Int32(d), 0.0, &p, Int32(d))
        }
        for j in 0..<k {
            let scale = values[j] > 0 ? 1 / values[j].squareRoot() : 0
            for i in 0..<d { p[j * d + i] *= scale }
        }
        factor.multiplyRows(&p, count: k, transposed: true)
        var b = [Double](repeating: 0, count: d * d)
        for j in 0..<k {
            for i in 0..<d { b[i * d + (d - k + j)] = p[j * d + i] }
        }
        transform = b
    }

    init(factor: ReferenceFactor, sigma: [Double]) throws {
        let eigen = try SymmetricEigen(symmetric: factor.congruence(sigma),
                                       dimension: factor.dimension)
        lambda = eigen.eigenvalues.map { max($0, 0) }
        traceOfSquareRoot = FrechetDistance.traceOfSquareRoot(eigenvalues: lambda)
        transform = factor.times(transposeOf: eigen.eigenvectors)
    }
}

/// The factors `ReferenceFactor.shared` keeps (each d x d doubles: 32 MiB at d = 2048).
private final class FactorCache: @unchecked Sendable {
    static let shared = FactorCache()
    static let capacity = 2

    private let lock = NSLock()
    /// Most recent last. Holding `sigma` keeps its buffer alive, so the identity check that
    /// `==` tries first cannot be fooled by a reused address.
    private var entries: [(sigma: [Double], factor: ReferenceFactor)] = []

    func lookup(_ sigma: [Double]) -> ReferenceFactor? {
        lock.lock()
        defer { lock.unlock() }
        guard let index = entries.firstIndex(where: { $0.sigma == sigma }) else { return nil }
        let entry = entries.remove(at: index)
        entries.append(entry)
        return entry.factor
    }

    func insert(_ factor: ReferenceFactor, for sigma: [Double]) {
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll { $0.sigma == sigma }
        entries.append((sigma, factor))
        if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
    }
}
