import CBLAS

// MARK: - Symmetric eigendecomposition (LAPACK dsyevd)

/// The eigendecomposition S = V diag(eigenvalues) V^T of a real symmetric d x d matrix.
///
/// Computed with LAPACK's divide-and-conquer `dsyevd` in Float64. Only the upper triangle of
/// the (row-major) input is read, so a slightly asymmetric input is treated as its upper
/// triangle mirrored.
public struct SymmetricEigen: Sendable {
    /// Matrix size d.
    public let dimension: Int
    /// Eigenvalues in ascending order, [d].
    public let eigenvalues: [Double]
    /// Row-major [d, d]; row k is the unit eigenvector of `eigenvalues[k]` (so the stored
    /// matrix is V^T). Empty when only eigenvalues were requested.
    public let eigenvectors: [Double]

    /// Decomposes the row-major symmetric d x d `matrix`.
    ///
    /// - Parameter vectors: `false` computes eigenvalues only (`dsyevd` then never forms the
    ///   eigenvectors, the larger part of its work).
    /// - Throws: `FrechetError.eigendecompositionFailed` when `dsyevd` reports `info != 0`.
    public init(symmetric matrix: [Double], dimension d: Int, vectors: Bool = true) throws {
        precondition(d >= 0 && matrix.count == d * d,
                     "SymmetricEigen: matrix has \(matrix.count) entries, expected \(d)x\(d)")
        dimension = d
        if d == 0 {
            eigenvalues = []
            eigenvectors = []
            return
        }
        // Row-major S read as column-major is S^T = S; LAPACK's 'L' (lower, column-major)
        // is the row-major upper triangle.
        var a = matrix
        var w = [Double](repeating: 0, count: d)
        var n = Int32(d)
        var lda = Int32(d)
        var info: Int32 = 0
        let jobz: CChar = vectors ? 86 : 78  // 'V' : 'N'
        let uplo: CChar = 76  // 'L'
        var jobzVar = jobz
        var uploVar = uplo

        // Workspace query: lwork = liwork = -1 returns the optimal sizes in work[0], iwork[0].
        var workQuery = [Double](repeating: 0, count: 1)
        var iworkQuery = [Int32](repeating: 0, count: 1)
        var lwork: Int32 = -1
        var liwork: Int32 = -1
        dsyevd_(&jobzVar, &uploVar, &n, &a, &lda, &w, &workQuery, &lwork, &iworkQuery, &liwork, &info)
        guard info == 0 else {
            throw FrechetError.eigendecompositionFailed(dimension: d, info: Int(info))
        }
        lwork = Int32(workQuery[0].rounded(.up))
        liwork = max(iworkQuery[0], 1)
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobzVar, &uploVar, &n, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else {
            throw FrechetError.eigendecompositionFailed(dimension: d, info: Int(info))
        }
        eigenvalues = w
        // Column-major V: column k (contiguous) is eigenvector k, i.e. row k of the
        // row-major reading.
        eigenvectors = vectors ? a : []
    }

    /// f(S) = V diag(f(eigenvalues)) V^T as a row-major [d, d] matrix, symmetric to the bit.
    ///
    /// `f` must map to values >= 0 (it is applied as sqrt(f) on both sides so the product
    /// can use `dsyrk`), e.g. `{ sqrt(max($0, 0)) }` for the PSD square root.
    public func reconstruct(applying f: (Double) -> Double) -> [Double] {
        precondition(!eigenvectors.isEmpty || dimension == 0,
                     "SymmetricEigen.reconstruct needs eigenvectors (vectors: true)")
        let d = dimension
        // F = diag(sqrt f(lambda)) V^T (row k scaled), then f(S) = F^T F.
        var scaled = eigenvectors
        for k in 0..<d {
            let value = f(eigenvalues[k])
            precondition(value >= 0 && value.isFinite,
                         "SymmetricEigen.reconstruct: f(\(eigenvalues[k])) = \(value) must be >= 0")
            let factor = value.squareRoot()
            scaled.withUnsafeMutableBufferPointer { row in
                for j in 0..<d { row[k * d + j] *= factor }
            }
        }
        var result = [Double](repeating: 0, count: d * d)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(d),
                    1.0, scaled, Int32(d), 0.0, &result, Int32(d))
        mirrorUpperToLower(&result, dimension: d)
        return result
    }
}

// MARK: - Small dense helpers shared by the module

/// Copies the upper triangle of a row-major d x d matrix onto its lower triangle.
func mirrorUpperToLower(_ matrix: inout [Double], dimension d: Int) {
    matrix.withUnsafeMutableBufferPointer { m in
        for i in 0..<d {
            for j in (i + 1)..<d { m[j * d + i] = m[i * d + j] }
        }
    }
}

/// Row-major C = op(A) op(B) with all matrices square d x d (Float64).
func multiply(_ a: [Double], transposeA: Bool = false, _ b: [Double], transposeB: Bool = false,
              dimension d: Int) -> [Double] {
    precondition(a.count == d * d && b.count == d * d,
                 "multiply: operands have \(a.count) and \(b.count) entries, expected \(d)x\(d)")
    var c = [Double](repeating: 0, count: d * d)
    if d == 0 { return c }
    cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans, Int32(d), Int32(d), Int32(d),
                1.0, a, Int32(d), b, Int32(d), 0.0, &c, Int32(d))
    return c
}

/// Row-major y = op(A) x for a square d x d matrix A.
func multiply(_ a: [Double], transpose: Bool = false, vector x: [Double], dimension d: Int)
    -> [Double]
{
    precondition(a.count == d * d && x.count == d,
                 "multiply: matrix has \(a.count) entries and vector \(x.count), expected d=\(d)")
    var y = [Double](repeating: 0, count: d)
    if d == 0 { return y }
    cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(d), Int32(d),
                1.0, a, Int32(d), x, 1, 0.0, &y, 1)
    return y
}
