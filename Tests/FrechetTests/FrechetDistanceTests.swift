import XCTest

@testable import Frechet

final class FrechetDistanceTests: XCTestCase {
    private func diagonal(_ values: [Double]) -> [Double] {
        let d = values.count
        var m = [Double](repeating: 0, count: d * d)
        for i in 0..<d { m[i * d + i] = values[i] }
        return m
    }

    /// Commuting (diagonal) covariances: FID = |mu_r - mu_g|^2 + sum (sqrt a - sqrt b)^2,
    /// also when some variances are exactly zero (rank-deficient).
    func testDiagonalCovariancesMatchClosedForm() throws {
        let a: [Double] = [4, 1, 0.25, 0, 9, 0]
        let b: [Double] = [1, 1, 1, 2, 0, 0]
        let reference = FrechetStatistics(mu: [1, 2, 3, 4, 5, 6], sigma: diagonal(a))
        let generated = FrechetStatistics(mu: [1, 2, 3, 4, 5, 8], sigma: diagonal(b))
        var expected = 4.0
        for i in 0..<6 { expected += pow(a[i].squareRoot() - b[i].squareRoot(), 2) }
        let fid = try FrechetDistance.distance(reference: reference, generated: generated)
        XCTAssertEqual(fid, expected, accuracy: 1e-13 * expected)
    }

    func testIdenticalStatisticsGiveZero() throws {
        var random = TestRandom(seed: 21)
        let statistics = random.statistics(dimension: 50, columns: 80, ridge: 0.01)
        let fid = try FrechetDistance.distance(reference: statistics, generated: statistics)
        XCTAssertEqual(fid, 0, accuracy: 1e-12 * statistics.traceOfSigma)
    }

    func testSymmetricInItsArgumentsAndRankDeficientStaysFinite() throws {
        var random = TestRandom(seed: 22)
        let reference = random.statistics(dimension: 40, columns: 60, ridge: 0.05)
        let generated = random.statistics(dimension: 40, columns: 60, ridge: 0.05)
        let forward = try FrechetDistance.distance(reference: reference, generated: generated)
        let backward = try FrechetDistance.distance(reference: generated, generated: reference)
        XCTAssertEqual(forward, backward, accuracy: 1e-12 * forward)

        // Covariances of 5 and 3 samples in 40 dimensions: rank 5 and 3, no ridge.
        let thinReference = random.statistics(dimension: 40, columns: 5, ridge: 0)
        let thinGenerated = random.statistics(dimension: 40, columns: 3, ridge: 0)
        let thin = try FrechetDistance.distance(reference: thinReference, generated: thinGenerated)
        XCTAssertTrue(thin.isFinite)
        XCTAssertGreaterThan(thin, 0)
        let reversed = try FrechetDistance.distance(reference: thinGenerated, generated: thinReference)
        XCTAssertEqual(thin, reversed, accuracy: 1e-7 * thin)
    }

    /// Cholesky for positive definite S_r, the eigen route for singular S_r; both are factors
    /// (F F^T = S_r) and give F^T S F the same spectrum.
    func testReferenceFactorMethodsAgree() throws {
        var random = TestRandom(seed: 23)
        let d = 30
        let definite = random.statistics(dimension: d, columns: 50, ridge: 0.01)
        let singular = random.statistics(dimension: d, columns: 4, ridge: 0)
        let other = random.covariance(dimension: d, columns: 40, ridge: 0.1)
        let cholesky = try ReferenceFactor(reference: definite)
        let eigen = try ReferenceFactor(reference: definite, allowCholesky: false)
        XCTAssertEqual(cholesky.method, .cholesky)
        XCTAssertEqual(eigen.method, .eigen)
        XCTAssertEqual(try ReferenceFactor(reference: singular).method, .eigen)
        for factor in [cholesky, eigen] {
            assertClose(multiply(factor.matrix, factor.matrix, transposeB: true, dimension: d),
                        definite.sigma, rtol: 1e-14, "F F^T")
        }
        let spectrumA = try SymmetricEigen(symmetric: cholesky.congruence(other), dimension: d)
        let spectrumB = try SymmetricEigen(symmetric: eigen.congruence(other), dimension: d)
        assertClose(spectrumA.eigenvalues, spectrumB.eigenvalues, rtol: 1e-13, "spectra")
    }

    func testIncompatibleStatisticsThrowNamedErrors() {
        let two = FrechetStatistics(mu: [0, 0], sigma: [1, 0, 0, 1])
        let three = FrechetStatistics(mu: [0, 0, 0], sigma: diagonal([1, 1, 1]))
        XCTAssertThrowsError(try FrechetDistance.distance(reference: two, generated: three)) {
            XCTAssertEqual(
                ($0 as? FrechetError)?.description,
                "generated statistics against reference statistics: feature dimension 3 does not "
                    + "match 2; both sides must come from the same feature extractor layer")
        }
        let nanSigma = FrechetStatistics(mu: [0, 0], sigma: [1, .nan, .nan, 1])
        assertThrowsFrechetError(
            try FrechetDistance.distance(reference: two, generated: nanSigma),
            containing: "generated statistics: key 'sigma' holds nan at index [0, 1]")
        let infMu = FrechetStatistics(mu: [.infinity, 0], sigma: [1, 0, 0, 1])
        assertThrowsFrechetError(
            try FrechetDistance.distance(reference: infMu, generated: two),
            containing: "reference statistics: key 'mu' holds inf at index [0]")
    }

    func testValidationNamesAsymmetryAndIndefiniteness() {
        let asymmetric = FrechetStatistics(mu: [0, 0, 0], sigma: [2, 0.5, 0, 0.4, 2, 0, 0, 0, 2])
        XCTAssertThrowsError(try asymmetric.validate(source: "a.npz")) {
            XCTAssertEqual(
                ($0 as? FrechetError)?.description,
                "a.npz: key 'sigma' is not symmetric: |sigma[0,1] - sigma[1,0]| = "
                    + "0.09999999999999998 exceeds 2e-06; a covariance matrix must be symmetric "
                    + "(was it transposed or truncated?)")
        }
        let indefinite = FrechetStatistics(mu: [0, 0], sigma: [1, 2, 2, 1])  // eigenvalues -1, 3
        assertThrowsFrechetError(try indefinite.validate(source: "b.npz"),
                                 containing: "b.npz: key 'sigma' is not positive semidefinite: "
                                     + "smallest eigenvalue -1.0")
        XCTAssertNoThrow(try indefinite.validate(checkPositiveSemidefinite: false))
        assertThrowsFrechetError(try indefinite.validate(source: "c.npz", expectedDimension: 2048),
                                 containing: "c.npz: key 'mu' has shape [2] but [2048] was expected")
        let almostPSD = FrechetStatistics(mu: [0, 0], sigma: [1, 1, 1, 1 - 1e-12])
        XCTAssertNoThrow(try almostPSD.validate())
    }

    /// The PSD bound is lambda_min >= -1e-6 lambda_max, whichever route (shifted Cholesky or
    /// eigenvalues) decides: a rotated diag(4, 1, lambda_min) on each side of -4e-6.
    func testPositiveSemidefiniteBoundIsLambdaMinAgainstLambdaMax() throws {
        let c = 0.6, s = 0.8
        let q = [[c, -s, 0], [s * c, c * c, -s], [s * s, s * c, c]]  // rows orthonormal
        func rotated(_ lambda: [Double]) -> FrechetStatistics {
            var sigma = [Double](repeating: 0, count: 9)
            for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { sigma[i * 3 + j] += q[k][i] * lambda[k] * q[k][j] } } }
            for i in 0..<3 { for j in 0..<i { sigma[i * 3 + j] = sigma[j * 3 + i] } }
            return FrechetStatistics(mu: [0, 0, 0], sigma: sigma)
        }
        for smallest in [0, -1e-9, -3e-6, -3.9e-6] {
            XCTAssertNoThrow(try rotated([4, 1, smallest]).validate(), "lambda_min = \(smallest)")
        }
        for smallest in [-4.2e-6, -1e-5, -0.5] {
            assertThrowsFrechetError(try rotated([4, 1, smallest]).validate(source: "r.npz"),
                                     containing: "r.npz: key 'sigma' is not positive semidefinite")
        }
    }
}
