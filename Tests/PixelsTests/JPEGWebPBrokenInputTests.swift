import Foundation
import Pixels
import XCTest

/// Broken, hostile and unknown files through `ImageDecoder`: one exact `ImageDecodingError` each,
/// from `decode` and, where the damage is in the header, from `checkHeader` too.
final class JPEGWebPBrokenInputTests: XCTestCase {
    private let folder = JPEGWebPParityTests.folder

    private func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    private func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    private func decodeFailure(_ url: URL, maxPixels: Int = ImageDecoder.defaultMaxPixels) -> String {
        decodingFailure { try ImageDecoder.decode(contentsOf: url, maxPixels: maxPixels) }
    }

    private func headerFailure(_ url: URL, maxPixels: Int = ImageDecoder.defaultMaxPixels) -> String {
        decodingFailure { try ImageDecoder.checkHeader(contentsOf: url, maxPixels: maxPixels) }
    }

    // MARK: - Damage the header check finds

    func testDecompressionBombsAreRefusedFromTheHeader() {
        let bombs = [
            "bomb_65535x65535.jpg": "65535x65535",  // the largest size a JPEG frame header can declare
            "bomb_100000x100000.webp": "100000x100000",
        ]
        for (name, size) in bombs {
            let start = Date()
            let message = "\(url(name).path): \(size) pixels exceeds the limit of 89478485 pixels "
                + "(a decompression-bomb guard, as in PIL; FIDVIZ_MAX_IMAGE_PIXELS raises it)"
            XCTAssertEqual(headerFailure(url(name)), message, name)
            XCTAssertEqual(decodeFailure(url(name)), message, name)
            XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, name)
        }
    }

    func testMaxPixelsIsAParameterForEveryFormat() throws {
        for name in ["baseline_420.jpg", "lossy.webp", "lossless.webp"] {
            XCTAssertEqual(decodeFailure(url(name), maxPixels: 33 * 17 - 1),
                           "\(url(name).path): 33x17 pixels exceeds the limit of 560 pixels (a decompression-bomb guard, "
                               + "as in PIL; FIDVIZ_MAX_IMAGE_PIXELS raises it)")
            XCTAssertEqual(try ImageDecoder.decode(contentsOf: url(name), maxPixels: 33 * 17).width, 33, name)
        }
    }

    func testUnknownAndEmptyFiles() throws {
        let bmp = try temporaryFile("photo.png", Array("BM6\0\0\0\0\0\0\06\0\0\0".utf8), in: self)
        XCTAssertEqual(decodeFailure(bmp), "\(bmp.path): not a PNG, JPEG or WebP file (unrecognised signature)")
        XCTAssertEqual(headerFailure(bmp), "\(bmp.path): not a PNG, JPEG or WebP file (unrecognised signature)")
        let empty = try temporaryFile("empty.jpg", [], in: self)
        XCTAssertEqual(decodeFailure(empty), "\(empty.path): not a PNG, JPEG or WebP file (the file is empty)")
        XCTAssertEqual(headerFailure(empty), "\(empty.path): not a PNG, JPEG or WebP file (the file is empty)")
        let missing = folder.appendingPathComponent("no_such_file.webp")
        XCTAssertEqual(headerFailure(missing), "\(missing.path): cannot read the file (no such file); check the path")
        XCTAssertEqual(decodeFailure(missing), "\(missing.path): cannot read the file (no such file); check the path")
    }

    func testJPEGHeaderProblems() throws {
        let good = try bytes("baseline_420.jpg")
        let frame = try XCTUnwrap((2 ..< good.count - 1).first { good[$0] == 0xFF && good[$0 + 1] == 0xC0 })
        let cut = try temporaryFile("cut.jpg", Array(good[..<(frame + 5)]), in: self)
        XCTAssertEqual(headerFailure(cut), "\(cut.path): truncated JPEG data: the file ends at byte \(frame + 5) before the frame header (SOF)")

        let noFrame = try temporaryFile("noframe.jpg", [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08], in: self)
        XCTAssertEqual(headerFailure(noFrame), "\(noFrame.path): corrupt JPEG data: the image data starts before any frame header (SOF)")

        var zeroHeight = good
        zeroHeight[frame + 5] = 0
        zeroHeight[frame + 6] = 0
        let zero = try temporaryFile("zero.jpg", zeroHeight, in: self)
        XCTAssertEqual(headerFailure(zero), "\(zero.path): the JPEG frame header declares 33x0 pixels; a side of 0 is not supported")

        let badLength = try temporaryFile("length.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01], in: self)
        XCTAssertEqual(headerFailure(badLength), "\(badLength.path): corrupt JPEG data: the segment at byte 2 is 1 bytes long")
    }

    /// Only the markers up to the frame header are read: a file that ends right after it passes.
    func testJPEGHeaderCheckStopsAtTheFrameHeader() throws {
        let good = try bytes("baseline_420.jpg")
        let frame = try XCTUnwrap((2 ..< good.count - 1).first { good[$0] == 0xFF && good[$0 + 1] == 0xC0 })
        let head = try temporaryFile("head.jpg", Array(good[..<(frame + 10)]), in: self)
        let size = try ImageDecoder.checkHeader(contentsOf: head)
        XCTAssertEqual(size.width, 33)
        XCTAssertEqual(size.height, 17)
        XCTAssertEqual(decodeFailure(head), "\(head.path): truncated JPEG data: the file ends at byte \(frame + 10) before the image is complete")
    }

    func testWebPHeaderProblems() throws {
        let lossless = try bytes("lossless.webp")
        var unknown = lossless
        unknown.replaceSubrange(12..<16, with: Array("ALPH".utf8))
        let unknownURL = try temporaryFile("unknown.webp", unknown, in: self)
        XCTAssertEqual(headerFailure(unknownURL), "\(unknownURL.path): corrupt WebP data: the first chunk is 'ALPH', not VP8, VP8L or VP8X")

        var signature = lossless
        signature[20] = 0x2E
        let signatureURL = try temporaryFile("signature.webp", signature, in: self)
        XCTAssertEqual(headerFailure(signatureURL), "\(signatureURL.path): corrupt WebP data: the VP8L chunk lacks its signature byte 0x2f")

        let short = try temporaryFile("short.webp", Array(lossless[..<22]), in: self)
        XCTAssertEqual(headerFailure(short), "\(short.path): truncated WebP data: the file ends at byte 22, inside the VP8L header")

        let lossy = try bytes("lossy.webp")
        var noStartCode = lossy
        noStartCode[24] = 0
        let startURL = try temporaryFile("start.webp", noStartCode, in: self)
        XCTAssertEqual(headerFailure(startURL), "\(startURL.path): corrupt WebP data: the VP8 key frame lacks its start code 9d 01 2a")
    }

    // MARK: - Damage only decoding finds

    func testTruncatedJPEG() {
        XCTAssertNoThrow(try ImageDecoder.checkHeader(contentsOf: url("truncated.jpg")))
        XCTAssertEqual(decodeFailure(url("truncated.jpg")),
                       "\(url("truncated.jpg").path): truncated JPEG data: the file ends at byte 672 before the image is complete")
    }

    /// PIL refuses a JPEG without its end-of-image marker ("image file is truncated"), so fidviz does.
    func testJPEGWithoutItsEndMarkerIsTruncated() throws {
        let good = try bytes("baseline_420.jpg")
        let cut = try temporaryFile("noeoi.jpg", Array(good.dropLast(2)), in: self)
        XCTAssertEqual(decodeFailure(cut), "\(cut.path): truncated JPEG data: the file ends at byte \(good.count - 2) before the image is complete")
    }

    func testCorruptJPEGTablesAreNamedByLibjpeg() throws {
        var bytes = try bytes("baseline_420.jpg")
        let huffman = try XCTUnwrap((2 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC4 })
        bytes[huffman + 4] = 0x47  // table class 4: there are only DC (0) and AC (1) tables
        let url = try temporaryFile("dht.jpg", bytes, in: self)
        XCTAssertNoThrow(try ImageDecoder.checkHeader(contentsOf: url))
        XCTAssertEqual(decodeFailure(url), "\(url.path): cannot decode the JPEG data: Bogus DHT index 71")
    }

    func testCorruptWebPChunk() {
        let name = url("corrupt_chunk.webp")
        XCTAssertNoThrow(try ImageDecoder.checkHeader(contentsOf: name))
        XCTAssertEqual(decodeFailure(name), "\(name.path): corrupt WebP data: libwebp cannot decode the first frame")
    }

    func testTruncatedWebP() {
        let name = url("truncated.webp")
        XCTAssertNoThrow(try ImageDecoder.checkHeader(contentsOf: name))
        XCTAssertEqual(decodeFailure(name), "\(name.path): truncated WebP data: the file ends at byte 217 but its RIFF header declares 434 bytes")
    }
}
