import Foundation
import XCTest
@testable import Heatmap

final class ReportJSONTests: XCTestCase {
    private func sampleReport(delta: Double = -0.46233963) -> ReportJSON {
        let top1 = ClassScore(index: 876, label: "rugby ball", probability: 0.25)
        let image = ReportJSON.Image(
            file: "astronaut.png", width: 512, height: 512, top1: top1,
            top5: [top1, ClassScore(index: 3, label: "tench", probability: .nan)],
            fidBefore: 37006.701459841104, fidAfter: 37006.239120205464, deltaFID: delta,
            sensitivity: ["mixed_7c": ScalarMap(rows: [[1, 2], [3, .infinity]]), "mixed_6e": ScalarMap(rows: [[0.5]])],
            gradcamTop1: ScalarMap(rows: [[0, 0.25, .nan]]))
        return ReportJSON(fid: 37006.701459841104, n: 50, genSource: "folder samples/", images: [image])
    }

    func testDocumentedKeysRoundTripThroughJSONSerialization() throws {
        let data = try sampleReport().encoded()
        let top = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(top.keys), ["fid", "n", "gen_source", "images"])
        // swift-corelibs JSONSerialization may parse through Decimal and lose the last bit, so
        // values read that way are compared with a tolerance; JSONDecoder below checks exactness.
        XCTAssertEqual(number(top["fid"]), 37006.701459841104, accuracy: 1e-9)
        XCTAssertEqual(top["n"] as? Int, 50)
        XCTAssertEqual(top["gen_source"] as? String, "folder samples/")
        let images = try XCTUnwrap(top["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 1)
        let image = images[0]
        XCTAssertEqual(Set(image.keys), ["file", "width", "height", "top1", "top5", "fid_before", "fid_after",
                                         "delta_fid", "sensitivity", "gradcam_top1"])
        XCTAssertEqual(image["file"] as? String, "astronaut.png")
        XCTAssertEqual(image["width"] as? Int, 512)
        XCTAssertEqual(number(image["delta_fid"]), -0.46233963, accuracy: 1e-15)
        XCTAssertEqual(number(image["fid_before"]), 37006.701459841104, accuracy: 1e-9)
        XCTAssertEqual(number(image["fid_after"]), 37006.239120205464, accuracy: 1e-9)
        let top1 = try XCTUnwrap(image["top1"] as? [String: Any])
        XCTAssertEqual(Set(top1.keys), ["index", "label", "probability"])
        XCTAssertEqual(top1["index"] as? Int, 876)
        XCTAssertEqual(number(top1["probability"]), 0.25)
        let sensitivity = try XCTUnwrap(image["sensitivity"] as? [String: Any])
        XCTAssertEqual(Set(sensitivity.keys), ["mixed_7c", "mixed_6e"])
        let rows = try XCTUnwrap(sensitivity["mixed_7c"] as? [[Any]])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].compactMap { ($0 as? NSNumber)?.doubleValue }, [1, 2])
        XCTAssertEqual((image["gradcam_top1"] as? [[Any]])?.first?.count, 3)

        let back = try JSONDecoder().decode(ReportJSON.self, from: data)
        XCTAssertEqual(back.fid, 37006.701459841104)
        XCTAssertEqual(back.images[0].fidAfter, 37006.239120205464)
        XCTAssertEqual(back.images[0].sensitivity["mixed_6e"], [[0.5]])
    }

    private func number(_ value: Any?) -> Double {
        (value as? NSNumber)?.doubleValue ?? .nan
    }

    func testNonFiniteNumbersBecomeNullAndReadBackAsNaN() throws {
        let report = sampleReport(delta: .nan)
        var withInfiniteFID = report
        withInfiniteFID.fid = .infinity
        let data = try withInfiniteFID.encoded()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"fid\":null"), text)
        XCTAssertTrue(text.contains("\"delta_fid\":null"), text)
        XCTAssertTrue(text.contains("[3,null]"), text)
        XCTAssertTrue(text.contains("\"gradcam_top1\":[[0,0.25,null]]"), text)
        XCTAssertTrue(text.contains("\"probability\":null"), text)
        XCTAssertTrue(text.contains("\"gen_source\":\"folder samples/\""), text)

        let top = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertTrue(top["fid"] is NSNull)

        let back = try JSONDecoder().decode(ReportJSON.self, from: data)
        XCTAssertTrue(back.fid.isNaN)
        XCTAssertTrue(back.images[0].deltaFID.isNaN)
        XCTAssertTrue(back.images[0].sensitivity["mixed_7c"]![1][1].isNaN)
        XCTAssertEqual(back.images[0].sensitivity["mixed_7c"]![0], [1, 2])
        XCTAssertEqual(back.images[0].top5[0], ClassScore(index: 876, label: "rugby ball", probability: 0.25))
        XCTAssertTrue(back.images[0].top5[1].probability.isNaN)
    }

    func testMissingGradCAMIsNull() throws {
        var report = sampleReport()
        report.images[0].gradcamTop1 = nil
        let text = String(decoding: try report.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"gradcam_top1\":null"), text)
        let back = try JSONDecoder().decode(ReportJSON.self, from: try report.encoded())
        XCTAssertNil(back.images[0].gradcamTop1)
    }

    func testOutputIsDeterministic() throws {
        XCTAssertEqual(try sampleReport().encoded(), try sampleReport().encoded())
        let pretty = String(decoding: try sampleReport().encoded(prettyPrinted: true), as: UTF8.self)
        XCTAssertTrue(pretty.contains("\n"))
    }
}
