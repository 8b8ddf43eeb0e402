import Foundation
import NumpyFiles
import TestSupport
import XCTest

/// Reading .npz archives written by numpy (make_npz_fixtures.py), and broken archives.
final class NpzReadingTests: XCTestCase {

    /// The arrays make_npz_fixtures.py's `members()` writes, in C order.
    private let expected: [String: NpyArray] = [
        "f4": NpyArray([1.5, -2.25, 3.0, 0.0, 1e-3, -7.0] as [Float], shape: [2, 3]),
        "f8": NpyArray([Double.pi, -0.0, 1e300, 5e-324]),
        "i8": NpyArray([0, -1, 1 << 62, Int64.min] as [Int64]),
        "words": NpyArray(["alpha", "", "héllo ✓", "𝄞"]),
        "scalar": NpyArray(scalar: 2.5),
        "name": NpyArray(scalar: "fidviz"),
        "fortran": NpyArray((0..<24).map(Double.init), shape: [2, 3, 4]),
        "empty": NpyArray([Float](), shape: [0, 3]),
        "u1": NpyArray([0, 1, 255] as [Int64]),
        "i4": NpyArray([-5, 7] as [Int64], shape: [1, 2]),
    ]

    // MARK: - numpy's archives

    func testSavez() throws {
        let arrays = try Npz.read(contentsOf: Fixtures.url("npz/savez.npz"))
        XCTAssertEqual(arrays, expected)
        XCTAssertEqual(arrays["f8"]?.doubles()?[1].sign, .minus, "-0.0 keeps its sign")
        XCTAssertEqual(arrays["words"]?.dtype, "<U7")
    }

    func testSavezCompressed() throws {
        XCTAssertEqual(try Npz.read(contentsOf: Fixtures.url("npz/savez_compressed.npz")), expected)
    }

    func testZip64ExtrasAndEndRecord() throws {
        // Sizes and offsets come from zip64 extras; the classic end record is saturated.
        XCTAssertEqual(
            try Npz.read(contentsOf: Fixtures.url("npz/zip64_forced.npz")),
            ["a": NpyArray((0..<20).map(Double.init)), "b": NpyArray(["x", "yz"])])
    }

    // MARK: - Refused and broken archives

    func testObjectArrayIsRefused() {
        let url = Fixtures.url("npz/object.npz")
        XCTAssertEqual(
            numpyError(try Npz.read(contentsOf: url)),
            "\(url.path) member 'obj.npy' at byte 10: object arrays ('|O') are refused: reading "
                + "them needs pickle, which can run arbitrary code; save the data with a numeric "
                + "or string dtype")
    }

    func testTruncatedArchive() {
        let url = Fixtures.url("npz/truncated.npz")
        XCTAssertEqual(
            numpyError(try Npz.read(contentsOf: url)),
            "\(url.path): not a zip archive (no end-of-central-directory record); the file is "
                + "truncated or is not an .npz")
    }

    func testMemberClaimingAHugeShapeFailsWithoutAllocating() {
        let url = Fixtures.url("npz/huge_shape.npz")
        let start = Date()
        XCTAssertEqual(
            numpyError(try Npz.read(contentsOf: url)),
            "\(url.path) member 'huge.npy' at byte 128: header shape (1099511627776,) needs "
                + "8796093022208 bytes of '<f8' data but only 16 bytes follow the header "
                + "(truncated file or lying header)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    func testNotAZipFile() {
        XCTAssertEqual(
            numpyError(
                try Npz.read(data: Data("just some text, long enough to scan".utf8), name: "a.npz")),
            "a.npz: not a zip archive (no end-of-central-directory record); the file is truncated "
                + "or is not an .npz")
    }

    func testMissingFile() {
        let url = Fixtures.url("npz/absent.npz")
        XCTAssertEqual(
            numpyError(try Npz.read(contentsOf: url)),
            "\(url.path): cannot read the file (no such file)")
    }

    func testCorruptStoredDataFailsItsCRC() throws {
        var data = try Fixtures.data("npz/savez.npz")
        // The first member (f4.npy) starts at byte 0: 30-byte local header, name, extra, data.
        let dataStart = 30 + Int(data[26]) + Int(data[27]) << 8 + Int(data[28]) + Int(data[29]) << 8
        data[dataStart + 130] ^= 0xFF  // inside the float values, past the 128-byte .npy header
        let message = numpyError(try Npz.read(data: data, name: "s.npz"))
        XCTAssertTrue(
            message.hasPrefix("s.npz member 'f4.npy': CRC-32 mismatch (the directory says 0x"),
            message)
        XCTAssertTrue(message.hasSuffix("): the member is corrupt"), message)
    }

    func testCorruptDeflateData() throws {
        var data = try Fixtures.data("npz/savez_compressed.npz")
        let dataStart = 30 + Int(data[26]) + Int(data[27]) << 8 + Int(data[28]) + Int(data[29]) << 8
        for k in 0..<8 { data[dataStart + k] ^= 0xA5 }
        let message = numpyError(try Npz.read(data: data, name: "c.npz"))
        XCTAssertTrue(message.hasPrefix("c.npz member 'f4.npy': "), message)
        XCTAssertTrue(
            ["corrupt deflate data", "CRC-32 mismatch", "inflates", "does not end"].contains {
                message.contains($0)
            }, message)
    }

    func testCentralDirectoryCutShort() throws {
        // Keep the end record but make the directory claim one more member than it holds.
        var data = try Fixtures.data("npz/savez.npz")
        let end = data.count - 22
        XCTAssertEqual(Array(data[end..<end + 4]), [0x50, 0x4B, 0x05, 0x06])
        data[end + 10] += 1
        let message = numpyError(try Npz.read(data: data, name: "s.npz"))
        XCTAssertTrue(
            message.hasPrefix("s.npz at byte ")
                && message.hasSuffix(
                    ": corrupt zip: central directory record 11 of 11 is missing or damaged"),
            message)
    }

    func testMemberSizePastTheEndOfTheFile() throws {
        // The central record of the last member (i4.npy) claims 1 MiB of stored data.
        var data = try Fixtures.data("npz/savez.npz")
        let record = try XCTUnwrap(
            data.range(of: Data([0x50, 0x4B, 0x01, 0x02]), options: .backwards)
        )
        .lowerBound
        XCTAssertEqual(String(decoding: data[record + 46..<record + 52], as: UTF8.self), "i4.npy")
        for field in [record + 20, record + 24] {  // compressed and uncompressed sizes
            data.replaceSubrange(field..<field + 4, with: [0, 0, 0x10, 0])
        }
        let message = numpyError(try Npz.read(data: data, name: "s.npz"))
        XCTAssertTrue(
            message.hasPrefix(
                "s.npz member 'i4.npy': truncated zip: the member's 1048576 bytes at byte "),
            message)
        XCTAssertTrue(
            message.hasSuffix("run past the end of the file (\(data.count) bytes)"), message)
    }
}
