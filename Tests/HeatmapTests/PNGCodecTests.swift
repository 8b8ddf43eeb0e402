import XCTest
@testable import Heatmap

final class PNGCodecTests: XCTestCase {
    func testRoundTripKeepsEveryByte() throws {
        let rgb: [UInt8] = (0..<(7 * 5 * 3)).map { UInt8(($0 * 37) % 256) }
        let image = RGBPixels(width: 7, height: 5, rgb: rgb)
        let png = try PNGCodec.encode(image)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(try PNGCodec.decode(png), image)
    }

    func testDecodesGoldenImagesOfSeveralKinds() throws {
        let astronaut = try TestSupport.goldenImage("astronaut.png")
        XCTAssertEqual([astronaut.width, astronaut.height], [512, 512])
        let cat = try TestSupport.goldenImage("chelsea_crop96.png")
        XCTAssertEqual([cat.width, cat.height], [96, 96])
    }

    func testGarbageIsATypedError() {
        XCTAssertThrowsError(try PNGCodec.decode([1, 2, 3, 4])) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix("Could not decode 4 bytes as PNG: "), text)
            XCTAssertTrue(text.hasSuffix("Pass the bytes of a complete PNG file."), text)
        }
    }

    func testTruncatedPNGIsATypedError() throws {
        let png = try PNGCodec.encode(RGBPixels(width: 8, height: 8, rgb: [UInt8](repeating: 200, count: 192)))
        let cut = Array(png.prefix(png.count / 2))
        XCTAssertThrowsError(try PNGCodec.decode(cut)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("Could not decode \(cut.count) bytes as PNG: "))
        }
    }
}
