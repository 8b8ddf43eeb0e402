import CBLAS
import Frechet

// MARK: - The comparison routes: reverse-mode differentiation through an eigendecomposition

/// One image's FID contribution and dFID/df computed the way autograd computes them when FID
/// is written with an eigendecomposition, as in the code of Kynkäänniemi et al.: per image, form
/// the statistics after the image joins (mu', S'), then
///
///     FID_after = |mu_r - mu'|^2 + Tr S_r + Tr S' - 2 sum_i sqrt(Re lambda_i + eps),
///
/// with lambda the eigenvalues of a d x d matrix, and run the backward pass of every step
/// (eigendecomposition, matrix products, the rank-one update) down to f. Nothing is reused
/// between images except the fixed statistics. Float64, every core (OpenBLAS's default).
///
/// Two eigendecompositions, both O(d^3) per image:
/// - `.generalEig`, the paper's: lambda = eig(S' S_r) (LAPACK `dgeev` with right eigenvectors V,
///   as `torch.eig(..., eigenvectors=True)`); backward dL/dP = V^{-T} diag(dL/dlambda) V^T by one
///   LU solve, as torch's eig backward does when only eigenvalues are used. The formula treats V as
///   real: exact when every eigenvalue is real, which holds in exact arithmetic (S' S_r is similar
///   to the PSD matrix A S' A) and on the full-rank statistics the benchmark uses.
/// - `.symmetricEigh`, a cheaper variant: A = S_r^{1/2} once, then lambda = eigh(A S' A)
///   (`dsyevd`), backward dL/dM = V diag(dL/dlambda) V^T.
///
/// The benchmark prints how far the result is from `FIDContribution`, which shows both routes
/// compute the same gradient.
final class EigAutogradRoute {
    enum Decomposition: String {
        case generalEig = "eig-autograd (paper: eig(S' S_r), dgeev + LU solve)"
        case symmetricEigh = "eigh-autograd (eigh(A S' A), dsyevd)"
    }

    /// The paper's code adds this under each square root.
    static let eps = 1e-12

    let decomposition: Decomposition
    let n: Int
    let fidBefore: Double
    /// The fixed statistics: the reference (mu_r, S_r) and the generated set before the image joins.
    private let reference: FrechetStatistics
    private let generated: FrechetStatistics
    /// Tr S_r.
    private let referenceTrace: Double
    /// S_r^{1/2} (symmetric variant only).
    private let referenceRoot: [Double]

    var dimension: Int { reference.dimension }

    init(_ decomposition: Decomposition, reference: FrechetStatistics, generated: FrechetStatistics,
         n: Int) throws {
        self.decomposition = decomposition
        self.n = n
        self.reference = reference
        self.generated = generated
        referenceTrace = reference.traceOfSigma
        referenceRoot = decomposition == .symmetricEigh
            ? try SymmetricEigen(symmetric: reference.sigma, dimension: reference.dimension)
                .reconstruct { max($0, 0).squareRoot() }
            : []
        fidBefore = try FrechetDistance.distance(reference: reference, generated: generated)
    }

    /// Forward and backward for the image with pool3 features `f` [d].
    func evaluate(feature f: [Double]) throws -> SampleContribution {
        let d = dimension
        precondition(f.count == d, "EigAutogradRoute: feature [\(f.count)], expected [\(d)]")
        let count = Double(n)
        let c = (count - 2) / (count - 1)
        let generatedMean = generated.mu, referenceMean = reference.mu
        let u = (0 ..< d).map { f[$0] - generatedMean[$0] }
        let meanAfter = (0 ..< d).map { generatedMean[$0] + u[$0] / count }
        var sigmaAfter = generated.sigma
        for i in 0 ..< d {
            for j in 0 ..< d { sigmaAfter[i * d + j] = c * sigmaAfter[i * d + j] + u[i] * u[j] / count }
        }
        var meanTerm = 0.0, traceAfter = 0.0
        for j in 0 ..< d {
            meanTerm += (referenceMean[j] - meanAfter[j]) * (referenceMean[j] - meanAfter[j])
            traceAfter += sigmaAfter[j * d + j]
        }

        // G = dL/dS' minus the identity of Tr S', row-major and symmetric up to rounding.
        let (sumSqrt, g) = decomposition == .generalEig
            ? generalEigTraceAndGradient(sigmaAfter)
            : try symmetricEighTraceAndGradient(sigmaAfter)
        let fidAfter = meanTerm + referenceTrace + traceAfter - 2 * sumSqrt

        // S' = c S_g + u u^T / N: dL/du = (G + G^T) u / N + 2 u / N (the identity);
        // mu' = mu_g + u / N: dL/du += 2 (mu' - mu_r) / N; and df = du.
        let gu = gemv(g, u, transpose: false), gTu = gemv(g, u, transpose: true)
        let gradient = (0 ..< d).map { j in
            (gu[j] + gTu[j]) / count + 2 * u[j] / count + 2 * (meanAfter[j] - referenceMean[j]) / count
        }
        return SampleContribution(fidAfter: fidAfter, deltaFID: fidAfter - fidBefore, gradient: gradient)
    }

    // MARK: - The two eigendecompositions, forward and backward

    /// sum sqrt(Re lambda + eps) over lambda = eig(S' S_r), and its gradient with respect to S'.
    private func generalEigTraceAndGradient(_ sigmaAfter: [Double]) -> (Double, [Double]) {
        let d = dimension
        // Row-major S_r S' read column-major is (S_r S')^T = S' S_r = P.
        var p = gemm(reference.sigma, sigmaAfter)
        var wr = [Double](repeating: 0, count: d), wi = wr
        var vr = [Double](repeating: 0, count: d * d)
        var vl = [Double](repeating: 0, count: 1)
        var jobvl: CChar = 78, jobvr: CChar = 86  // 'N', 'V'
        var nn = Int32(d), ld = Int32(d), one = Int32(1), info: Int32 = 0
        var query = [Double](repeating: 0, count: 1)
        var lwork: Int32 = -1
        dgeev_(&jobvl, &jobvr, &nn, &p, &ld, &wr, &wi, &vl, &one, &vr, &ld, &query, &lwork, &info)
        lwork = Int32(query[0])
        var work = [Double](repeating: 0, count: Int(lwork))
        dgeev_(&jobvl, &jobvr, &nn, &p, &ld, &wr, &wi, &vl, &one, &vr, &ld, &work, &lwork, &info)
        precondition(info == 0, "dgeev failed: info \(info) at d = \(d)")

        let roots = wr.map { ($0 + Self.eps).squareRoot() }
        // dL/dlambda for L = -2 sum sqrt: -1 / sqrt(lambda + eps).
        let seed = roots.map { -1 / $0 }
        // dL/dP = V^{-T} diag(seed) V^T: solve V^T X = diag(seed) V^T. Column-major V^T is vr
        // transposed; the right-hand side is its rows scaled.
        var vt = [Double](repeating: 0, count: d * d)
        for i in 0 ..< d { for j in 0 ..< d { vt[i + j * d] = vr[j + i * d] } }
        var rhs = vt
        for j in 0 ..< d { for i in 0 ..< d { rhs[i + j * d] *= seed[i] } }
        var pivots = [Int32](repeating: 0, count: d)
        dgesv_(&nn, &nn, &vt, &ld, &pivots, &rhs, &ld, &info)
        precondition(info == 0, "dgesv failed: info \(info) at d = \(d)")
        // rhs is dL/dP column-major, so row-major it holds (dL/dP)^T; P = S' S_r gives
        // dL/dS' = dL/dP S_r, whose transpose is S_r (dL/dP)^T.
        return (roots.reduce(0, +), gemm(reference.sigma, rhs))
    }

    /// sum sqrt(lambda + eps) over lambda = eigh(A S' A), and its gradient with respect to S'.
    private func symmetricEighTraceAndGradient(_ sigmaAfter: [Double]) throws -> (Double, [Double]) {
        let d = dimension
        let m = gemm(gemm(referenceRoot, sigmaAfter), referenceRoot)
        let eigen = try SymmetricEigen(symmetric: m, dimension: d)
        let roots = eigen.eigenvalues.map { ($0 + Self.eps).squareRoot() }
        // dL/dM = V diag(-1/sqrt) V^T; rows of `eigenvectors` are the eigenvectors (V^T).
        var scaled = eigen.eigenvectors
        for k in 0 ..< d { for j in 0 ..< d { scaled[k * d + j] *= -1 / roots[k] } }
        let gm = gemm(eigen.eigenvectors, scaled, transposeA: true)
        return (roots.reduce(0, +), gemm(gemm(referenceRoot, gm), referenceRoot))
    }

    // MARK: - BLAS

    private func gemm(_ a: [Double], _ b: [Double], transposeA: Bool = false) -> [Double] {
        let d = dimension
        var c = [Double](repeating: 0, count: d * d)
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, CblasNoTrans, Int32(d), Int32(d), Int32(d),
                    1, a, Int32(d), b, Int32(d), 0, &c, Int32(d))
        return c
    }

    private func gemv(_ a: [Double], _ x: [Double], transpose: Bool) -> [Double] {
        let d = dimension
        var y = [Double](repeating: 0, count: d)
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(d), Int32(d), 1, a, Int32(d),
                    x, 1, 0, &y, 1)
        return y
    }
}
