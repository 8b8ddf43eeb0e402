import Foundation
import Pixels
import TestSupport
import XCTest

/// JPEG and WebP decoding against what `PIL.Image.open(p).convert('RGB')` gives
/// (Tests/Fixtures/jpeg_webp, made by make_jpeg_webp_fixtures.py with Pillow 13).
final class JPEGWebPParityTests: XCTestCase {
    static let folder = Fixtures.url("jpeg_webp")

    struct Expected: Decodable {
        struct Fixture: Decodable {
            let pil_format: String?
            let pil_mode: String?
            let width: Int?
            let height: Int?
            let fnv1a64: String?
            let pil_rgb: [UInt8]?
            let pil_error: String?
        }
        let versions: [String: String]
        let fixtures: [String: Fixture]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
    }

    private func decode(_ name: String) throws -> RGBImage {
        try ImageDecoder.decode(contentsOf: Self.folder.appendingPathComponent(name))
    }

    // MARK: - PIL convert('RGB') parity, byte for byte

    func testEveryDecodableFixtureMatchesPILExactly() throws {
        let expected = try Self.expected()
        XCTAssertEqual(expected.versions["pillow"], "13.0.0")
        let decodable = expected.fixtures.filter { $0.value.pil_error == nil }
        XCTAssertEqual(Set(decodable.keys), [
            "baseline_420.jpg", "baseline_444.jpg", "progressive_422.jpg", "gray.jpg", "exif_rotated.jpg",
            "upper_case.JPG", "cmyk.jpg", "astronaut_q100_444.jpg", "lossy.webp", "lossless.webp",
            "lossless_alpha.webp", "lossy_alpha.webp", "animated.webp", "png_inside.jpg", "jpeg_inside.png",
        ])
        for (name, entry) in decodable.sorted(by: { $0.key < $1.key }) {
            let image = try decode(name)
            XCTAssertEqual(image.width, entry.width, name)
            XCTAssertEqual(image.height, entry.height, name)
            XCTAssertEqual(fnv1a64(image.rgb), entry.fnv1a64, name)
            if let rgb = entry.pil_rgb {
                XCTAssertEqual(image.rgb, rgb, name)
            } else {
                XCTAssertEqual(name, "astronaut_q100_444.jpg", "only the large picture is stored as a checksum")
            }
            XCTAssertEqual(try ImageDecoder.checkHeader(contentsOf: Self.folder.appendingPathComponent(name)).width,
                           image.width, name)
        }
    }

    func testTheFixturesCoverPILsModes() throws {
        let fixtures = try Self.expected().fixtures
        XCTAssertEqual(fixtures["gray.jpg"]?.pil_mode, "L")
        XCTAssertEqual(fixtures["cmyk.jpg"]?.pil_mode, "CMYK")
        XCTAssertEqual(fixtures["lossless_alpha.webp"]?.pil_mode, "RGBA")
        XCTAssertEqual(fixtures["lossy_alpha.webp"]?.pil_mode, "RGBA")
        XCTAssertEqual(fixtures["png_inside.jpg"]?.pil_format, "PNG")
        XCTAssertEqual(fixtures["jpeg_inside.png"]?.pil_format, "JPEG")
    }

    func testGrayIsReplicated() throws {
        let gray = try decode("gray.jpg")
        for pixel in 0 ..< gray.width * gray.height {
            XCTAssertEqual(gray.rgb[pixel * 3], gray.rgb[pixel * 3 + 1])
            XCTAssertEqual(gray.rgb[pixel * 3], gray.rgb[pixel * 3 + 2])
        }
    }

    /// exif_rotated.jpg is baseline_420.jpg's picture with orientation 6 in its EXIF: PIL's open()
    /// does not rotate, so neither the size nor a pixel changes.
    func testEXIFOrientationIsIgnored() throws {
        let rotated = try decode("exif_rotated.jpg")
        XCTAssertEqual(rotated.width, 33)
        XCTAssertEqual(rotated.height, 17)
        XCTAssertEqual(rotated, try decode("baseline_420.jpg"))
    }

    /// Row 0 of the alpha pictures is fully transparent yet coloured: compositing would make it
    /// black or white; PIL keeps the colour.
    func testAlphaIsDroppedWithoutCompositing() throws {
        let rowBytes = 33 * 3
        let lossless = try decode("lossless_alpha.webp")
        XCTAssertTrue(lossless.rgb[0 ..< rowBytes].contains { $0 != 0 && $0 != 255 })
        let lossy = try decode("lossy_alpha.webp")
        XCTAssertTrue(lossy.rgb[0 ..< rowBytes].contains { $0 != 0 && $0 != 255 })
    }

    /// The second frame is the first one inverted; PIL gives the first.
    func testAnimatedWebPGivesItsFirstFrame() throws {
        let animated = try decode("animated.webp")
        XCTAssertEqual(animated, try decode("lossless.webp"))
    }

    // MARK: - Content, not name

    func testFilesAreReadByContentNotName() throws {
        let pngInJPEGName = try decode("png_inside.jpg")
        XCTAssertEqual(pngInJPEGName, try PNGDecoder.decode(contentsOf: Fixtures.url("png/rgb8.png")))
        XCTAssertEqual(try decode("jpeg_inside.png"), try decode("baseline_444.jpg"))
        XCTAssertEqual(try ImageDecoder.checkHeader(contentsOf: Self.folder.appendingPathComponent("png_inside.jpg")).width, 5)
    }

    func testInMemoryDecodingSniffsTheFormat() throws {
        let bytes = try Data(contentsOf: Self.folder.appendingPathComponent("lossy.webp"))
        XCTAssertEqual(try ImageDecoder.decode(data: bytes, name: "memory"), try decode("lossy.webp"))
    }

    // MARK: - libjpeg's warnings stay quiet

    /// Junk bytes before a marker make libjpeg warn ("extraneous bytes before marker"); PIL
    /// decodes such a file to the same pixels, and nothing may be printed.
    func testJPEGWarningsAreNotPrinted() throws {
        var bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent("baseline_420.jpg")))
        let quantisation = try XCTUnwrap((2 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDB })
        bytes.insert(contentsOf: [0x01, 0x02, 0x03], at: quantisation)
        let url = try temporaryFile("junk.jpg", bytes, in: self)
        var image: RGBImage?
        let printed = try capturingStandardError { image = try ImageDecoder.decode(contentsOf: url) }
        XCTAssertEqual(printed, "")
        XCTAssertEqual(image, try decode("baseline_420.jpg"))
    }

    /// What `body` writes to file descriptor 2.
    private func capturingStandardError(_ body: () throws -> Void) throws -> String {
        let capture = try temporaryFile("stderr.txt", [], in: self)
        let descriptor = open(capture.path, O_WRONLY)
        let saved = dup(2)
        fflush(stderr)
        dup2(descriptor, 2)
        defer {
            fflush(stderr)
            dup2(saved, 2)
            close(saved)
            close(descriptor)
        }
        try body()
        fflush(stderr)
        return try String(contentsOf: capture, encoding: .utf8)
    }
}
