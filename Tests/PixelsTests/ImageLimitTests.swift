import Foundation
import Pixels
import TestSupport
import UntrustedInput
import XCTest

/// `Limits.maxImagePixels` (FIDVIZ_MAX_IMAGE_PIXELS): refused from IHDR, by the header check and
/// by the decoder alike, before pixel memory exists.
final class ImageLimitTests: XCTestCase {
    private static let pngFolder = Fixtures.url("png")

    func testTheDefaultIsTheLimitsValue() {
        XCTAssertEqual(ImageDecoder.defaultMaxPixels, Limits.current.maxImagePixels)
        XCTAssertEqual(Limits().maxImagePixels, 89_478_485)
    }

    func testHeaderOverTheLimitIsRefusedByBothEntryPoints() throws {
        let bomb = try Data(contentsOf: Self.pngFolder.appendingPathComponent("bomb_100000x100000.png"))
        let message = "bomb.png: 100000x100000 pixels exceeds the limit of 89478485 pixels (a decompression-bomb "
            + "guard, as in PIL; FIDVIZ_MAX_IMAGE_PIXELS raises it)"
        XCTAssertThrowsError(try ImageDecoder.checkHeader(data: bomb, name: "bomb.png", maxPixels: 89_478_485)) {
            XCTAssertEqual("\($0)", message)
        }
        XCTAssertThrowsError(try PNGDecoder.decode(data: bomb, name: "bomb.png", maxPixels: 89_478_485)) {
            XCTAssertEqual("\($0)", message)
        }
    }

    /// Found by the png fuzz campaign: libpng skipped an unknown chunk before IHDR, so decoding
    /// and the header check disagreed; now both refuse it.
    func testFirstChunkMustBeIHDR() throws {
        let url = Fixtures.url("fuzz/png/first-chunk-not-ihdr.png")
        let data = try Data(contentsOf: url)
        let message = "x.png: corrupt PNG data: the first chunk is not IHDR"
        XCTAssertThrowsError(try ImageDecoder.checkHeader(data: data, name: "x.png")) { XCTAssertEqual("\($0)", message) }
        XCTAssertThrowsError(try PNGDecoder.decode(data: data, name: "x.png")) { XCTAssertEqual("\($0)", message) }
    }
}
