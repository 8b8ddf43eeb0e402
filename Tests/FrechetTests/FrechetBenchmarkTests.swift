import XCTest

import Frechet

/// Prints the d = 2048 timings when FIDVIZ_BENCHMARK=1 (run in release:
/// `FIDVIZ_BENCHMARK=1 swift test -c release --filter FrechetBenchmarkTests`); otherwise runs
/// a small dimension so the entry point stays exercised.
final class FrechetBenchmarkTests: XCTestCase {
    func testBenchmarkReportsEachMeasurement() throws {
        let full = ProcessInfo.processInfo.environment["FIDVIZ_BENCHMARK"] == "1"
        let report = try FrechetBenchmark.run(dimension: full ? 2048 : 64, features: full ? 9 : 2)
        print(report)
        XCTAssertTrue(report.contains("contribution precompute (O(d^3), once): "))
        XCTAssertTrue(report.contains("per-feature evaluate (O(d^2)): median "))
        XCTAssertTrue(report.contains("FID (plain, O(d^3)): "))
        XCTAssertTrue(report.contains("KID, one subset of 1000 rows: "))
    }
}
