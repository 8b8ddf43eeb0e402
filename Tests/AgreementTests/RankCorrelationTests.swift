@testable import Agreement
import Foundation
import SeededRandom
import TestSupport
import XCTest

/// Spearman's rho and its bootstrap interval against known answers and scipy's float64 values
/// (Tests/Fixtures/agreement/golden.json, written by make_golden.py).
final class RankCorrelationTests: XCTestCase {
    func testMonotoneDataGivesOneAndReversedGivesMinusOne() {
        let x = [0.3, -1.0, 2.5, 7.0, 1.25]
        let increasing = x.map { exp($0) }  // same order, other values
        XCTAssertEqual(RankCorrelation.spearman(x, increasing), 1)
        XCTAssertEqual(RankCorrelation.spearman(x, increasing.map { -$0 }), -1)
    }

    /// Two swapped ranks of ten: 1 - 6 Σd² / (n (n² - 1)) = 1 - 6 * 98 / 990 = 67/165.
    func testOneSwapGivesTheTextbookValue() {
        let x = (0 ..< 10).map(Double.init)
        var y = x
        y.swapAt(1, 8)
        XCTAssertEqual(RankCorrelation.spearman(x, y), 67.0 / 165.0, accuracy: 1e-15)
    }

    func testAverageRanksAndTiesAsScipyHasThem() throws {
        let golden = try Golden.load()
        let ties = try XCTUnwrap(golden["ties"] as? [[String: Any]])
        XCTAssertEqual(ties.count, 3)
        for (k, entry) in ties.enumerated() {
            let x = try Golden.doubles(entry["x"]), y = try Golden.doubles(entry["y"])
            XCTAssertEqual(RankCorrelation.averageRanks(x), try Golden.doubles(entry["ranks_x"]), "case \(k)")
            let expected = try XCTUnwrap(entry["spearman"] as? Double)
            XCTAssertEqual(RankCorrelation.spearman(x, y), expected, accuracy: 1e-12, "case \(k)")
        }
    }

    func testNonFinitePairsAreLeftOut() {
        let x = [1.0, .nan, 3, 4, .infinity, 2]
        let y = [2.0, 5, .nan, 1, 0, 3]
        XCTAssertEqual(RankCorrelation.spearman(x, y), RankCorrelation.spearman([1, 4, 2], [2, 1, 3]))
        XCTAssertEqual(RankCorrelation.spearman([1, 4, 2], [2, 1, 3]), -0.5, accuracy: 1e-15)
    }

    func testTooFewPairsOrAConstantSideGiveNaN() {
        XCTAssertTrue(RankCorrelation.spearman([], []).isNaN)
        XCTAssertTrue(RankCorrelation.spearman([1], [2]).isNaN)
        XCTAssertTrue(RankCorrelation.spearman([1, .nan, 3], [2, 1, .nan]).isNaN)
        XCTAssertTrue(RankCorrelation.spearman([1, 2, 3], [4, 4, 4]).isNaN)
        XCTAssertNil(RankCorrelation.bootstrapInterval([1, 2, 3], [4, 4, 4]))
        XCTAssertNil(RankCorrelation.bootstrapInterval([1], [2]))
    }

    func testQuantileInterpolatesLinearlyBetweenOrderStatistics() {
        let sorted = [1.0, 2, 4, 8, 16]
        XCTAssertEqual(RankCorrelation.quantile(sorted: sorted, 0), 1)
        XCTAssertEqual(RankCorrelation.quantile(sorted: sorted, 1), 16)
        XCTAssertEqual(RankCorrelation.quantile(sorted: sorted, 0.5), 4)
        XCTAssertEqual(RankCorrelation.quantile(sorted: sorted, 0.625), 6)  // position 2.5, as np.percentile
        XCTAssertEqual(RankCorrelation.quantile(sorted: sorted, 0.975), 15.2, accuracy: 1e-12)  // position 3.9
    }

    // MARK: - Bootstrap

    /// The same resampling indices in Python (make_golden.py draws them from SplitMix64 as fidviz
    /// does) and scipy's rho of each resample give np.percentile's interval.
    func testBootstrapIntervalMatchesScipyOverTheSameResamples() throws {
        let golden = try Golden.load()
        let match = try Golden.humanMatch(golden)
        let bootstrap = try XCTUnwrap(golden["bootstrap"] as? [String: [[String: Any]]])
        for (space, key) in [("fid_human", "delta_fid"), ("fd_dinov2_human", "delta_fd_dinov2")] {
            let deltas = try Golden.optionalDoubles(golden[key]).map { $0 ?? .nan }
            let (x, y) = match.scoredPairs(deltas)
            for entry in try XCTUnwrap(bootstrap[space]) {
                let resamples = try XCTUnwrap(entry["resamples"] as? Int)
                let level = try XCTUnwrap(entry["level"] as? Double)
                let seed = try XCTUnwrap(entry["seed"] as? Int)
                let interval = try XCTUnwrap(RankCorrelation.bootstrapInterval(
                    x, y, resamples: resamples, level: level, seed: UInt64(seed)))
                XCTAssertEqual(interval.lowerBound, try XCTUnwrap(entry["low"] as? Double), accuracy: 1e-12, "\(space) seed \(seed)")
                XCTAssertEqual(interval.upperBound, try XCTUnwrap(entry["high"] as? Double), accuracy: 1e-12, "\(space) seed \(seed)")
            }
        }
    }

    func testBootstrapIsDeterministicGivenTheSeed() throws {
        let (x, y) = correlated(count: 60, noise: 0.5, seed: 1)
        let first = try XCTUnwrap(RankCorrelation.bootstrapInterval(x, y, resamples: 300, seed: 9))
        XCTAssertEqual(RankCorrelation.bootstrapInterval(x, y, resamples: 300, seed: 9), first)
        XCTAssertNotEqual(RankCorrelation.bootstrapInterval(x, y, resamples: 300, seed: 10), first)
    }

    func testBootstrapIntervalHoldsTheEstimateAndNarrowsWithMoreImages() throws {
        var widths: [Double] = []
        for count in [30, 120, 480] {
            let (x, y) = correlated(count: count, noise: 0.6, seed: UInt64(count))
            let rho = RankCorrelation.spearman(x, y)
            let interval = try XCTUnwrap(RankCorrelation.bootstrapInterval(x, y, resamples: 400, seed: 3))
            XCTAssertTrue(interval.contains(rho), "n = \(count): \(rho) outside \(interval)")
            XCTAssertGreaterThan(rho, 0.5, "n = \(count)")
            widths.append(interval.upperBound - interval.lowerBound)
        }
        XCTAssertGreaterThan(widths[0], widths[1])
        XCTAssertGreaterThan(widths[1], widths[2])
        // A narrower level gives a narrower interval from the same resamples.
        let (x, y) = correlated(count: 100, noise: 0.6, seed: 5)
        let wide = try XCTUnwrap(RankCorrelation.bootstrapInterval(x, y, level: 0.95))
        let narrow = try XCTUnwrap(RankCorrelation.bootstrapInterval(x, y, level: 0.5))
        XCTAssertTrue(wide.lowerBound < narrow.lowerBound && narrow.upperBound < wide.upperBound, "\(wide) \(narrow)")
    }

    func testEstimateCountsTheFinitePairs() {
        let estimate = SpearmanEstimate([1, 2, .nan, 4, 5], [1, 3, 2, 5, 4], resamples: 50)
        XCTAssertEqual(estimate.count, 4)
        XCTAssertEqual(estimate.rho, RankCorrelation.spearman([1, 2, 4, 5], [1, 3, 5, 4]))
        XCTAssertEqual(estimate.interval, RankCorrelation.bootstrapInterval([1, 2, 4, 5], [1, 3, 5, 4], resamples: 50))
    }

    private func correlated(count: Int, noise: Double, seed: UInt64) -> ([Double], [Double]) {
        var generator = SplitMix64(seed: seed)
        let x = (0 ..< count).map { _ in generator.normal() }
        return (x, x.map { $0 + noise * generator.normal() })
    }
}
