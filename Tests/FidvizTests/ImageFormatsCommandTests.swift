import Foundation
import Heatmap
import NumpyFiles
import Pixels
import TestSupport
import XCTest

/// PNG, JPEG and WebP through the commands: folders of mixed formats, JPEG features that are
/// exactly the features of PIL's pixels, and broken JPEG and WebP files refused in one line.
final class ImageFormatsCommandTests: FidvizTestCase {
    private func fixture(_ name: String) -> URL { Fixtures.url("jpeg_webp/\(name)") }

    private func copy(_ source: URL, to folder: URL, as name: String) throws {
        let destination = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: destination)
    }

    // MARK: - Folders of mixed formats

    func testMixedFolderListsEveryImageInSortedOrderAndNamesSkippedFiles() throws {
        let images = try makeFolder("images")
        let pictures = [
            "1-horse.png": Fixtures.url("golden/images/horse.png"),
            "2-baseline.jpg": fixture("baseline_444.jpg"),
            "3-upper.JPG": fixture("upper_case.JPG"),
            "4-lossless.webp": fixture("lossless.webp"),
            "5-progressive.jpeg": fixture("progressive_422.jpg"),
            "6-png-inside.jpg": fixture("png_inside.jpg"),
            "7-jpeg-inside.png": fixture("jpeg_inside.png"),
            "sub/8-alpha.WebP": fixture("lossless_alpha.webp"),
        ]
        for (name, source) in pictures { try copy(source, to: images, as: name) }
        for name in ["notes.txt", "x.bmp", "y.tif"] { try Data("not read".utf8).write(to: images.appendingPathComponent(name)) }

        let output = try makeFolder().appendingPathComponent("out.npz")
        let run = try fidviz(["features", images.path, "-o", output.path, "--weights", try TestRun.seededCheckpoint(.legacy).path])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stderrLines.contains(
            "fidviz: skipped 3 files that fidviz does not read (PNG, JPEG and WebP only; pytorch-fid would read 2 of them): "
                + "\(images.path)/notes.txt, \(images.path)/x.bmp, \(images.path)/y.tif"), run.stderr)
        let arrays = try Npz.read(contentsOf: output)
        XCTAssertEqual(try XCTUnwrap(arrays["files"]?.strings()), pictures.keys.sorted().map { images.path + "/" + $0 })
        XCTAssertEqual(arrays["pool3"]?.shape, [8, 2048])
        // The PNG row is still pytorch-fid's.
        let pool3 = try XCTUnwrap(arrays["pool3"]?.floats())
        let golden = try XCTUnwrap(try Npz.read(contentsOf: Fixtures.url("golden/horse.npz"))["pool3"]?.floats())
        XCTAssertLessThanOrEqual(relativeError(Array(pool3[0 ..< 2048]), golden), 1e-4)
    }

    // MARK: - JPEG parity reduces to pixel parity

    /// astronaut.png saved by PIL as a quality-100 4:4:4 JPEG: fidviz decodes it to exactly PIL's
    /// bytes (PIL's checksum in expected.json), and its features are those of a PNG holding those
    /// bytes, whose parity with pytorch-fid is tested on the golden images.
    func testJPEGFeaturesAreTheFeaturesOfPILsPixels() throws {
        let jpeg = fixture("astronaut_q100_444.jpg")
        let decoded = try ImageDecoder.decode(contentsOf: jpeg)
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture("expected.json"))) as? [String: Any]
        let entry = (expected?["fixtures"] as? [String: Any])?["astronaut_q100_444.jpg"] as? [String: Any]
        XCTAssertEqual(fnv1a64(decoded.rgb), try XCTUnwrap(entry?["fnv1a64"] as? String), "PIL's pixels, byte for byte")

        let images = try makeFolder("images")
        try copy(jpeg, to: images, as: "a.jpg")
        try Data(try PNGCodec.encode(decoded)).write(to: images.appendingPathComponent("b-pil-pixels.png"))
        XCTAssertEqual(try PNGDecoder.decode(contentsOf: images.appendingPathComponent("b-pil-pixels.png")), decoded)

        let output = try makeFolder().appendingPathComponent("out.npz")
        let run = try fidviz(["features", images.path, "-o", output.path, "--quiet",
                              "--weights", try TestRun.seededCheckpoint(.legacy).path])
        XCTAssertEqual(run.status, 0, "\(run)")
        let arrays = try Npz.read(contentsOf: output)
        for key in ["pool3", "logits"] {
            let values = try XCTUnwrap(arrays[key]?.floats(), key)
            let half = values.count / 2
            XCTAssertEqual(relativeError(Array(values[..<half]), Array(values[half...])), 0, key)
        }
    }

    // MARK: - Broken files

    func testBrokenJPEGAndWebPEndEveryRunWithOneLineAndNoOutput() throws {
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let reasons = [
            "truncated.jpg": "truncated JPEG data: the file ends at byte 672 before the image is complete",
            "bomb_65535x65535.jpg": "65535x65535 pixels exceeds the limit of 89478485 pixels (a decompression-bomb guard, as in PIL; "
                + "FIDVIZ_MAX_IMAGE_PIXELS raises it)",
            "corrupt_chunk.webp": "corrupt WebP data: libwebp cannot decode the first frame",
            "truncated.webp": "truncated WebP data: the file ends at byte 217 but its RIFF header declares 434 bytes",
            "bomb_100000x100000.webp": "100000x100000 pixels exceeds the limit of 89478485 pixels (a decompression-bomb guard, as in PIL; "
                + "FIDVIZ_MAX_IMAGE_PIXELS raises it)",
        ]
        for (name, reason) in reasons.sorted(by: { $0.key < $1.key }) {
            let images = try makeFolder("images")
            try copy(Fixtures.url("golden/images/horse.png"), to: images, as: "horse.png")
            try copy(fixture(name), to: images, as: "photo-\(name)")  // sorts after horse.png
            for command in ["features", "stats"] {
                let work = try makeFolder()
                let run = try fidviz([command, images.path, "-o", work.appendingPathComponent("out.npz").path,
                                      "--weights", weights, "--quiet"])
                let line = assertFailsWithOneLine(run, containing: [])
                XCTAssertEqual(line, "Error: \(images.path)/photo-\(name): \(reason)", "\(command) \(name)")
                XCTAssertEqual(try contents(of: work), [], "\(command) \(name): nothing may be written")
            }
        }
    }
}
