import Pixels
import XCTest
@testable import Heatmap

final class PNGCodecTests: XCTestCase {
    func testRoundTripKeepsEveryByte() throws {
        let rgb: [UInt8] = (0..<(7 * 5 * 3)).map { UInt8(($0 * 37) % 256) }
        let image = RGBImage(width: 7, height: 5, rgb: rgb)
        let png = try PNGCodec.encode(image)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(try Support.decodePNG(png), image)
    }

    func testDecodesGoldenImagesOfSeveralKinds() throws {
        let astronaut = try Support.goldenImage("astronaut.png")
        XCTAssertEqual([astronaut.width, astronaut.height], [512, 512])
        let cat = try Support.goldenImage("chelsea_crop96.png")
        XCTAssertEqual([cat.width, cat.height], [96, 96])
    }
}
