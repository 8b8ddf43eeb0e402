import XCTest

@testable import Frechet

/// The O(d^2) contribution path against the plain O(d^3) path and finite differences.
final class FIDContributionTests: XCTestCase {
    /// FIDs must agree to 1e-12 relative; on singular statistics (`singular`) also to within
    /// `FrechetDistance.spectralTolerance` of the spectra involved, since the sqrt of each near-zero
    /// eigenvalue is rounding noise that the rank-one update and a fresh eigendecomposition
    /// produce differently.
    private func compare(reference: FrechetStatistics, generated: FrechetStatistics, n: Int,
                         feature: [Double], gradientTolerance: Double, singular: Bool = false,
                         file: StaticString = #filePath, line: UInt = #line) throws
    {
        let fast = try FIDContribution(reference: reference, generated: generated, n: n)
        let plainBefore = try FrechetDistance.distance(reference: reference, generated: generated)
        let result = fast.evaluate(feature: feature)
        let plain = try FIDContribution.referenceContribution(
            reference: reference, generated: generated, n: n, feature: feature)
        var boundBefore = 0.0
        var boundAfter = 0.0
        if singular {
            let d = reference.dimension
            let count = Double(n)
            let after = FrechetStatistics(
                mu: generated.mu,  // the spectrum does not depend on the mean
                sigma: (0..<(d * d)).map { k in
                    let (i, j) = (k / d, k % d)
                    return (count - 2) / (count - 1) * generated.sigma[k]
                        + (feature[i] - generated.mu[i]) * (feature[j] - generated.mu[j]) / count
                })
            boundBefore = FrechetDistance.spectralTolerance(
                eigenvalues: try symmetricRootSpectrum(reference: reference, generated: generated))
            boundAfter = FrechetDistance.spectralTolerance(
                eigenvalues: try symmetricRootSpectrum(reference: reference, generated: after))
        }
        XCTAssertEqual(fast.fidBefore, plainBefore, accuracy: 1e-12 * plainBefore + boundBefore,
                       file: file, line: line)
        XCTAssertEqual(result.fidAfter, plain.fidAfter,
                       accuracy: 1e-12 * plain.fidAfter + boundAfter, "fid_after", file: file,
                       line: line)
        XCTAssertEqual(result.deltaFID, plain.deltaFID,
                       accuracy: 1e-12 * plain.fidAfter + 1e-9 * abs(plain.deltaFID) + boundBefore
                           + boundAfter, "deltaFID", file: file, line: line)
        XCTAssertEqual(result.fidAfter - fast.fidBefore, result.deltaFID,
                       accuracy: 1e-12 * plain.fidAfter, file: file, line: line)
        assertClose(result.gradient, plain.gradient, rtol: gradientTolerance, "gradient",
                    file: file, line: line)
    }

    func testFastPathMatchesDirectPathOnGeneralStatistics() throws {
        var random = TestRandom(seed: 31)
        let d = 64
        let reference = random.statistics(dimension: d, columns: 100, ridge: 0.05)
        let generated = random.statistics(dimension: d, columns: 100, ridge: 0.05, shift: 0.3)
        for n in [2, 3, 50, 50_000] {
            // n = 2: S' = u u^T / 2 has rank one.
            try compare(reference: reference, generated: generated, n: n,
                        feature: random.normals(d, scale: 2), gradientTolerance: 1e-12,
                        singular: n == 2)
        }
    }

    /// sigma = b b^T + ridge I as in the golden fixture: huge clusters of equal eigenvalues
    /// that the rank-one solver must deflate.
    func testFastPathMatchesDirectPathOnLowRankPlusRidge() throws {
        var random = TestRandom(seed: 32)
        let d = 160
        let reference = random.statistics(dimension: d, columns: 6, ridge: 0.01)
        let generated = random.statistics(dimension: d, columns: 6, ridge: 0.01, shift: 1)
        try compare(reference: reference, generated: generated, n: 50_000,
                    feature: random.normals(d, scale: 3), gradientTolerance: 1e-9)
    }

    /// No ridge, fewer samples than dimensions: singular S_r, S_g and M'. Everything stays
    /// finite and both paths apply the same pseudo-inverse rule.
    func testRankDeficientStatisticsStayFinite() throws {
        var random = TestRandom(seed: 33)
        let d = 40
        let reference = random.statistics(dimension: d, columns: 7, ridge: 0)
        let generated = random.statistics(dimension: d, columns: 5, ridge: 0)
        let fast = try FIDContribution(reference: reference, generated: generated, n: 6)
        let result = fast.evaluate(feature: random.normals(d))
        XCTAssertTrue(result.fidAfter.isFinite && result.deltaFID.isFinite)
        XCTAssertTrue(result.gradient.allSatisfy { $0.isFinite })
        try compare(reference: reference, generated: generated, n: 6,
                    feature: random.normals(d), gradientTolerance: 1e-10, singular: true)
        // A feature equal to the generated mean adds no direction: S' = c S_g.
        let atMean = fast.evaluate(feature: generated.mu)
        XCTAssertTrue(atMean.gradient.allSatisfy { $0.isFinite })
    }

    func testGradientMatchesFiniteDifferences() throws {
        var random = TestRandom(seed: 34)
        let d = 8
        let reference = random.statistics(dimension: d, columns: 20, ridge: 0.2)
        let generated = random.statistics(dimension: d, columns: 20, ridge: 0.2, shift: 0.5)
        let n = 10
        let contribution = try FIDContribution(reference: reference, generated: generated, n: n)
        let f = random.normals(d, scale: 1.5)
        let gradient = contribution.evaluate(feature: f).gradient
        let step = 1e-4
        var numeric = [Double](repeating: 0, count: d)
        for k in 0..<d {
            var plus = f
            var minus = f
            plus[k] += step
            minus[k] -= step
            numeric[k] = (contribution.evaluate(feature: plus).fidAfter
                - contribution.evaluate(feature: minus).fidAfter) / (2 * step)
        }
        assertClose(gradient, numeric, rtol: 1e-7, "dFID/df")
        XCTAssertGreaterThan(gradient.map(abs).max()!, 1e-2, "the check must not be vacuous")
    }

    func testNonFiniteFeatureGivesNaNWithoutWork() throws {
        var random = TestRandom(seed: 35)
        let statistics = random.statistics(dimension: 6, columns: 10, ridge: 0.1)
        let contribution = try FIDContribution(reference: statistics, generated: statistics, n: 9)
        var f = random.normals(6)
        f[3] = .nan
        let result = contribution.evaluate(feature: f)
        XCTAssertTrue(result.fidAfter.isNaN && result.deltaFID.isNaN)
        XCTAssertTrue(result.gradient.allSatisfy { $0.isNaN })
    }

    func testTooSmallSetAndMismatchedStatisticsThrow() {
        let two = FrechetStatistics(mu: [0, 0], sigma: [1, 0, 0, 1])
        assertThrowsFrechetError(try FIDContribution(reference: two, generated: two, n: 1),
                                 containing: "generated set: 1 sample(s) given but at least 2")
        let three = FrechetStatistics(mu: [0, 0, 0], sigma: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        assertThrowsFrechetError(try FIDContribution(reference: two, generated: three, n: 5),
                                 containing: "feature dimension 3 does not match 2")
    }
}
