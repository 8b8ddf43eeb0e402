import Foundation
import FuzzEntryPoints
import TestSupport
import XCTest

/// Every file in `Tests/Fixtures/fuzz/<target>/` (inputs the fuzz campaigns found, minimised) goes
/// through the same `FuzzTarget.feed` as the harness: the parser must return or throw its own
/// one-line error. The exact error for each finding is asserted in its parser's tests.
final class FuzzRegressionTests: XCTestCase {
    func testPickle() throws { try feedRegressionFiles(.pickle) }
    func testCheckpoint() throws { try feedRegressionFiles(.checkpoint) }
    func testNpy() throws { try feedRegressionFiles(.npy) }
    func testNpz() throws { try feedRegressionFiles(.npz) }
    func testStatistics() throws { try feedRegressionFiles(.statistics) }
    func testPNG() throws { try feedRegressionFiles(.png) }
    func testHuman() throws { try feedRegressionFiles(.human) }

    func testEveryTargetHasARegressionFolder() {
        for target in FuzzTarget.allCases {
            XCTAssertFalse(regressionFiles(target).isEmpty, "Tests/Fixtures/fuzz/\(target.rawValue) is empty")
        }
    }

    private func feedRegressionFiles(_ target: FuzzTarget) throws {
        for url in regressionFiles(target) {
            let data = try Data(contentsOf: url)
            XCTAssertNoThrow(try target.feed(data), "\(target.rawValue)/\(url.lastPathComponent)")
        }
    }

    private func regressionFiles(_ target: FuzzTarget) -> [URL] {
        let folder = Fixtures.url("fuzz/\(target.rawValue)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { folder.appendingPathComponent($0) }
    }
}
