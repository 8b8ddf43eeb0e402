import Foundation
import Frechet
import Heatmap
import NumpyFiles
import Pixels
@testable import Report
import TestSupport
import XCTest

/// A whole report folder: every file, one order everywhere.
final class ReportWriterTests: XCTestCase {
    func testOneOrderForPanelNamesJSONCSVAndHTMLWithTiesAndInfinities() throws {
        let work = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        // Ties (b and a at 0.5), +inf and NaN (last), images of different sizes.
        let rows = [
            Support.row("b.png", delta: 0.5, image: "horse.png", explained: true),
            Support.row("nan.png", delta: .nan, explained: true),
            Support.row("inf.png", delta: .infinity, explained: true),
            Support.row("a.png", delta: 0.5, index: 768, explained: true),
            Support.row("low.png", delta: -2, image: "astronaut.png", explained: true),
            Support.row("quiet.png", delta: 0.1),
        ]
        let folder = try ReportFolder(path: work.appendingPathComponent("report").path, force: false)
        let writer = ReportWriter(folder: folder, style: FigureStyle(forceBitmapFont: true), layers: [MapLayer("mixed_7c", space: .inceptionPool3)],
                                  warning: nil)
        let json = try writer.write(RankedRows(rows, top: 2, best: 1), summary: Support.summary(), referenceHistogram: nil)
        try folder.commit()
        let report = work.appendingPathComponent("report")

        let expected = ["a.png", "b.png", "quiet.png", "low.png", "inf.png", "nan.png"]
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let images = try XCTUnwrap(document["images"] as? [[String: Any]])
        XCTAssertEqual(images.map { $0["file"] as? String }, expected)
        XCTAssertEqual(images.map { $0["explained"] as? Bool }, [true, true, false, true, false, false],
                       "explained: the 2 worst and the 1 best (finite ΔFID)")
        XCTAssertNil(images[2]["sensitivity"], "an image that was not explained carries no maps")
        XCTAssertNil(images[4]["sensitivity"])
        XCTAssertEqual(images.map { $0["panel"] as? String },
                       ["panels/0001-a.png", "panels/0002-b.png", nil, "panels/0004-low.png", nil, nil])
        XCTAssertTrue(images[4]["delta_fid"] is NSNull, "+inf is written as null")
        let panels = try FileManager.default.contentsOfDirectory(atPath: report.appendingPathComponent("panels").path).sorted()
        XCTAssertEqual(panels, ["0001-a.png", "0002-b.png", "0004-low.png"])
        let horse = try ImageDecoder.decode(contentsOf: Support.goldenImage("horse.png"))
        let figure = try ImageDecoder.decode(contentsOf: report.appendingPathComponent("panels/0002-b.png"))
        XCTAssertEqual([figure.width, figure.height], [3 * horse.width, horse.height], "original | sensitivity | Grad-CAM")

        let csv = parseCSV(try String(contentsOf: report.appendingPathComponent("images.csv"), encoding: .utf8))
        XCTAssertEqual(csv.dropFirst().map { $0[1] }, expected)
        XCTAssertEqual(csv.dropFirst().map { $0[0] }, ["1", "2", "3", "4", "5", "6"])

        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        for (rank, name) in [(1, "a.png"), (2, "b.png"), (4, "low.png")] {
            XCTAssertTrue(html.contains("id=\"image-\(rank)\">\n<header><span class=\"rank\">#\(rank)</span><h3><bdi>\(name)</bdi></h3>"),
                          "card #\(rank) is \(name)")
            XCTAssertTrue(html.contains("src=\"panels/\(String(format: "%04d", rank))-\(name)\""))
        }
        let classes = try XCTUnwrap(document["classes"] as? [[String: Any]])
        XCTAssertEqual(classes.map { $0["index"] as? Int }, [768, 282], "0.5 against 0.5 + (-2); non-finite ΔFID adds nothing")
        XCTAssertEqual(classes.map { $0["count"] as? Int }, [1, 5])

        // Every src on the page resolves to a file that was written.
        let sources = html.components(separatedBy: "src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(sources.count, 3 + 2 + 2, "three figures, two class thumbnails, two charts")
        for src in sources {
            let resolved = try XCTUnwrap(URL(string: src, relativeTo: report.appendingPathComponent("index.html")))
            XCTAssertTrue(FileManager.default.fileExists(atPath: resolved.path), resolved.path)
        }
        let thumbnail = try ImageDecoder.decode(contentsOf: report.appendingPathComponent("thumbs/class-282.png"))
        XCTAssertLessThanOrEqual(max(thumbnail.width, thumbnail.height), 96)
        let histogram = try ImageDecoder.decode(contentsOf: report.appendingPathComponent("delta-fid.png"))
        XCTAssertEqual(histogram.width, 960)
    }

    func testPixelGradientPanelAndArray() throws {
        let work = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        var row = Support.row("cat.png", delta: 0.3, explained: true)
        let plane = 96 * 96
        row.maps?.pixelGradient = (0 ..< 3 * plane).map { i in i % plane == 96 * 10 + 20 ? (i < plane ? -4 : 1) : 0.01 }
        let folder = try ReportFolder(path: work.appendingPathComponent("r").path, force: false)
        _ = try ReportWriter(folder: folder, style: FigureStyle(forceBitmapFont: true), layers: [MapLayer("mixed_7c", space: .inceptionPool3)],
                             warning: nil).write(RankedRows([row], top: 1, best: 0), summary: Support.summary(),
                                                 referenceHistogram: nil)
        try folder.commit()
        let figure = try ImageDecoder.decode(contentsOf: work.appendingPathComponent("r/panels/0001-cat.png"))
        XCTAssertEqual(figure.width, 4 * 96, "original | sensitivity | Grad-CAM | |dFID/dpixel|")
        let magnitude = ReportWriter.gradientMagnitude(row.maps!.pixelGradient!, width: 96, height: 96)
        XCTAssertEqual(magnitude[20, 10], 4, "max over channels of |g|")
        XCTAssertEqual(magnitude[0, 0], 0.01)
        let array = try Npy.decode(Data(contentsOf: work.appendingPathComponent("r/panels/0001-cat.pixelgrad.npy")), name: "pixelgrad")
        XCTAssertEqual(array.shape, [3, 96, 96])
        XCTAssertEqual(array.dtype, "<f4")
        XCTAssertEqual(array.floats(), row.maps!.pixelGradient!)
    }
}
