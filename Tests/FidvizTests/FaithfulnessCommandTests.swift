import Foundation
import Pixels
import TestSupport
import XCTest

/// `fidviz explain --faithfulness` end to end: report.json's `faithfulness` keys, the ROAD plots
/// on the card and the table on the page; and the options' errors.
final class FaithfulnessCommandTests: FidvizTestCase {
    func explain(_ arguments: [String]) throws -> FidvizRun {
        try fidviz(arguments + ["--ref", try ExplainCommandTests.reference.get().path,
                                "--weights", try TestRun.seededCheckpoint(.legacy).path], timeout: 900)
    }

    func testROADCurvesInJSONPlotsAndTable() throws {
        let work = try makeFolder()
        let report = work.appendingPathComponent("report")
        let horse = ExplainCommandTests.samples.appendingPathComponent("horse.png")
        // FID's map and Grad-CAM of ΔFID: one target, 1 + 27 + 2 x 18 forward passes.
        let run = try explain([horse.path, "-o", report.path, "--faithfulness", "--cam-target", "delta_fid"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stderr.contains("faithfulness"), "the time note names the phase: \(run.stderr)")

        let json = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
        let entry = try XCTUnwrap((json["images"] as? [[String: Any]])?.first)
        XCTAssertNotNil(entry["gradcam_delta_fid"] as? [[Double]])
        XCTAssertNil(entry["gradcam_top1"], "--cam-target delta_fid only")
        let faithfulness = try XCTUnwrap(entry["faithfulness"] as? [String: [String: [String: Any]]])
        XCTAssertEqual(Set(faithfulness.keys), ["sensitivity", "gradcam_delta_fid"])
        let delta = try XCTUnwrap(entry["delta_fid"] as? Double)
        for (kind, perLayer) in faithfulness {
            XCTAssertEqual(Array(perLayer.keys), ["mixed_7c"], kind)
            let road = try XCTUnwrap(perLayer["mixed_7c"])
            XCTAssertEqual(Set(road.keys), ["target", "fractions", "morf", "lerf", "random", "score"], kind)
            XCTAssertEqual(road["target"] as? String, "delta_fid")
            XCTAssertEqual(road["fractions"] as? [Double], [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
            let morf = try XCTUnwrap(road["morf"] as? [Double]), lerf = try XCTUnwrap(road["lerf"] as? [Double])
            let random = try XCTUnwrap(road["random"] as? [Double])
            XCTAssertEqual([morf.count, lerf.count, random.count], [10, 10, 10])
            // The curves start at the image's own ΔFID (the 299 x 299 input the network resizes to
            // anyway; another batch size may round differently).
            XCTAssertEqual(morf[0], delta, accuracy: 1e-3 * abs(delta), kind)
            XCTAssertEqual(Set([morf[0], lerf[0], random[0]]).count, 1)
            XCTAssertNotEqual(morf, lerf, "removal changed nothing")
            let score = try XCTUnwrap(road["score"] as? Double)
            let expected = (1 ... 9).reduce(0.0) { $0 + (lerf[$1] - morf[$1]) / morf[0] } / 9
            XCTAssertEqual(score, expected, accuracy: 1e-12 * max(1, abs(expected)))
        }
        // Both maps share the random baseline.
        XCTAssertEqual(faithfulness["sensitivity"]?["mixed_7c"]?["random"] as? [Double],
                       faithfulness["gradcam_delta_fid"]?["mixed_7c"]?["random"] as? [Double])

        let plot = report.appendingPathComponent("panels/0001-horse.road-sensitivity-mixed_7c.png")
        let png = try PNGDecoder.decode(contentsOf: plot)
        XCTAssertEqual([png.width, png.height], [360, 240])
        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("panels/0001-horse.road-sensitivity-mixed_7c.png"))
        XCTAssertTrue(html.contains("panels/0001-horse.road-gradcam_delta_fid-mixed_7c.png"))
        XCTAssertTrue(html.contains("Which map to believe"))
        XCTAssertTrue(html.contains("Most faithful map on this set"))
    }

    /// Usage errors: exit 64 and, with --quiet, one line naming the option.
    func testBadOptionsAreOneLineErrors() throws {
        let horse = ExplainCommandTests.samples.appendingPathComponent("horse.png").path
        let work = try makeFolder()
        let cases: [([String], [String])] = [
            (["--cam", "gradcam,nope"], ["--cam"]),
            (["--cam", "gradcam,gradcam"], ["--cam", "once"]),
            (["--cam-target", "top5"], ["--cam-target"]),
            (["--faithfulness", "--backbone", "dinov2-vits14"], ["--faithfulness", "inception"]),
        ]
        for (k, (options, fragments)) in cases.enumerated() {
            let run = try explain([horse, "-o", work.appendingPathComponent("r\(k)").path, "--quiet"] + options)
            XCTAssertEqual(run.status, 64, "\(options): \(run)")
            XCTAssertEqual(run.stderrLines.count, 1, "\(options): \(run)")
            for fragment in fragments {
                XCTAssertTrue(run.stderr.contains(fragment), "\(options): '\(fragment)' not in \(run.stderr)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("r\(k)").path))
        }
    }
}
