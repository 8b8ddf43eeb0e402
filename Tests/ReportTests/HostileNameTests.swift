import Foundation
import Frechet
import Heatmap
import Pixels
import Report
import TestSupport
import XCTest

/// File names chosen to break a report: markup, quotes, line breaks, a right-to-left override
/// and (as `ImagePath` displays them) bytes that are not UTF-8. A whole report is written with
/// them; the page shows them as text only, and report.json and images.csv read back equal.
final class HostileNameTests: XCTestCase {
    static let names = [
        "<script>alert(1)</script>.png",
        "\"><svg onload=alert(1)>.png",
        "it's \"quoted\", with a comma.png",
        "line\nbreak\r\nand\ttab.png",
        "\u{202E}gnp.exe.png",
        ImagePath.displayName([0x62, 0x61, 0x64, 0xFF, 0x6E, 0x61, 0x6D, 0x65, 0x2E, 0x70, 0x6E, 0x67]),
        "javascript:alert(1).png",
        "../../escape.png",
    ]

    func testDisplayNameEscapesBytesThatAreNotUTF8AndControlCharacters() {
        XCTAssertEqual(Self.names[5], "bad\\xffname.png")
        XCTAssertEqual(ImagePath.displayName(Array("a\nb\u{1B}[31m\u{7F}.png".utf8)), "a\\x0ab\\x1b[31m\\x7f.png")
        XCTAssertEqual(ImagePath.displayName([0xC3, 0xA9, 0xC3, 0x28, 0xE2, 0x80, 0xAE]), "é\\xc3(\u{202E}",
                       "valid UTF-8 stays, a broken sequence is escaped byte by byte")
        XCTAssertEqual(ImagePath.displayName([0xF0, 0x9F, 0x90, 0x88]), "🐈")
        XCTAssertEqual(ImagePath.displayName([0xED, 0xA0, 0x80]), "\\xed\\xa0\\x80", "a UTF-16 surrogate is not UTF-8")
    }

    func testHostileNamesAreTextInHTMLAndRoundTripThroughJSONAndCSV() throws {
        let work = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let rows = Self.names.enumerated().map { Support.row($1, delta: Double($0) - 2, explained: true) }
        let folder = try ReportFolder(path: work.appendingPathComponent("report").path, force: false)
        let writer = ReportWriter(folder: folder, style: FigureStyle(forceBitmapFont: true), layers: [MapLayer("mixed_7c", space: .inceptionPool3)],
                                  warning: nil)
        let json = try writer.write(RankedRows(rows, top: 4, best: 4), summary: Support.summary(), referenceHistogram: nil)
        try folder.commit()
        let report = work.appendingPathComponent("report")

        // report.json and images.csv give every name back exactly.
        let saved = try Data(contentsOf: report.appendingPathComponent("report.json"))
        XCTAssertEqual(saved, json)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        let images = try XCTUnwrap(document["images"] as? [[String: Any]])
        XCTAssertEqual(Set(images.compactMap { $0["file"] as? String }), Set(Self.names))
        let csv = parseCSV(try String(contentsOf: report.appendingPathComponent("images.csv"), encoding: .utf8))
        XCTAssertEqual(csv.dropFirst().map { $0[1] }, images.compactMap { $0["file"] as? String },
                       "images.csv lists the same names in the same order")
        XCTAssertTrue(csv.dropFirst().allSatisfy { $0.count == 8 }, "no name splits a record")

        // The page: no markup from a name, each name escaped and isolated.
        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertFalse(html.contains("<script"), "a name became a script element")
        XCTAssertFalse(html.contains("<svg"), "a name became an svg element")
        XCTAssertFalse(html.contains("onload=alert(1)>"))
        XCTAssertTrue(html.contains("<h3><bdi>&lt;script&gt;alert(1)&lt;/script&gt;.png</bdi></h3>"))
        XCTAssertTrue(html.contains("<h3><bdi>&quot;&gt;&lt;svg onload=alert(1)&gt;.png</bdi></h3>"))
        XCTAssertTrue(html.contains("<h3><bdi>it&#39;s &quot;quoted&quot;, with a comma.png</bdi></h3>"))
        XCTAssertTrue(html.contains("<h3><bdi>\u{202E}gnp.exe.png</bdi></h3>"), "the override is isolated")
        XCTAssertTrue(html.contains("<h3><bdi>bad\\xffname.png</bdi></h3>"))
        XCTAssertTrue(html.contains("alt=\"panels for &quot;&gt;&lt;svg onload=alert(1)&gt;.png\""))
        let csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file: data:; "
            + "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
        XCTAssertTrue(html.contains(csp), "the policy forbids scripts (default-src 'none', no script-src)")

        // Panel files are named by a safe stem inside panels/, whatever the name.
        let panels = try FileManager.default.contentsOfDirectory(atPath: report.appendingPathComponent("panels").path)
        XCTAssertEqual(panels.count, Self.names.count)
        for panel in panels {
            XCTAssertTrue(panel.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
            }, panel)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work.path), ["report"],
                       "nothing was written outside the report")
    }
}
