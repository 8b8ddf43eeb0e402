import Foundation
import NumpyFiles
import TestSupport
import XCTest

/// A folder walk reads or names every file: a name that is not UTF-8 is read by its bytes and
/// shown with them escaped, anything that is not an image is counted and named in the skipped
/// line, and `$FIDVIZ_MAX_FILES` bounds how many entries a walk may find.
final class FolderWalkTests: FidvizTestCase {
    private let picture = Fixtures.url("golden/images/chelsea_crop96.png")
    private let badName: [UInt8] = Array("bad".utf8) + [0xFF] + Array("name.png".utf8)

    func testNameThatIsNotUTF8IsReadAndShownEscaped() throws {
        let work = try makeFolder()
        let images = work.appendingPathComponent("imgs")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: false)
        try FileManager.default.copyItem(at: picture, to: images.appendingPathComponent("ok.png"))
        try writeFile(named: badName, in: images, contents: try Data(contentsOf: picture))
        try writeFile(named: Array("notes".utf8) + [0xFE] + Array(".txt".utf8), in: images, contents: Data("x".utf8))
        try FileManager.default.createSymbolicLink(atPath: images.appendingPathComponent("loop").path,
                                                   withDestinationPath: ".")

        let run = try fidviz(["features", "imgs", "-o", "f.npz", "--json",
                              "--weights", try TestRun.seededCheckpoint(.legacy).path], in: work)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stderr.contains("fidviz: skipped 2 files that fidviz does not read (PNG, JPEG and WebP only): "
                                          + "imgs/loop, imgs/notes\\xfe.txt\n"),
                      run.stderr)
        XCTAssertTrue(run.stderr.contains("fidviz: wrote 2 feature vectors to f.npz\n"), run.stderr)

        let arrays = try Npz.read(contentsOf: work.appendingPathComponent("f.npz"))
        XCTAssertEqual(arrays["files"]?.strings(), ["imgs/bad\\xffname.png", "imgs/ok.png"], "byte order")
        let pool3 = try XCTUnwrap(arrays["pool3"]?.floats())
        XCTAssertEqual(pool3.count, 2 * 2048)
        XCTAssertEqual(Array(pool3[0 ..< 2048]), Array(pool3[2048...]), "the same picture under both names was read")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(json.compactMap { $0["file"] as? String }, ["imgs/bad\\xffname.png", "imgs/ok.png"])
        XCTAssertEqual(json[0]["file_base64"] as? String, Data(Array("imgs/".utf8) + badName).base64EncodedString(),
                       "the exact bytes, which JSON text cannot carry")
        XCTAssertNil(json[1]["file_base64"], "a UTF-8 name is exact in file")
    }

    func testBrokenPictureWithANameThatIsNotUTF8IsNamedEscaped() throws {
        let work = try makeFolder()
        try writeFile(named: badName, in: work, contents: Data("not a picture".utf8))
        try FileManager.default.copyItem(at: picture, to: work.appendingPathComponent("ok.png"))
        let run = try fidviz(["features", work.path, "-o", work.appendingPathComponent("f.npz").path,
                              "--weights", try TestRun.seededCheckpoint(.legacy).path])
        let line = assertFailsWithOneLine(run, containing: [])
        XCTAssertEqual(line, "Error: \(work.path)/bad\\xffname.png: not a PNG, JPEG or WebP file (unrecognised signature)")
    }

    func testFolderWalkStopsAtTheFileLimit() throws {
        let work = try makeFolder()
        let images = work.appendingPathComponent("imgs")
        try FileManager.default.createDirectory(at: images.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for name in ["a.png", "b.png", "sub/c.png"] {
            try FileManager.default.copyItem(at: picture, to: images.appendingPathComponent(name))
        }
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let arguments = ["stats", "imgs", "-o", "s.npz", "--quiet", "--weights", weights]

        let over = try fidviz(arguments, environment: ["FIDVIZ_MAX_FILES": "2"], in: work)
        XCTAssertEqual(assertFailsWithOneLine(over, containing: []),
                       "Error: imgs: the folder walk found more than 2 files, the limit; "
                       + "set $FIDVIZ_MAX_FILES to allow more, or give a smaller folder")
        XCTAssertEqual(try contents(of: work), ["imgs"])

        let bad = try fidviz(arguments, environment: ["FIDVIZ_MAX_FILES": "many"], in: work)
        XCTAssertEqual(bad.status, 0, "\(bad)")
        XCTAssertTrue(bad.stderr.contains("fidviz: warning: ignoring FIDVIZ_MAX_FILES=many: not a positive integer; "
                                          + "using the default, 10000000"), bad.stderr)
        try FileManager.default.removeItem(at: work.appendingPathComponent("s.npz"))

        let enough = try fidviz(arguments, environment: ["FIDVIZ_MAX_FILES": "3"], in: work)
        XCTAssertEqual(enough.status, 0, "\(enough)")
        XCTAssertEqual(try contents(of: work), ["imgs", "s.npz"])
    }
}
