import Foundation
import Pixels
import TestSupport
import XCTest
import ZipArchive

/// `PNGDecoder.checkHeader`: the signature and IHDR, checked from the first 33 bytes only.
final class PNGHeaderCheckTests: XCTestCase {
    private static let pngFolder = Fixtures.url("png")

    private func path(_ name: String) -> String { Self.pngFolder.appendingPathComponent(name).path }

    /// The error `checkHeader` throws for `url`, or a failure.
    private func headerError(_ url: URL, maxPixels: Int = ImageDecoder.defaultMaxPixels) -> String {
        do {
            let size = try PNGDecoder.checkHeader(contentsOf: url, maxPixels: maxPixels)
            XCTFail("\(url.lastPathComponent): the header check passed (\(size)) but should have failed")
        } catch let error as ImageDecodingError {
            return error.description
        } catch {
            XCTFail("\(url.lastPathComponent): unexpected \(type(of: error)): \(error)")
        }
        return ""
    }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> URL { try temporaryFile(name, bytes, in: self) }

    /// rgb8.png (5x4, 8-bit RGB) with IHDR's 13 field bytes replaced and its CRC recomputed.
    private func rgb8WithFields(_ change: (inout [UInt8]) -> Void) throws -> [UInt8] {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("rgb8.png"))))
        var fields = Array(bytes[16..<29])
        change(&fields)
        bytes.replaceSubrange(16..<29, with: fields)
        let crc = CRC32.checksum(Array(bytes[12..<29]))  // PNG's CRC is zip's, over the chunk type and data
        bytes.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF),
                                              UInt8(crc & 0xFF)])
        return bytes
    }

    // MARK: - Sound headers

    func testEveryDecodableFixtureGivesTheDecodedSize() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.pngFolder.path)
            .filter { $0.hasSuffix(".png") }.sorted()
        var checked = 0
        for name in names {
            let url = Self.pngFolder.appendingPathComponent(name)
            guard let image = try? PNGDecoder.decode(contentsOf: url) else { continue }
            let size = try PNGDecoder.checkHeader(contentsOf: url)
            XCTAssertEqual(size.width, image.width, name)
            XCTAssertEqual(size.height, image.height, name)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 15)
    }

    /// Damage after IHDR is the decoder's to find: the header check passes.
    func testDamageAfterIHDRPassesTheHeaderCheck() throws {
        XCTAssertEqual(try PNGDecoder.checkHeader(contentsOf: Self.pngFolder.appendingPathComponent("truncated.png")).width, 11)
        XCTAssertNoThrow(try PNGDecoder.checkHeader(contentsOf: Self.pngFolder.appendingPathComponent("corrupt_idat.png")))
        // Just the signature and IHDR, nothing after it.
        let head = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("rgb8.png"))).prefix(33))
        let size = try PNGDecoder.checkHeader(contentsOf: try file("head.png", head))
        XCTAssertEqual(size.width, 5)
        XCTAssertEqual(size.height, 4)
    }

    // MARK: - Broken headers: the decoder's messages

    func testSameMessagesAsTheDecoder() {
        for name in ["bad_signature.png", "empty.png", "bomb_100000x100000.png", "no_such_file.png"] {
            let url = Self.pngFolder.appendingPathComponent(name)
            var decodeMessage = ""
            XCTAssertThrowsError(try PNGDecoder.decode(contentsOf: url)) { decodeMessage = "\($0)" }
            XCTAssertEqual(headerError(url), decodeMessage, name)
        }
        XCTAssertEqual(headerError(Self.pngFolder.appendingPathComponent("empty.png")),
                       "\(path("empty.png")): not a PNG file (the file is empty)")
    }

    func testMaxPixelsIsAParameter() throws {
        let url = Self.pngFolder.appendingPathComponent("rgb8.png")
        XCTAssertEqual(headerError(url, maxPixels: 19),
                       "\(url.path): 5x4 pixels exceeds the limit of 19 pixels (a decompression-bomb guard, as in PIL; FIDVIZ_MAX_IMAGE_PIXELS raises it)")
        XCTAssertEqual(try PNGDecoder.checkHeader(contentsOf: url, maxPixels: 20).width, 5)
    }

    func testFileEndingInsideIHDR() throws {
        let head = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("rgb8.png"))).prefix(20))
        let url = try file("cut.png", head)
        XCTAssertEqual(headerError(url), "\(url.path): truncated PNG data: the file ends at byte 20 but 9 more bytes were needed")
    }

    func testIHDRWithWrongCRC() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("rgb8.png"))))
        bytes[30] ^= 0xFF
        let url = try file("crc.png", bytes)
        XCTAssertEqual(headerError(url), "\(url.path): corrupt PNG data: IHDR: CRC error")
    }

    func testIllegalIHDRFields() throws {
        let zeroWidth = try file("zero.png", rgb8WithFields { $0[0...3] = [0, 0, 0, 0] })
        XCTAssertEqual(headerError(zeroWidth), "\(zeroWidth.path): corrupt PNG data: Invalid IHDR data")
        let badDepth = try file("depth.png", rgb8WithFields { $0[8] = 3 })  // RGB allows 8 or 16 bits
        XCTAssertEqual(headerError(badDepth), "\(badDepth.path): corrupt PNG data: Invalid IHDR data")
        // The same fields are refused by the decoder, with the same message.
        XCTAssertThrowsError(try PNGDecoder.decode(contentsOf: badDepth)) {
            XCTAssertEqual("\($0)", "\(badDepth.path): corrupt PNG data: Invalid IHDR data")
        }
    }

    /// Refused from the chunk type, before libpng reads it, whether libpng knows the type (tEXt)
    /// or would skip it (quUx), and by the decoder with the same message.
    func testFirstChunkIsNotIHDR() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("rgb8.png"))))
        for type in ["tEXt", "quUx"] {
            bytes.replaceSubrange(12..<16, with: Array(type.utf8))
            let url = try file("\(type)-first.png", bytes)
            XCTAssertEqual(headerError(url), "\(url.path): corrupt PNG data: the first chunk is not IHDR", type)
            XCTAssertThrowsError(try PNGDecoder.decode(contentsOf: url)) {
                XCTAssertEqual("\($0)", "\(url.path): corrupt PNG data: the first chunk is not IHDR", type)
            }
        }
    }
}
