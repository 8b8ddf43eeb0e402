import Foundation
import Frechet
import NumpyFiles
import TestSupport
import XCTest

/// Defects found by running fidviz as a user would, each pinned by the run that showed it.
final class UserDefectTests: FidvizTestCase {
    private func json(_ run: FidvizRun) throws -> [String: Any] {
        XCTAssertEqual(run.status, 0, "\(run)")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
    }

    /// `classes GEN.npz --ref REF.npz` with two `fidviz features` files: the reference's logit
    /// statistics are formed from its rows, so `fd_logits` is a number, and it is the one that
    /// `fidviz stats` of the same reference images gives.
    func testClassesOnTwoFeaturesFilesReportsTheLogitDistance() throws {
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let generated = try imageFolder(5, name: "gen"), reference = try imageFolder(6, name: "ref")
        let work = try makeFolder()
        let genFeatures = work.appendingPathComponent("gen.npz").path
        let refFeatures = work.appendingPathComponent("ref.npz").path
        let refStats = work.appendingPathComponent("ref-stats.npz").path
        for (command, folder, output) in [("features", generated, genFeatures), ("features", reference, refFeatures),
                                          ("stats", reference, refStats)] {
            let run = try fidviz([command, folder.path, "-o", output, "--weights", weights, "--quiet"])
            XCTAssertEqual(run.status, 0, "\(run)")
        }
        let fromFeatures = try json(try fidviz(["classes", genFeatures, "--ref", refFeatures, "--json", "--quiet",
                                                "--max-iterations", "5"]))
        let fromStats = try json(try fidviz(["classes", genFeatures, "--ref", refStats, "--json", "--quiet",
                                             "--max-iterations", "5"]))
        let fd = try XCTUnwrap(fromFeatures["fd_logits"] as? Double, "fd_logits is \(fromFeatures["fd_logits"] ?? "absent")")
        let expected = try XCTUnwrap(fromStats["fd_logits"] as? Double)
        XCTAssertEqual(fd, expected, accuracy: 1e-9 * expected)
        XCTAssertNotNil(fromFeatures["fd_logits_top1_matched"] as? Double)
    }

    /// `--features` listing images that are not on this machine, with nothing to explain: the
    /// report is written, its thumbnails and image grids left out with a note. With an image to
    /// explain missing, the run stops at once, naming it, and leaves no report.
    func testFeaturesOfImagesElsewhereNeedNoImagesUntilOneIsExplained() throws {
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let images = try imageFolder(6, name: "cluster")
        let work = try makeFolder()
        let made = work.appendingPathComponent("made.npz")
        XCTAssertEqual(try fidviz(["features", images.path, "-o", made.path, "--weights", weights, "--quiet"]).status, 0)
        // The same rows, listed under paths that do not exist here.
        var arrays = try Npz.read(contentsOf: made)
        let names = (0 ..< 6).map { "/nowhere/cluster/g\($0).png" }
        arrays["files"] = NpyArray(shape: [6], values: .unicode(names))
        let features = work.appendingPathComponent("elsewhere.npz")
        try NpzFile.write(arrays.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: features)

        let reference = try ExplainCommandTests.reference.get().path
        let report = work.appendingPathComponent("report")
        let run = try fidviz(["--features", features.path, "--ref", reference, "--top", "0", "--best", "0",
                              "-o", report.path, "--weights", weights])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stderr.contains("note: 6 of the 6 images are not on this machine (first: /nowhere/cluster/g0.png)"),
                      run.stderr)
        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("6 of the 6 images are not on this machine"), "the note is in the report")
        XCTAssertFalse(FileManager.default.fileExists(atPath: report.appendingPathComponent("thumbs").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: report.appendingPathComponent("class-matching/low-01.png").path))
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
        XCTAssertEqual((document["images"] as? [Any])?.count, 6)

        let failed = work.appendingPathComponent("failed")
        let stopped = try fidviz(["--features", features.path, "--ref", reference, "--top", "1", "--best", "0",
                                  "-o", failed.path, "--weights", weights, "--quiet"])
        XCTAssertEqual(stopped.status, 1, "\(stopped)")
        XCTAssertEqual(stopped.stderrLines.count, 1, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("/nowhere/cluster/g") && stopped.stderr.contains("one of the images to explain (rank 1)"),
                      stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: failed.path), "no report, not even a half one")
    }

    /// A features file of pool3 only: rows have no class. report.json gives `top1` null and an
    /// empty `top5` for them, and no class sum counts them (an explained row gets its class from
    /// the network in phase 2).
    func testRowsWithoutLogitsHaveNoClass() throws {
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let images = try imageFolder(6, name: "pool3-only")
        let work = try makeFolder()
        let made = work.appendingPathComponent("made.npz")
        XCTAssertEqual(try fidviz(["features", images.path, "-o", made.path, "--weights", weights, "--quiet"]).status, 0)
        var arrays = try Npz.read(contentsOf: made)
        arrays["logits"] = nil
        let features = work.appendingPathComponent("pool3.npz")
        try NpzFile.write(arrays.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: features)

        let report = work.appendingPathComponent("report")
        let run = try fidviz(["--features", features.path, "--ref", try ExplainCommandTests.reference.get().path,
                              "--top", "1", "--best", "0", "-o", report.path, "--weights", weights, "--quiet"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
        let rows = try XCTUnwrap(document["images"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 6)
        XCTAssertNotNil(rows[0]["top1"] as? [String: Any], "the explained image has its class from phase 2")
        for row in rows.dropFirst() {
            XCTAssertTrue(row["top1"] is NSNull, "\(row["file"] ?? "?"): top1 is \(row["top1"] ?? "absent")")
            XCTAssertEqual((row["top5"] as? [Any])?.count, 0)
        }
        let classes = try XCTUnwrap(document["classes"] as? [[String: Any]])
        XCTAssertEqual(classes.compactMap { $0["count"] as? Int }.reduce(0, +), 1, "only the explained image has a class")
        let csv = parseCSV(try String(contentsOf: report.appendingPathComponent("images.csv"), encoding: .utf8))
        XCTAssertEqual(csv.dropFirst(2).map { Array($0[2 ... 4]) }, Array(repeating: ["", "", ""], count: 5),
                       "no class index, label or probability in images.csv")
    }

    /// `fid --help` says which key --json uses for which kind of features, beside the text output.
    func testFIDHelpNamesTheJSONKeyBesideTheTextOutput() throws {
        let run = try fidviz(["fid", "--help"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let lines = run.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertTrue(lines.contains { $0.contains("text `FID: <value>`") && $0.contains("--json key `fid`") }, run.stdout)
        XCTAssertTrue(lines.contains { $0.contains("text `FD: <value>`") && $0.contains("--json `fd`, `dimension`") }, run.stdout)
    }
}
