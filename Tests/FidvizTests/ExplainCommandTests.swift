import Autograd
import Foundation
import Frechet
import InceptionGraph
import Pixels
import _SeededWeights
import Sensitivity
import TestSupport
import XCTest

/// `fidviz <image> --ref REF` end to end: the figure, index.html and report.json.
final class ExplainCommandTests: FidvizTestCase {
    static let samples = Fixtures.repository.appendingPathComponent("samples/reference")

    /// REF = `fidviz stats samples/reference` with the seeded weights; made once per run.
    static let reference: Result<URL, Error> = Result {
        let folder = try TestRun.folder("explain-reference")
        let url = folder.appendingPathComponent("ref.npz")
        let run = try FidvizBinary.run(["stats", samples.path, "-o", url.path, "--quiet",
                                        "--weights", try TestRun.seededCheckpoint(.legacy).path],
                                       environment: FidvizBinary.isolatedEnvironment(home: folder), in: folder)
        guard run.status == 0 else { throw FidvizTestError("fidviz stats failed: \(run)") }
        return url
    }

    func explain(_ arguments: [String]) throws -> FidvizRun {
        try fidviz(arguments + ["--ref", try Self.reference.get().path,
                                "--weights", try TestRun.seededCheckpoint(.legacy).path])
    }

    func testChelseaFigureHTMLAndJSON() throws {
        let work = try makeFolder()
        let report = work.appendingPathComponent("report")
        let chelsea = Self.samples.appendingPathComponent("chelsea.png")
        let run = try explain([chelsea.path, "-o", report.path])
        XCTAssertEqual(run.status, 0, "\(run)")

        // One PNG at the image's own height, panels side by side: original | sensitivity | Grad-CAM.
        let panels = try FileManager.default.contentsOfDirectory(atPath: report.appendingPathComponent("panels").path)
        XCTAssertEqual(panels, ["0001-chelsea.png"])
        let figure = try PNGDecoder.decode(contentsOf: report.appendingPathComponent("panels/0001-chelsea.png"))
        let image = try PNGDecoder.decode(contentsOf: chelsea)
        XCTAssertEqual(figure.height, image.height)
        XCTAssertGreaterThanOrEqual(figure.width, 3 * image.width)
        // The sensitivity panel (second) is the photo recoloured, not the photo.
        var difference = 0.0
        for y in image.height / 4 ..< 3 * image.height / 4 {
            for x in 0 ..< image.width {
                for c in 0 ..< 3 {
                    let original = Double(figure.rgb[(y * figure.width + x) * 3 + c])
                    let heat = Double(figure.rgb[(y * figure.width + image.width + x) * 3 + c])
                    difference += abs(original - heat)
                }
            }
        }
        XCTAssertGreaterThan(difference / Double(image.width * image.height / 2 * 3), 10)

        // index.html: a complete page with the image's card.
        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>") || html.hasPrefix("<!doctype html>"), String(html.prefix(40)))
        XCTAssertTrue(html.contains("</html>"))
        XCTAssertTrue(html.contains("panels/0001-chelsea.png"))
        XCTAssertTrue(html.contains("chelsea.png"))

        // report.json: the documented keys, and maps equal to the library's.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["fid", "n", "gen_source", "images", "classes"])
        let images = try XCTUnwrap(json["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 1)
        let entry = images[0]
        XCTAssertEqual(Set(entry.keys), ["file", "width", "height", "top1", "top5", "fid_before", "fid_after", "delta_fid",
                                          "explained", "sensitivity", "gradcam_top1", "panel"])
        XCTAssertEqual(entry["explained"] as? Bool, true)
        XCTAssertEqual(entry["panel"] as? String, "panels/0001-chelsea.png")
        XCTAssertEqual(entry["width"] as? Int, image.width)
        XCTAssertEqual(entry["height"] as? Int, image.height)

        let library = try libraryExplanation(of: chelsea)
        let sensitivity = try XCTUnwrap((entry["sensitivity"] as? [String: Any])?["mixed_7c"] as? [[Double]])
        XCTAssertEqual(sensitivity.count, 8)
        XCTAssertLessThanOrEqual(relativeError(sensitivity.flatMap { $0 }, library.maps.sensitivity["mixed_7c"]!.values), 1e-6)
        let cam = try XCTUnwrap(entry["gradcam_top1"] as? [[Double]])
        XCTAssertLessThanOrEqual(relativeError(cam.flatMap { $0 }, library.maps.gradCAMTop1["mixed_7c"]!.values), 1e-6)
        let delta = try XCTUnwrap(entry["delta_fid"] as? Double)
        XCTAssertEqual(delta, library.contribution.deltaFID, accuracy: 1e-9 * abs(delta))
        XCTAssertEqual((entry["top1"] as? [String: Any])?["index"] as? Int, library.top1)
    }

    /// What the library gives for one image against the same REF (perfect generator, N = ref's n).
    func libraryExplanation(of file: URL) throws -> Explanation {
        let weights = try InceptionWeights(contentsOf: try TestRun.seededCheckpoint(.legacy))
        let reference = try StatisticsFile.read(contentsOf: try Self.reference.get()).statistics
        let contribution = try FIDContribution(reference: reference, generated: reference, n: reference.n!)
        let pixels = ImagePreprocessing.pixels01(of: try PNGDecoder.decode(contentsOf: file))
        // fidviz runs the network with single-threaded BLAS, so that its numbers do not depend on threads.
        return ComputeRuntime.withThreads(1) {
            Explainer(model: InceptionV3(weights: weights)).explain(pixels01: pixels, layers: [.mixed_7c]) {
                contribution.evaluate(feature: $0)
            }
        }
    }

    func testHostileFileNameRendersAsText() throws {
        let work = try makeFolder()
        let hostile = work.appendingPathComponent("<img src=x onerror=alert(1)>.png")
        try FileManager.default.copyItem(at: Self.samples.appendingPathComponent("horse.png"), to: hostile)
        let report = work.appendingPathComponent("report")
        let run = try explain([hostile.path, "-o", report.path])
        XCTAssertEqual(run.status, 0, "\(run)")
        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;.png"), html)
        XCTAssertFalse(html.contains("<img src=x onerror"), "raw hostile markup in the page")
    }

    func testForeignFolderIsRefusedAndAFailedRunKeepsThePreviousReport() throws {
        let work = try makeFolder()
        let foreign = work.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: foreign.appendingPathComponent("notes.txt"))
        let horse = Self.samples.appendingPathComponent("horse.png").path
        let refused = try explain([horse, "-o", foreign.path, "--quiet"])
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertEqual(refused.stderrLines.count, 1, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("was not written by fidviz"), refused.stderr)
        XCTAssertEqual(try String(contentsOf: foreign.appendingPathComponent("notes.txt"), encoding: .utf8), "keep")

        // A report fidviz wrote is replaced; a run that fails midway leaves it as it was.
        let report = work.appendingPathComponent("report")
        XCTAssertEqual(try explain([horse, "-o", report.path, "--quiet"]).status, 0)
        let before = try Data(contentsOf: report.appendingPathComponent("report.json"))
        let broken = work.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: horse, toPath: broken.appendingPathComponent("a.png").path)
        try FileManager.default.copyItem(at: Fixtures.url("png/truncated.png"), to: broken.appendingPathComponent("b.png"))
        try FileManager.default.copyItem(atPath: horse, toPath: broken.appendingPathComponent("c.png").path)
        let failed = try explain([broken.path, "-o", report.path, "--quiet"])
        XCTAssertEqual(failed.status, 1, "\(failed)")
        XCTAssertEqual(try Data(contentsOf: report.appendingPathComponent("report.json")), before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "staging folders left behind")
    }
}
