import Foundation
import NumpyFiles
import XCTest

/// Two fidviz runs writing the same output at the same time (one over 3 images, one over 4):
/// both succeed, and what is left is one run's complete output, never a mixture, with no
/// temporary file or staging folder beside it.
final class ConcurrentWriteTests: FidvizTestCase {
    /// Starts every command of `runs` at once in `directory` and waits for all of them.
    private func together(_ runs: [[String]], in directory: URL) throws -> [FidvizRun] {
        let group = DispatchGroup()
        let lock = NSLock()
        var results: [Int: Result<FidvizRun, Error>] = [:]
        for (index, arguments) in runs.enumerated() {
            let home = try makeFolder("home")
            DispatchQueue.global().async(group: group) {
                let result = Result {
                    try FidvizBinary.run(arguments, environment: FidvizBinary.isolatedEnvironment(home: home),
                                         in: directory)
                }
                lock.lock()
                results[index] = result
                lock.unlock()
            }
        }
        group.wait()
        return try runs.indices.map { try XCTUnwrap(results[$0]).get() }
    }

    func testTwoStatsRunsWritingOneFileLeaveOneCompleteFile() throws {
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let three = try imageFolder(3, name: "three").path, four = try imageFolder(4, name: "four").path
        let work = try makeFolder()
        let runs = try together([["stats", three, "-o", "s.npz", "--quiet", "--weights", weights],
                                 ["stats", four, "-o", "s.npz", "--quiet", "--weights", weights]], in: work)
        for run in runs { XCTAssertEqual(run.status, 0, "\(run)") }
        XCTAssertEqual(try contents(of: work), ["s.npz"], "only the statistics file may be left")
        let arrays = try Npz.read(contentsOf: work.appendingPathComponent("s.npz"))
        let n = try XCTUnwrap(arrays["n"]?.int64s()?.first)
        XCTAssertTrue([3, 4].contains(n), "n = \(n)")
        XCTAssertEqual(arrays["mu"]?.shape, [2048])
        XCTAssertEqual(arrays["sigma"]?.shape, [2048, 2048])
        XCTAssertEqual(arrays["top1_hist"]?.int64s()?.reduce(0, +), n, "the histogram is of the same run as n")
    }

    func testTwoExplainRunsWritingOneReportLeaveOneCompleteReport() throws {
        let arguments = ["-o", "out", "--top", "1", "--best", "1", "--quiet",
                         "--ref", try ExplainCommandTests.reference.get().path,
                         "--weights", try TestRun.seededCheckpoint(.legacy).path]
        let three = try imageFolder(3, name: "three").path, four = try imageFolder(4, name: "four").path
        let work = try makeFolder()
        let runs = try together([[three] + arguments, [four] + arguments], in: work)
        for run in runs { XCTAssertEqual(run.status, 0, "\(run)") }
        XCTAssertEqual(try contents(of: work), ["out"], "a staging folder or a previous report was left")

        // report.json, images.csv, index.html and panels/ all describe the same run.
        let report = work.appendingPathComponent("out")
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
        let n = try XCTUnwrap(document["n"] as? Int)
        XCTAssertTrue([3, 4].contains(n), "n = \(n)")
        let images = try XCTUnwrap(document["images"] as? [[String: Any]])
        let files = images.compactMap { $0["file"] as? String }
        XCTAssertEqual(files.count, n)
        XCTAssertTrue(files.allSatisfy { $0.hasPrefix(n == 3 ? three : four) }, "\(files)")
        let csv = try String(contentsOf: report.appendingPathComponent("images.csv"), encoding: .utf8)
        XCTAssertEqual(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, n + 1)
        let panels = try contents(of: report.appendingPathComponent("panels"))
        XCTAssertEqual(Set(panels), Set(images.compactMap { $0["panel"] as? String }.map { String($0.dropFirst(7)) }))
        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("N = \(n) generated images"))
        XCTAssertTrue(html.hasSuffix("</html>\n"))
    }
}
