import SeededRandom
import XCTest

@testable import Frechet

/// The paper's control: FD in a second space (FD_DINOv2) under each class-matching weighting,
/// checked against the Fréchet distance of the weighted mean and covariance of the rows,
/// computed here in float64 from the definitions. The second space is 2-dimensional, where
/// Tr (S_r S_w)^{1/2} has a closed form: the eigenvalues l1, l2 >= 0 of S_r S_w give
/// (sqrt l1 + sqrt l2)^2 = Tr(S_r S_w) + 2 sqrt(det S_r det S_w).
final class ClassMatchingControlTests: XCTestCase {
    /// FD(N(mu_r, S_r), N(mu_w, S_w)) of 2-d rows under weights w (summing to 1), with
    /// mu_w = sum w_i x_i and S_w = N/(N-1) sum w_i (x_i - mu_w)(x_i - mu_w)^T.
    private func frechetDistance2D(rows: [[Double]], weights w: [Double], mu r: [Double], sigma s: [Double]) -> Double {
        let n = Double(rows.count)
        var mu = [0.0, 0.0]
        for (x, wi) in zip(rows, w) { for k in 0..<2 { mu[k] += wi * x[k] } }
        var c = [0.0, 0.0, 0.0, 0.0]
        for (x, wi) in zip(rows, w) {
            for a in 0..<2 { for b in 0..<2 { c[a * 2 + b] += wi * (x[a] - mu[a]) * (x[b] - mu[b]) } }
        }
        c = c.map { $0 * n / (n - 1) }
        let traceProduct = s[0] * c[0] + s[1] * c[2] + s[2] * c[1] + s[3] * c[3]
        let determinants = (s[0] * s[3] - s[1] * s[2]) * (c[0] * c[3] - c[1] * c[2])
        let traceRoot = (traceProduct + 2 * determinants.squareRoot()).squareRoot()
        let meanTerm = (mu[0] - r[0]) * (mu[0] - r[0]) + (mu[1] - r[1]) * (mu[1] - r[1])
        return meanTerm + s[0] + s[3] + c[0] + c[3] - 2 * traceRoot
    }

    func testFDDINOv2UnderEachWeightingIsTheFrechetDistanceOfTheWeightedRows() throws {
        var random = TestRandom(seed: 77)
        let (d, classes, n) = (5, 4, 48)
        // Pool3 rows, classes (Top-1 by construction: the class's logit is highest) and 2-d
        // second-space rows, each rounded to Float as features files hold them.
        let labels = (0..<n).map { i in [0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3][i % 12] }
        let pool3 = (0..<n * d).map { k in Float(random.normal() + Double(labels[k / d])) }
        var logits: [Float] = []
        for c in labels {
            var row = (0..<classes).map { _ in Float(random.uniform()) }
            row[c] = 5
            row[(c + 1) % classes] = 4
            logits += row
        }
        let dino = (0..<n).map { i in [Double(Float(random.normal() + 0.3 * Double(labels[i]))),
                                       Double(Float(0.5 * random.normal() - 0.2))] }
        let histogram: [Int64] = [10, 30, 25, 35]
        let pool3Reference = random.statistics(dimension: d, columns: 8, ridge: 0.3, shift: 1)
        let dinoReference = FrechetStatistics(mu: [0.4, -0.1], sigma: [1.1, 0.3, 0.3, 0.5])
        let multiHot = try ClassMatching.topNStatistics(
            topClasses: (0..<40).map { [$0 % classes, ($0 + 1) % classes] }, classCount: classes, n: 2)

        var reference = ClassMatching.Analysis.Reference(pool3: pool3Reference, top1Histogram: histogram)
        reference.topNMultiHot = multiHot
        reference.otherFeatures = [.known(.dinov2): dinoReference]
        var generated = ClassMatching.Analysis.Generated(
            pool3: FeatureRows(pool3, dimension: d), logits: FeatureRows(logits, dimension: classes),
            topClasses: topClasses(logits, classes: classes, n: 2))
        generated.otherFeatures = [.known(.dinov2): FeatureRows(dino.flatMap { $0.map(Float.init) }, dimension: 2)]
        var options = ClassMatching.Analysis.Options()
        options.topN = 2
        options.optimizer = NullSpaceOptimizer(maximumIterations: 25)
        let analysis = try ClassMatching.Analysis(reference: reference, generated: generated, options: options)
        let control = try XCTUnwrap(analysis.otherFeatures.first)
        XCTAssertEqual(analysis.otherFeatures.count, 1)
        XCTAssertEqual(control.space, .known(.dinov2))
        XCTAssertEqual(control.space.distanceName, "FD_DINOv2")

        // Top-1 weights from their definition: p_ref(c) / p_gen(c) per image, normalised.
        let generatedCounts = (0..<classes).map { c in Double(labels.filter { $0 == c }.count) }
        let referenceTotal = Double(histogram.reduce(0, +))
        let raw = labels.map { c in (Double(histogram[c]) / referenceTotal) / (generatedCounts[c] / Double(n)) }
        let top1 = raw.map { $0 / raw.reduce(0, +) }
        func expected(_ w: [Double]) -> Double {
            frechetDistance2D(rows: dino, weights: w, mu: dinoReference.mu, sigma: dinoReference.sigma)
        }
        func assertClose(_ value: Double?, _ reference: Double, _ what: String) {
            guard let value else { return XCTFail("\(what) is nil") }
            XCTAssertEqual(value, reference, accuracy: 1e-10 * max(1, abs(reference)), what)
        }
        assertClose(control.fd, expected([Double](repeating: 1.0 / Double(n), count: n)), "uniform")
        assertClose(control.fdTop1Matched, expected(top1), "Top-1 matched")
        assertClose(control.fdTopNMatched, expected(try XCTUnwrap(analysis.topN?.weights)), "Top-2 matched")
        assertClose(control.fdPool3Weighted, expected(analysis.pool3Weighted.weights), "pool3-weighted")
        // The resamples are FID's own: the same seeded draws of N images with the pool3 weights.
        var draws = SplitMix64(seed: options.resamplingSeed)
        for k in 0..<options.resamplingDraws {
            var multiplicity = [Double](repeating: 0, count: n)
            for i in draws.draw(n, weights: analysis.pool3Weighted.weights) { multiplicity[i] += 1 }
            assertClose(control.fdPool3Resampled.values[k], expected(multiplicity.map { $0 / Double(n) }), "resample \(k)")
        }
        XCTAssertEqual(control.fdPool3Resampled.median, control.fdPool3Resampled.values.sorted()[1])
        // The control moves differently from FID: the weights are FID's, not FD_DINOv2's.
        XCTAssertNotEqual(control.fdTop1Matched! / control.fd, analysis.fidTop1Matched! / analysis.fid)
    }

    /// Known spaces come before named ones, whatever the names.
    func testOtherSpacesSortKnownFirst() {
        let spaces: [ClassMatching.OtherSpace] = [.named("clip"), .known(.dinov2), .named("a")]
        XCTAssertEqual(spaces.sorted(), [.known(.dinov2), .named("a"), .named("clip")])
        XCTAssertEqual(ClassMatching.OtherSpace.named("clip").distanceName, "FD in clip")
    }
}
