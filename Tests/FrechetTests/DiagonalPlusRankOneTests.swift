import TestSupport
import XCTest

@testable import Frechet

/// The O(n^2) rank-one eigen-solver against dense LAPACK on the same matrix.
final class DiagonalPlusRankOneTests: XCTestCase {
    /// Compares eigenvalues, X^{-1/2} y and the sqrt-trace change with a dense solve.
    private func check(_ d: [Double], _ z: [Double], _ y: [Double], cutoff: Double,
                       tolerance: Double, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let n = d.count
        let update = DiagonalPlusRankOne(diagonal: d, vector: z)
        let dense = try SymmetricEigen(symmetric: denseDiagonalPlusRankOne(d, z), dimension: n)
        assertClose(update.eigenvalues.sorted(), dense.eigenvalues, rtol: tolerance,
                    "eigenvalues", file: file, line: line)
        let inverseSqrt = dense.reconstruct { $0 > cutoff ? 1 / $0.squareRoot() : 0 }
        assertClose(update.inverseSquareRoot(applyingTo: y, cutoff: cutoff),
                    matrixVector(inverseSqrt, y), rtol: tolerance, "X^{-1/2} y",
                    file: file, line: line)
        // Eigenvalues at the cutoff or below are rounding noise around 0 in the dense solve.
        let denseChange = dense.eigenvalues.reduce(0) { $0 + ($1 > cutoff ? $1.squareRoot() : 0) }
            - d.reduce(0) { $0 + $1.squareRoot() }
        let scale = dense.eigenvalues.reduce(0) { $0 + max($1, 0).squareRoot() }
        XCTAssertEqual(update.squareRootTraceChange(), denseChange, accuracy: tolerance * scale,
                       "sqrt trace change", file: file, line: line)
    }

    func testDistinctPolesMatchDenseSolve() throws {
        var random = TestRandom(seed: 11)
        let n = 300  // above the parallel threshold
        let d = (0..<n).map { _ in random.uniform() * 10 }.sorted()
        let z = random.normals(n, scale: 0.3)
        try check(d, z, random.normals(n), cutoff: 0, tolerance: 1e-12)
        try check(d, z, z, cutoff: 0, tolerance: 1e-12)
    }

    func testClustersOfEqualPolesDeflate() throws {
        var random = TestRandom(seed: 12)
        // 40 copies of 0.1 (like a ridge), nearly equal pairs, a spread of larger poles.
        var d = [Double](repeating: 0.1, count: 40)
        d += [0.5, 0.5 * (1 + 1e-17), 0.5 + 1e-15, 2, 3, 3, 3, 7, 10, 20]
        d.sort()
        let z = random.normals(d.count, scale: 0.5)
        let update = DiagonalPlusRankOne(diagonal: d, vector: z)
        XCTAssertLessThan(update.poles.count, 15, "the clusters should collapse to single poles")
        try check(d, z, z, cutoff: 0, tolerance: 1e-12)
        try check(d, z, random.normals(d.count), cutoff: 0, tolerance: 1e-12)
    }

    /// Spectra spanning 8 to 11 decades, where a dense solve itself loses digits on the
    /// small eigenvalues: check the residual |X (X^{-1/2} X^{-1/2} y) - y| instead, plus the
    /// eigenvalues in the max-norm.
    func testIllConditionedSpectraByResidual() throws {
        var random = TestRandom(seed: 16)
        let ridgeLike = [Double](repeating: 1e-4, count: 60) + (0..<20).map { 1e3 * Double($0 + 1) }
        let dominant = (0..<50).map { 1e-3 * Double($0 + 1) }
        for (d, z) in [(ridgeLike, random.normals(80, scale: 30)),
                       (dominant, random.normals(50, scale: 1e3))] {
            let update = DiagonalPlusRankOne(diagonal: d, vector: z)
            let x = denseDiagonalPlusRankOne(d, z)
            let dense = try SymmetricEigen(symmetric: x, dimension: d.count, vectors: false)
            assertClose(update.eigenvalues.sorted(), dense.eigenvalues, rtol: 1e-13, "eigenvalues")
            let y = random.normals(d.count)
            let solution = update.inverseSquareRoot(
                applyingTo: update.inverseSquareRoot(applyingTo: y, cutoff: 0), cutoff: 0)
            let residual = zip(matrixVector(x, solution), y).map { abs($0 - $1) }.max()!
            let xNorm = dense.eigenvalues.last!
            let solutionNorm = solution.map(abs).max()!
            XCTAssertLessThan(residual, 1e-13 * xNorm * solutionNorm,
                              "residual \(residual), |X| \(xNorm), |x| \(solutionNorm)")
        }
    }

    func testNegligibleWeightsDeflate() throws {
        var random = TestRandom(seed: 13)
        let d = (0..<30).map { Double($0) + 1 }
        var z = random.normals(30)
        for j in stride(from: 0, to: 30, by: 3) { z[j] = 1e-25 }
        let update = DiagonalPlusRankOne(diagonal: d, vector: z)
        XCTAssertEqual(update.poles.count, 20)
        try check(d, z, random.normals(30), cutoff: 0, tolerance: 1e-12)
    }

    func testSingularDiagonalUsesThePseudoInverse() throws {
        var random = TestRandom(seed: 14)
        // Rank-deficient: eight zero poles, and z has no weight on four of them, so X keeps
        // an exactly-zero eigenvalue (three after the zero cluster is rotated).
        var d = [Double](repeating: 0, count: 8) + (0..<12).map { 1 + Double($0) }
        d.sort()
        var z = random.normals(d.count)
        for j in 0..<4 { z[j] = 0 }
        let update = DiagonalPlusRankOne(diagonal: d, vector: z)
        XCTAssertEqual(update.eigenvalues.filter { $0 == 0 }.count, 7)
        let cutoff = 1e-9
        try check(d, z, random.normals(d.count), cutoff: cutoff, tolerance: 1e-11)
        let h = update.inverseSquareRoot(applyingTo: random.normals(d.count), cutoff: cutoff)
        XCTAssertTrue(h.allSatisfy { $0.isFinite })
    }

    func testDominantRankOneTermModerateScale() throws {
        var random = TestRandom(seed: 15)
        let d = (0..<50).map { 0.1 * Double($0 + 1) }
        let z = random.normals(50, scale: 3)
        try check(d, z, z, cutoff: 0, tolerance: 1e-12)
    }

    func testSingleAndEmpty() throws {
        let single = DiagonalPlusRankOne(diagonal: [2], vector: [3])
        XCTAssertEqual(single.eigenvalues, [11])
        XCTAssertEqual(single.inverseSquareRoot(applyingTo: [1], cutoff: 0)[0],
                       1 / 11.0.squareRoot(), accuracy: 1e-16)
        let zero = DiagonalPlusRankOne(diagonal: [1, 4], vector: [0, 0])
        XCTAssertEqual(zero.eigenvalues, [1, 4])
        XCTAssertEqual(zero.squareRootTraceChange(), 0)
        XCTAssertEqual(DiagonalPlusRankOne(diagonal: [], vector: []).eigenvalues, [])
    }
}

// MARK: - Extended-precision oracle

#if arch(x86_64)
/// X^{-1/2} w for X = diag(p) + w w^T in Float80: each root by plain bisection on the
/// secular equation (offset from its left pole), eigenvectors (P - t)^{-1} w normalised.
/// Independent of the production solver's iteration, deflation and weight correction.
private func extendedPrecisionInverseSquareRoot(_ p: [Double], _ w: [Double]) -> [Double] {
    let n = p.count
    let poles = p.map { Float80($0) }
    let weights = w.map { Float80($0) }
    let rho = weights.reduce(0) { $0 + $1 * $1 }
    var h = [Float80](repeating: 0, count: n)
    for i in 0..<n {
        var lower: Float80 = 0
        var upper: Float80 = i < n - 1 ? poles[i + 1] - poles[i] : rho
        while true {
            let middle = (lower + upper) / 2
            if middle == lower || middle == upper { break }
            var f: Float80 = 1
            for j in 0..<n { f += weights[j] * weights[j] / ((poles[j] - poles[i]) - middle) }
            if f < 0 { lower = middle } else { upper = middle }
        }
        let tau = (lower + upper) / 2
        var v = [Float80](repeating: 0, count: n)
        var normSquared: Float80 = 0
        var dot: Float80 = 0
        for j in 0..<n {
            v[j] = weights[j] / ((poles[j] - poles[i]) - tau)
            normSquared += v[j] * v[j]
            dot += v[j] * weights[j]
        }
        let coefficient = dot / (normSquared * (poles[i] + tau).squareRoot())
        for j in 0..<n { h[j] += coefficient * v[j] }
    }
    return h.map { Double($0) }
}

extension DiagonalPlusRankOneTests {
    /// Wishart-like poles (condition ~1e5) and weights from 1e-6 to 30 times their scale:
    /// X^{-1/2} z against Float80, by the fast route (coefficients from the secular slopes)
    /// and the general route, with and without the Gu-Eisenstat correction.
    func testInverseSquareRootOfVectorMatchesExtendedPrecision() throws {
        var random = TestRandom(seed: 17)
        let n = 150
        let s = random.covariance(dimension: n, columns: n + 10, ridge: 1e-3)
        let p = try SymmetricEigen(symmetric: s, dimension: n, vectors: false).eigenvalues
        for scale in [1e-6, 1e-4, 1e-2, 0.05, 1.0, 30.0] {
            let z = random.normals(n, scale: scale)
            let oracle = extendedPrecisionInverseSquareRoot(p, z)
            let automatic = DiagonalPlusRankOne(diagonal: p, vector: z)
            XCTAssertEqual(automatic.poles.count, n, "nothing should deflate here")
            XCTAssertLessThan(relativeError(automatic.inverseSquareRootOfVector(cutoff: 0), oracle),
                              1e-14, "fast route, scale \(scale)")
            for correction in [DiagonalPlusRankOne.WeightCorrection.always, .never] {
                let update = DiagonalPlusRankOne(diagonal: p, vector: z, weightCorrection: correction)
                XCTAssertLessThan(
                    relativeError(update.inverseSquareRoot(applyingTo: z, cutoff: 0), oracle),
                    1e-11, "general route, \(correction), scale \(scale)")
            }
        }
    }
}
#endif
