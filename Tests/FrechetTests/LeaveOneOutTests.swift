@testable import Frechet
import SeededRandom
import XCTest

/// The leave-one-out fast path against the direct route: for each member, the statistics of
/// the others, then `FIDContribution` with N = the set size.
final class LeaveOneOutTests: XCTestCase {
    func members(_ count: Int, dimension d: Int, seed: UInt64) -> [[Double]] {
        var generator = SplitMix64(seed: seed)
        func uniform() -> Double { generator.uniform() }
        var rows: [[Double]] = []
        for _ in 0 ..< count {
            var row: [Double] = []
            for k in 0 ..< d {
                let spread = Double(k % 3 + 1)
                row.append(uniform() * spread + 0.1 * Double(k))
            }
            rows.append(row)
        }
        return rows
    }

    func statistics(_ rows: [[Double]]) -> FrechetStatistics {
        let n = rows.count, d = rows[0].count
        let mu = (0 ..< d).map { k in rows.reduce(0) { $0 + $1[k] } / Double(n) }
        var sigma = [Double](repeating: 0, count: d * d)
        for row in rows {
            for i in 0 ..< d { for j in 0 ..< d { sigma[i * d + j] += (row[i] - mu[i]) * (row[j] - mu[j]) / Double(n - 1) } }
        }
        return FrechetStatistics(mu: mu, sigma: sigma, n: n)
    }

    func check(setSize: Int, dimension d: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let set = members(setSize, dimension: d, seed: UInt64(setSize * 31 + d))
        let reference = statistics(members(3 * d, dimension: d, seed: 99))
        let fast = try LeaveOneOutContribution(reference: reference, set: statistics(set))
        // N <= d: the zero eigenvalues' rounding noise counts (see `FrechetDistance.spectralTolerance`).
        let boundFull = setSize <= d
            ? FrechetDistance.spectralTolerance(eigenvalues: try symmetricRootSpectrum(reference: reference, generated: statistics(set)))
            : 0
        for i in 0 ..< setSize {
            var others = set
            others.remove(at: i)
            let direct = try FIDContribution(reference: reference, generated: statistics(others), n: setSize)
                .evaluate(feature: set[i])
            let result = fast.evaluate(member: set[i])
            // Ranking asks for ΔFID alone: the same numbers, no gradient.
            let ranking = fast.evaluate(member: set[i], gradient: false)
            XCTAssertEqual(ranking.deltaFID, result.deltaFID, "member \(i) ΔFID without the gradient", file: file, line: line)
            XCTAssertEqual(ranking.fidAfter, result.fidAfter, file: file, line: line)
            XCTAssertTrue(ranking.gradient.isEmpty, file: file, line: line)
            let directRanking = try FIDContribution(reference: reference, generated: statistics(others), n: setSize)
                .evaluate(feature: set[i], gradient: false)
            XCTAssertEqual(directRanking.deltaFID, direct.deltaFID, file: file, line: line)
            XCTAssertTrue(directRanking.gradient.isEmpty, file: file, line: line)
            let boundOthers = setSize <= d
                ? FrechetDistance.spectralTolerance(eigenvalues: try symmetricRootSpectrum(reference: reference, generated: statistics(others)))
                : 0
            let scale = abs(direct.fidAfter)
            XCTAssertEqual(result.fidAfter, direct.fidAfter, accuracy: 1e-9 * scale + boundFull + boundOthers,
                           "member \(i) FID after", file: file, line: line)
            XCTAssertEqual(result.deltaFID, direct.deltaFID, accuracy: 1e-8 * scale + boundFull + boundOthers,
                           "member \(i) ΔFID", file: file, line: line)
            let gradientScale = direct.gradient.map(abs).max()!
            let worst = zip(result.gradient, direct.gradient).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-8 * gradientScale, "member \(i) gradient", file: file, line: line)
        }
    }

    func testFullRankSet() throws { try check(setSize: 30, dimension: 8) }
    func testRankDeficientSetSmallerThanDimension() throws { try check(setSize: 5, dimension: 12) }
    func testThreeMembers() throws { try check(setSize: 3, dimension: 6) }

    func testTooFewMembersIsAnError() {
        let rows = members(2, dimension: 4, seed: 1)
        XCTAssertThrowsError(try LeaveOneOutContribution(reference: statistics(members(12, dimension: 4, seed: 2)),
                                                         set: statistics(rows)))
    }
}
