import Foundation
import Pixels
import TestSupport
import XCTest

/// PNG decoding against what `PIL.Image.open(p).convert('RGB')` gives (Tests/Fixtures/png,
/// made by make_png_fixtures.py) and against the golden images' dimensions and checksums.
final class PNGDecoderTests: XCTestCase {

    // MARK: - Fixtures

    private static let pngFolder = Fixtures.url("png")
    private static let goldenImages = Fixtures.url("golden/images")

    private struct Expected: Decodable {
        struct Fixture: Decodable {
            let width: Int?
            let height: Int?
            let pil_mode: String?
            let pil_rgb: [UInt8]?
            let expected_rgb: [UInt8]?
            let pil_error: String?
        }
        struct Golden: Decodable {
            let width: Int
            let height: Int
            let pil_mode: String
            let byte_sum: UInt64
            let fnv1a64: String
            let first_pixel: [UInt8]
            let last_pixel: [UInt8]
        }
        let fixtures: [String: Fixture]
        let golden_images: [String: Golden]
    }

    private func expected() throws -> Expected {
        let data = try Data(contentsOf: Self.pngFolder.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    private func decodeFixture(_ name: String, maxPixels: Int = ImageDecoder.defaultMaxPixels)
        throws -> RGBImage
    {
        try PNGDecoder.decode(
            contentsOf: Self.pngFolder.appendingPathComponent(name), maxPixels: maxPixels)
    }

    /// The error's description, or a failure naming what decoded instead.
    private func decodingError(_ name: String, maxPixels: Int = ImageDecoder.defaultMaxPixels)
        -> String
    {
        do {
            let image = try decodeFixture(name, maxPixels: maxPixels)
            XCTFail("\(name) decoded to \(image.width)x\(image.height) but should have failed")
            return ""
        } catch let error as ImageDecodingError {
            return error.description
        } catch {
            XCTFail("\(name) threw \(type(of: error)) instead of ImageDecodingError: \(error)")
            return ""
        }
    }

    private func path(_ name: String) -> String { Self.pngFolder.appendingPathComponent(name).path }

    // MARK: - PIL convert('RGB') parity

    func testEveryDecodableFixtureMatchesPIL() throws {
        let decodable = try expected().fixtures.filter { $0.value.pil_rgb != nil }
        let required = [
            "rgb8.png", "rgba8.png", "la8.png", "gray8.png", "gray1.png", "gray2.png", "gray4.png",
            "palette4.png", "palette8_trns.png", "palette_trns_table.png", "gray8_trns.png",
            "rgb16.png", "rgba16.png", "gray16.png", "la16.png", "rgb8_adam7.png",
            "gray2_adam7.png", "palette_adam7_3x2.png", "idat_crc_mismatch.png",
        ]
        XCTAssertEqual(Set(decodable.keys), Set(required))
        for (name, entry) in decodable.sorted(by: { $0.key < $1.key }) {
            let image = try decodeFixture(name)
            XCTAssertEqual(image.width, entry.width, name)
            XCTAssertEqual(image.height, entry.height, name)
            XCTAssertEqual(image.rgb, entry.expected_rgb ?? entry.pil_rgb, name)
        }
    }

    func testAlphaIsDroppedWithoutCompositing() throws {
        // Row 0 of rgba8.png is fully transparent yet coloured; compositing would make it black
        // or white, PIL keeps the colour.
        let entry = try XCTUnwrap(expected().fixtures["rgba8.png"])
        let image = try decodeFixture("rgba8.png")
        XCTAssertEqual(Array(image.rgb[0..<15]), Array(try XCTUnwrap(entry.pil_rgb)[0..<15]))
        XCTAssertTrue(image.rgb[0..<15].contains { $0 != 0 && $0 != 255 })
    }

    func testSixteenBitGrayKeepsMostSignificantByteUnlikePIL() throws {
        // First three samples are 255, 256, 65535: MSB gives 0, 1, 255; PIL clips to 255, 255, 255.
        let entry = try XCTUnwrap(expected().fixtures["gray16.png"])
        XCTAssertEqual(entry.pil_mode, "I;16")
        XCTAssertEqual(
            Array(try XCTUnwrap(entry.pil_rgb)[0..<9]),
            [255, 255, 255, 255, 255, 255, 255, 255, 255])
        let image = try decodeFixture("gray16.png")
        XCTAssertEqual(Array(image.rgb[0..<9]), [0, 0, 0, 1, 1, 1, 255, 255, 255])
    }

    func testLowBitGrayIsScaledLikePIL() throws {
        let two = try decodeFixture("gray2.png")
        XCTAssertTrue(Set(two.rgb).isSubset(of: [0, 85, 170, 255]))
        let four = try decodeFixture("gray4.png")
        XCTAssertTrue(four.rgb.allSatisfy { $0 % 17 == 0 })
        let one = try decodeFixture("gray1.png")
        XCTAssertEqual(Set(one.rgb), [0, 255])
    }

    func testIgnoringImageDataCRCMatchesPIL() throws {
        XCTAssertEqual(
            try decodeFixture("idat_crc_mismatch.png"), try decodeFixture("rgb8_adam7.png"))
    }

    // MARK: - Broken files

    func testBadSignature() {
        XCTAssertEqual(
            decodingError("bad_signature.png"),
            "\(path("bad_signature.png")): not a PNG file (bad signature)")
    }

    func testEmptyFile() {
        XCTAssertEqual(
            decodingError("empty.png"), "\(path("empty.png")): not a PNG file (the file is empty)")
    }

    func testTruncatedFile() {
        XCTAssertEqual(
            decodingError("truncated.png"),
            "\(path("truncated.png")): truncated PNG data: the file ends at byte 344 but "
                + "24 more bytes were needed")
    }

    func testCorruptImageData() {
        XCTAssertEqual(
            decodingError("corrupt_idat.png"),
            "\(path("corrupt_idat.png")): corrupt PNG data: IDAT: invalid stored block lengths")
    }

    func testMissingFile() {
        XCTAssertEqual(
            decodingError("no_such_file.png"),
            "\(path("no_such_file.png")): cannot read the file (no such file); check the path")
    }

    func testDecompressionBombHeaderFailsFast() {
        let start = Date()
        XCTAssertEqual(
            decodingError("bomb_100000x100000.png"),
            "\(path("bomb_100000x100000.png")): 100000x100000 pixels exceeds the limit of "
                + "89478485 pixels (a decompression-bomb guard, as in PIL; FIDVIZ_MAX_IMAGE_PIXELS raises it)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
    }

    func testMaxPixelsIsAParameter() throws {
        XCTAssertEqual(
            decodingError("rgb8.png", maxPixels: 19),
            "\(path("rgb8.png")): 5x4 pixels exceeds the limit of 19 pixels "
                + "(a decompression-bomb guard, as in PIL; FIDVIZ_MAX_IMAGE_PIXELS raises it)")
        XCTAssertEqual(try decodeFixture("rgb8.png", maxPixels: 20).width, 5)
    }

    func testInMemoryErrorsUseTheGivenName() {
        XCTAssertThrowsError(try PNGDecoder.decode(data: Data([1, 2, 3]), name: "memory.png")) {
            XCTAssertEqual(
                $0 as? ImageDecodingError,
                ImageDecodingError(file: "memory.png", reason: "not a PNG file (bad signature)"))
        }
    }

    // MARK: - Golden images

    func testGoldenImagesDecodeLikePIL() throws {
        let golden = try expected().golden_images
        XCTAssertEqual(
            Set(golden.keys),
            [
                "astronaut.png", "camera.png", "chelsea_crop96.png", "chessboard_RGB.png",
                "horse.png",
            ])
        let sizes = [
            "astronaut.png": (512, 512), "camera.png": (512, 512), "chelsea_crop96.png": (96, 96),
            "chessboard_RGB.png": (200, 200), "horse.png": (400, 328),
        ]
        for (name, entry) in golden.sorted(by: { $0.key < $1.key }) {
            let image = try PNGDecoder.decode(
                contentsOf: Self.goldenImages.appendingPathComponent(name))
            XCTAssertEqual(image.width, sizes[name]?.0, name)
            XCTAssertEqual(image.height, sizes[name]?.1, name)
            XCTAssertEqual(image.width, entry.width, name)
            XCTAssertEqual(image.height, entry.height, name)
            XCTAssertEqual(image.rgb.reduce(UInt64(0)) { $0 + UInt64($1) }, entry.byte_sum, name)
            XCTAssertEqual(fnv1a64(image.rgb), entry.fnv1a64, name)
            XCTAssertEqual(Array(image.rgb.prefix(3)), entry.first_pixel, name)
            XCTAssertEqual(Array(image.rgb.suffix(3)), entry.last_pixel, name)
        }
    }

    // MARK: - Planar unit pixels

    func testPlanarUnitPixelsLayoutAndScale() {
        let image = RGBImage(width: 2, height: 1, rgb: [0, 128, 255, 1, 2, 3])
        let planes = image.planarUnitPixels()
        let expected: [Float] = [
            0, Float(1) / 255, Float(128) / 255, Float(2) / 255, 1, Float(3) / 255,
        ]
        XCTAssertEqual(planes, expected)
        XCTAssertEqual(planes[2], 0.5019608)  // 128/255 rounded to Float32
    }
}
