import Frechet
import Heatmap
import Report
import SeededRandom
import XCTest

/// The class-matching headline rests on what a resample achieves (the paper's measure), and
/// says so when the pool3-weighted FID tells another story, so the next row never contradicts it.
final class ClassMatchingHeadlineTests: XCTestCase {
    /// `n` generated rows in `d` dimensions against a reference of 4d Gaussian rows, with the
    /// section's numbers computed by `ClassMatching.Analysis` (no classes).
    private func section(n: Int, d: Int, seed: UInt64) throws -> ClassMatchingSection {
        var random = SplitMix64(seed: seed)
        let referenceRows = (0 ..< 4 * d * d).map { _ in random.normal() }
        let m = 4 * d
        var mu = [Double](repeating: 0, count: d), sigma = [Double](repeating: 0, count: d * d)
        for r in 0 ..< m { for i in 0 ..< d { mu[i] += referenceRows[r * d + i] / Double(m) } }
        for r in 0 ..< m {
            for i in 0 ..< d {
                for j in 0 ..< d {
                    sigma[i * d + j] += (referenceRows[r * d + i] - mu[i]) * (referenceRows[r * d + j] - mu[j]) / Double(m - 1)
                }
            }
        }
        let generated = (0 ..< n * d).map { k in 1.5 * random.normal() + (k % d == 0 ? 0.7 : 0) }
        var options = ClassMatching.Analysis.Options()
        options.optimizer = NullSpaceOptimizer(maximumIterations: 30)
        let analysis = try ClassMatching.Analysis(
            reference: .init(pool3: FrechetStatistics(mu: mu, sigma: sigma, n: m), top1Histogram: nil),
            generated: .init(pool3: FeatureRows(generated, dimension: d), logits: nil, topClasses: nil),
            options: options)
        return ClassMatchingSection(analysis: analysis, generatedCount: n, referenceCount: m, topN: 5,
                                    generatedTop1: nil, referenceHistogram: nil, images: nil, notes: [])
    }

    private func assertHeadlineFollowsTheResample(_ section: ClassMatchingSection, file: StaticString = #filePath,
                                                  line: UInt = #line) {
        let a = section.analysis, headline = section.headline
        let resampled = a.fidPool3Resampled.median
        XCTAssertLessThan(a.fidPool3Weighted, a.fid, "the weighted FID is a minimum", file: file, line: line)
        let weightedClaim = "lowers it by " + ClassMatchingSection.percent(1 - a.fidPool3Weighted / a.fid)
        if resampled < a.fid {
            XCTAssertTrue(headline.contains("lowers it by " + ClassMatchingSection.percent(1 - resampled / a.fid)),
                          headline, file: file, line: line)
        } else {
            XCTAssertTrue(headline.contains("does not lower it"), headline, file: file, line: line)
            XCTAssertFalse(headline.contains(weightedClaim), headline, file: file, line: line)
            XCTAssertTrue(headline.contains("is no estimate of what a resample reaches"), headline, file: file, line: line)
        }
        if section.generatedCount < a.dimension {
            XCTAssertTrue(headline.contains("with \(section.generatedCount) images in \(a.dimension) dimensions"),
                          headline, file: file, line: line)
        }
        XCTAssertTrue(headline.contains("the share due to Top-1 class mismatch is unknown"), headline, file: file, line: line)
    }

    /// Fewer images than dimensions: the weighted covariance is singular and the weighted FID far
    /// below what any resample gets; the headline says what the resample does.
    func testFewerImagesThanDimensions() throws {
        let small = try section(n: 8, d: 16, seed: 3)
        XCTAssertGreaterThan(small.analysis.fidPool3Resampled.median, 1.1 * small.analysis.fidPool3Weighted,
                             "the case the headline must not hide")
        assertHeadlineFollowsTheResample(small)
    }

    func testMoreImagesThanDimensions() throws {
        assertHeadlineFollowsTheResample(try section(n: 120, d: 4, seed: 5))
    }
}
