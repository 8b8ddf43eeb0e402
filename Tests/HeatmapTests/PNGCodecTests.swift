import Foundation
import Pixels
import XCTest
@testable import Heatmap

/// `PNGCodec.encode`, the PNG writer every figure, chart and thumbnail goes through (Cairo's
/// libpng writer into memory): what it writes decodes to the image it was given, pixel for
/// pixel, as an 8-bit PNG with no alpha channel (Cairo drops alpha from an opaque surface); a
/// size Cairo refuses is a thrown error that names the size. (Decoding is Pixels' and is tested
/// in PixelsTests.)
final class PNGCodecTests: XCTestCase {
    /// Sides from one pixel up, each channel running through every byte value.
    func testEncodedImagesDecodeToTheSamePixels() throws {
        for (width, height) in [(1, 1), (7, 5), (256, 3), (3, 301)] {
            let rgb = (0 ..< width * height * 3).map { (i: Int) -> UInt8 in UInt8((i / 3 * 37 + i % 3 * 101) % 256) }
            let image = RGBImage(width: width, height: height, rgb: rgb)
            let decoded = try Support.decodePNG(try PNGCodec.encode(image))
            XCTAssertEqual([decoded.width, decoded.height], [width, height], "\(width)x\(height)")
            XCTAssertTrue(decoded.rgb == rgb, "\(width)x\(height): the decoded pixels differ")
        }
    }

    /// The signature, then IHDR: width and height (big-endian), bit depth 8, colour type 2 (RGB:
    /// every pixel of the surface is opaque, so Cairo writes no alpha), no interlacing.
    func testWritesAnEightBitRGBPNG() throws {
        let image = RGBImage(width: 300, height: 2, rgb: [UInt8](repeating: 200, count: 300 * 2 * 3))
        let png = try PNGCodec.encode(image)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(Array(png[8 ..< 16]), [0, 0, 0, 13] + Array("IHDR".utf8))
        XCTAssertEqual(Array(png[16 ..< 24]), [0, 0, 0x01, 0x2C, 0, 0, 0, 2], "300 x 2")
        XCTAssertEqual(png[24], 8, "bit depth")
        XCTAssertEqual(png[25], 2, "colour type: RGB")
        XCTAssertEqual(png[28], 0, "interlace method")
    }

    /// Cairo's image surfaces stop at 32767 pixels a side: a wider image is refused with the
    /// size in the message, not written.
    func testAnImageCairoCannotHoldIsAThrownError() {
        let image = RGBImage(width: 32768, height: 1, rgb: [UInt8](repeating: 0, count: 32768 * 3))
        XCTAssertThrowsError(try PNGCodec.encode(image)) { error in
            XCTAssertEqual(error as? HeatmapError, .cairo(
                operation: "create a 32768x1 image surface",
                status: "invalid value (typically too big) for the size of the input (surface, pattern, etc.)"))
        }
    }
}
