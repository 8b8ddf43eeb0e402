import Foundation
import TestSupport
import XCTest

/// `fidviz explain` on a folder of pictures whose names are markup, quotes, line breaks, a
/// right-to-left override and bytes that are not UTF-8: the page shows them as text under a
/// policy that forbids scripts, and report.json and images.csv give back the exact names.
final class HostileFileNameTests: FidvizTestCase {
    /// Each file name's bytes, and the name fidviz shows for `imgs/<name>`.
    private let names: [(bytes: [UInt8], shown: String)] = [
        (Array("<script>alert(1)</script>.png".utf8), "imgs/<script>alert(1)</script>.png"),
        (Array("\"><svg onload=alert(1)>.png".utf8), "imgs/\"><svg onload=alert(1)>.png"),
        (Array("it's \"quoted\", with a comma.png".utf8), "imgs/it's \"quoted\", with a comma.png"),
        (Array("line\nbreak.png".utf8), "imgs/line\\x0abreak.png"),
        (Array("\u{202E}gnp.exe.png".utf8), "imgs/\u{202E}gnp.exe.png"),
        (Array("bad".utf8) + [0xFF] + Array("name.png".utf8), "imgs/bad\\xffname.png"),
    ]

    func testExplainShowsHostileNamesAsTextAndRoundTripsThem() throws {
        let work = try makeFolder()
        let images = work.appendingPathComponent("imgs")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: false)
        let picture = try Data(contentsOf: Fixtures.url("golden/images/chelsea_crop96.png"))
        for name in names {
            // A name cannot hold '/': "</script>" puts that picture in a folder "<script>alert(1)<".
            if let slash = name.bytes.lastIndex(of: UInt8(ascii: "/")) {
                try FileManager.default.createDirectory(
                    at: images.appendingPathComponent(String(decoding: name.bytes[..<slash], as: UTF8.self)),
                    withIntermediateDirectories: true)
            }
            try writeFile(named: name.bytes, in: images, contents: picture)
        }

        let run = try fidviz(["imgs", "-o", "out", "--top", "6", "--best", "0", "--quiet",
                              "--ref", try ExplainCommandTests.reference.get().path,
                              "--weights", try TestRun.seededCheckpoint(.legacy).path], in: work)
        XCTAssertEqual(run.status, 0, "\(run)")
        let report = work.appendingPathComponent("out")
        let shown = Set(names.map(\.shown))

        // report.json and images.csv give back every name exactly, so a program can open each file.
        let expected = Set(names.map { Array("imgs/".utf8) + $0.bytes })
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
        let entries = try XCTUnwrap(document["images"] as? [[String: Any]])
        let files = try entries.map { entry -> [UInt8] in
            if let base64 = entry["file_base64"] as? String {
                XCTAssertEqual(entry["file"] as? String, "imgs/bad\\xffname.png", "shown as people see it")
                return Array(try XCTUnwrap(Data(base64Encoded: base64)))
            }
            return Array(try XCTUnwrap(entry["file"] as? String).utf8)
        }
        XCTAssertEqual(Set(files), expected)
        XCTAssertEqual(entries.filter { $0["file_base64"] != nil }.count, 1, "only the name that is not UTF-8")
        XCTAssertTrue(entries.contains { $0["file"] as? String == "imgs/line\nbreak.png" }, "the line break itself")
        // images.csv holds the bytes as they are (Latin-1 maps each byte to one character and back).
        let csv = try XCTUnwrap(String(data: Data(contentsOf: report.appendingPathComponent("images.csv")),
                                       encoding: .isoLatin1))
        let csvFiles = try parseCSV(csv).dropFirst().map { Array(try XCTUnwrap($0[1].data(using: .isoLatin1))) }
        XCTAssertEqual(csvFiles, files, "images.csv: the same names, in the same order")
        for file in files {
            let path = Array(work.path.utf8) + [UInt8(ascii: "/")] + file
            XCTAssertEqual(access(path.map { CChar(bitPattern: $0) } + [0], R_OK), 0, "\(file) cannot be opened")
        }

        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            + "img-src 'self' file: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"))
        XCTAssertFalse(html.contains("script-src"), "no policy may allow scripts")
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<svg"))
        XCTAssertEqual(html.components(separatedBy: "<article class=\"card\"").count - 1, names.count)
        for expected in ["<h3><bdi>imgs/&lt;script&gt;alert(1)&lt;/script&gt;.png</bdi></h3>",
                         "<h3><bdi>imgs/&quot;&gt;&lt;svg onload=alert(1)&gt;.png</bdi></h3>",
                         "<h3><bdi>imgs/it&#39;s &quot;quoted&quot;, with a comma.png</bdi></h3>",
                         "<h3><bdi>imgs/line\\x0abreak.png</bdi></h3>",
                         "<h3><bdi>imgs/\u{202E}gnp.exe.png</bdi></h3>",
                         "<h3><bdi>imgs/bad\\xffname.png</bdi></h3>"] {
            XCTAssertTrue(html.contains(expected), expected)
        }
        // Every picture was read (by its exact bytes) and drawn.
        XCTAssertEqual(try contents(of: report.appendingPathComponent("panels")).count, names.count)
    }
}
