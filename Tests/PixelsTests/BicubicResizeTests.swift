import Foundation
import NumpyFiles
import Pixels
import TestSupport
import XCTest

/// `RGBImage.resizedBicubic` against Pillow's `Image.resize(..., Image.BICUBIC)`, byte for byte.
final class BicubicResizeTests: XCTestCase {
    private func image(_ array: NpyArray) throws -> RGBImage {
        XCTAssertEqual(array.shape.count, 3)
        let bytes = try XCTUnwrap(array.int64s()).map { UInt8($0) }
        return RGBImage(width: array.shape[1], height: array.shape[0], rgb: bytes)
    }

    /// Counts the bytes that differ, and reports the first.
    private func assertSameBytes(_ actual: RGBImage, _ expected: RGBImage, _ name: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual([actual.width, actual.height], [expected.width, expected.height], name, file: file, line: line)
        guard actual.rgb.count == expected.rgb.count else { return }
        let differing = zip(actual.rgb, expected.rgb).enumerated().filter { $0.element.0 != $0.element.1 }
        if let first = differing.first {
            XCTFail("\(name): \(differing.count) of \(actual.rgb.count) bytes differ; first at byte \(first.offset): "
                    + "\(first.element.0) instead of \(first.element.1)", file: file, line: line)
        }
    }

    /// Seeded images (make_pil_bicubic_cases.py): width only, height only, one axis up and the
    /// other down, strong shrinking, both up.
    func testSeededCasesEqualPillow() throws {
        let cases = try Npz.read(contentsOf: Fixtures.url("dinov2/pil_bicubic_cases.npz"))
        for i in 0 ..< 5 {
            let input = try image(try XCTUnwrap(cases["in_\(i)"])), expected = try image(try XCTUnwrap(cases["out_\(i)"]))
            let resized = input.resizedBicubic(width: expected.width, height: expected.height)
            assertSameBytes(resized, expected, "case \(i): \(input.width)x\(input.height) -> \(expected.width)x\(expected.height)")
        }
    }

    /// The golden images as DINOv2's preprocessing resizes them (512x512, 200x200 and 400x328
    /// down, 96x96 up; RGB, gray, RGBA): the goldens' `resized` arrays.
    func testGoldenImagesEqualPillow() throws {
        for stem in ["astronaut", "camera", "chelsea_crop96", "chessboard_RGB", "horse"] {
            let golden = try Npz.read(contentsOf: Fixtures.url("dinov2/\(stem).dinov2-vits14.npz"))
            let decoded = try ImageDecoder.decode(contentsOf: Fixtures.url("golden/images/\(stem).png"))
            let expected = try image(try XCTUnwrap(golden["resized"]))
            assertSameBytes(decoded.resizedBicubic(width: 224, height: 224), expected, stem)
        }
    }

    func testKernelAndUnchangedSize() {
        let image = RGBImage(width: 2, height: 1, rgb: [0, 10, 20, 30, 40, 50])
        XCTAssertEqual(image.resizedBicubic(width: 2, height: 1), image)
        // Upsampling a constant image keeps it constant (the weights sum to one in fixed point).
        let flat = RGBImage(width: 3, height: 2, rgb: [UInt8](repeating: 77, count: 18))
        XCTAssertEqual(flat.resizedBicubic(width: 7, height: 5).rgb, [UInt8](repeating: 77, count: 105))
    }
}
