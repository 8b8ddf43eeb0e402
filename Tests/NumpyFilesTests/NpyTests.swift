import Foundation
import TestSupport
import XCTest
@testable import NumpyFiles

/// Single .npy arrays: numpy-written fixtures (make_npz_fixtures.py), byte-exact encoding, and
/// broken headers built in memory.
final class NpyTests: XCTestCase {

    // MARK: - Reading numpy's files

    func testHeaderVersion2() throws {
        let array = try Npy.decode(Fixtures.data("npz/v2_0.npy"), name: "v2_0.npy")
        XCTAssertEqual(array, NpyArray([1.0, 2.0, 3.0] as [Double]))
    }

    func testHeaderVersion3WithUTF8Strings() throws {
        let array = try Npy.decode(Fixtures.data("npz/v3_0.npy"), name: "v3_0.npy")
        XCTAssertEqual(array, NpyArray(["ß", "名前"]))
        XCTAssertEqual(array.dtype, "<U2")
    }

    func testFortranOrderIsReorderedToCOrder() throws {
        // np.asfortranarray(np.arange(6).reshape(2, 3)): memory holds 0 3 1 4 2 5.
        let array = try Npy.decode(Fixtures.data("npz/fortran.npy"), name: "fortran.npy")
        XCTAssertEqual(array, NpyArray([0, 1, 2, 3, 4, 5] as [Int64], shape: [2, 3]))
    }

    func testBigEndianIsRefused() {
        XCTAssertEqual(
            numpyError(try Npy.decode(Fixtures.data("npz/big_endian.npy"), name: "big_endian.npy")),
            "big_endian.npy at byte 10: big-endian dtype '>f8' is not supported; save it "
                + "little-endian (a.astype('<f8'))")
    }

    func testStructuredDtypeIsRefused() {
        XCTAssertEqual(
            numpyError(try Npy.decode(Fixtures.data("npz/structured.npy"), name: "s.npy")),
            "s.npy at byte 11: bad .npy header: structured dtypes are not supported (descr is a "
                + "list of fields)")
    }

    // MARK: - Writing exactly what np.save writes

    func testEncodingMatchesNumpyByteForByte() throws {
        let cases: [(String, NpyArray)] = [
            (
                "exact_f4_2d.npy",
                NpyArray([1.5, -2.25, 3.0, 0.0, 1e-3, -7.0] as [Float], shape: [2, 3])
            ),
            ("exact_words.npy", NpyArray(["alpha", "", "héllo ✓", "𝄞"])),
            ("exact_name_0d.npy", NpyArray(scalar: "fidviz")),
            ("exact_n_0d.npy", NpyArray(scalar: Int64(50000))),
        ]
        for (file, array) in cases {
            let numpyBytes = try Fixtures.data("npz/\(file)")
            XCTAssertEqual(Npy.encode(array), numpyBytes, file)
            XCTAssertEqual(try Npy.decode(numpyBytes, name: file), array, file)
        }
    }

    func testRoundTripOfEveryKind() throws {
        let arrays = [
            NpyArray([Float.pi, -0.0, .infinity, .leastNonzeroMagnitude], shape: [2, 2]),
            NpyArray([Double.pi, -1e300, 5e-324], shape: [3, 1]),
            NpyArray([Int64.min, 0, Int64.max] as [Int64]),
            NpyArray(["", "a", "naïve", "𝄞𝄞𝄞"], shape: [2, 2]),
            NpyArray(scalar: 2.5), NpyArray(scalar: Int64(-7)), NpyArray(scalar: ""),
            NpyArray([Float](), shape: [0, 2048]),
            NpyArray([Double](repeating: 1, count: 24), shape: [2, 3, 4]),
        ]
        for array in arrays {
            let back = try Npy.decode(Npy.encode(array), name: "memory.npy")
            XCTAssertEqual(back, array)
            XCTAssertEqual(back.shape, array.shape)
        }
    }

    func testDataStartsOn64ByteBoundary() {
        for shape in [[], [3], [2048, 2048], [1, 2, 3, 4, 5, 6, 7, 8]] {
            let count = shape.reduce(1, *)
            let bytes = Npy.encode(NpyArray([Double](repeating: 0, count: count), shape: shape))
            XCTAssertEqual((bytes.count - count * 8) % 64, 0, "shape \(shape)")
            XCTAssertEqual(bytes[bytes.count - count * 8 - 1], 0x0A, "header ends with a newline")
        }
    }

    // MARK: - Widening and accessors

    func testAccessorsWidenAndNarrow() {
        let floats = NpyArray([1.5, -2] as [Float])
        XCTAssertEqual(floats.doubles(), [1.5, -2])
        let ints = NpyArray([3, -4] as [Int64])
        XCTAssertEqual(ints.doubles(), [3, -4])
        XCTAssertEqual(ints.floats(), [3, -4])
        XCTAssertEqual(NpyArray([0.1] as [Double]).floats(), [Float(0.1)])
        XCTAssertNil(NpyArray(["x"]).doubles())
        XCTAssertEqual(NpyArray(scalar: 12.5).scalarDouble(), 12.5)
        XCTAssertNil(NpyArray([1, 2] as [Double]).scalarDouble())
        XCTAssertEqual(NpyArray(scalar: "pool3").strings(), ["pool3"])
    }

    // MARK: - Broken input

    /// A version 1.0 .npy file with the given header text (unpadded) and payload.
    private func npy(header: String, payload: [UInt8] = [], version: UInt8 = 1) -> Data {
        let text = Array(header.utf8) + [0x0A]
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        bytes +=
            version == 1
            ? [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
            : [UInt8(text.count & 0xFF), UInt8(text.count >> 8), 0, 0]
        return Data(bytes + text + payload)
    }

    func testBadMagic() {
        XCTAssertEqual(
            numpyError(try Npy.decode(Data("PK\u{3}\u{4} not numpy".utf8), name: "x.npy")),
            "x.npy: not a .npy file (bad magic bytes)")
    }

    func testTruncatedBeforeHeader() {
        let bytes = Npy.encode(NpyArray(scalar: 1.0)).prefix(7)
        XCTAssertEqual(
            numpyError(try Npy.decode(bytes, name: "x.npy")),
            "x.npy: truncated .npy data (7 bytes, shorter than the header)")
    }

    func testUnsupportedVersion() {
        var bytes = Npy.encode(NpyArray(scalar: 1.0))
        bytes[6] = 4
        XCTAssertEqual(
            numpyError(try Npy.decode(bytes, name: "x.npy")),
            "x.npy at byte 6: unsupported .npy format version 4.0 (fidviz reads 1.0, 2.0, 3.0)")
    }

    func testTruncatedHeader() {
        let bytes = Npy.encode(NpyArray(scalar: 1.0)).prefix(40)
        XCTAssertEqual(
            numpyError(try Npy.decode(bytes, name: "x.npy")),
            "x.npy at byte 8: truncated .npy header: it claims 118 bytes but only 30 follow")
    }

    func testTruncatedData() {
        let bytes = Npy.encode(NpyArray([1, 2, 3] as [Double])).dropLast(1)
        XCTAssertEqual(
            numpyError(try Npy.decode(Data(bytes), name: "x.npy")),
            "x.npy at byte 128: header shape (3,) needs 24 bytes of '<f8' data but only 23 bytes "
                + "follow the header (truncated file or lying header)")
    }

    func testShapeWhoseByteCountOverflows() {
        let data = npy(
            header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")
        XCTAssertEqual(
            numpyError(try Npy.decode(data, name: "x.npy")),
            "x.npy at byte 10: header shape (4294967296, 4294967296) has too many elements")
    }

    func testMissingAndUnknownKeys() {
        XCTAssertEqual(
            numpyError(
                try Npy.decode(
                    npy(header: "{'descr': '<f8', 'fortran_order': False}"), name: "x.npy")),
            "x.npy at byte 10: bad .npy header: the header lacks 'shape'")
        XCTAssertEqual(
            numpyError(
                try Npy.decode(
                    npy(
                        header: "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'extra': 1}"),
                    name: "x.npy")),
            "x.npy at byte 64: bad .npy header: unexpected header key 'extra'")
    }

    func testHeaderSyntaxErrorIsLocated() {
        XCTAssertEqual(
            numpyError(
                try Npy.decode(
                    npy(header: "{'descr': '<f8', 'fortran_order': Flase}"), name: "x.npy")),
            "x.npy at byte 44: bad .npy header: unexpected character 'F'")
    }

    func testPython2LongIntegersInShape() throws {
        let data = npy(
            header: "{'descr': '<i8', 'fortran_order': False, 'shape': (1L,), }",
            payload: [7, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try Npy.decode(data, name: "x.npy"), NpyArray([7] as [Int64]))
    }

    func testNarrowIntegersWidenToInt64() throws {
        let u1 = npy(
            header: "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }",
            payload: [0, 1, 255])
        XCTAssertEqual(try Npy.decode(u1, name: "u1.npy"), NpyArray([0, 1, 255] as [Int64]))
        let i4 = npy(
            header: "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }",
            payload: [0xFB, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(try Npy.decode(i4, name: "i4.npy"), NpyArray([-5] as [Int64]))
    }

    func testInvalidUTF32IsRefused() {
        let data = npy(
            header: "{'descr': '<U2', 'fortran_order': False, 'shape': (1,), }",
            payload: [0x41, 0, 0, 0, 0x00, 0xD8, 0, 0])
        XCTAssertEqual(
            numpyError(try Npy.decode(data, name: "u.npy")),
            "u.npy at byte 72: invalid UTF-32 code unit 0xd800 in string element 0")
    }

    func testUnsupportedDtype() {
        let data = npy(header: "{'descr': '<c16', 'fortran_order': False, 'shape': (), }")
        XCTAssertEqual(
            numpyError(try Npy.decode(data, name: "c.npy")),
            "c.npy at byte 10: unsupported dtype '<c16' (fidviz reads '<f4', '<f8', '<i8', '<i4', "
                + "'|u1' and '<U<n>')")
    }
}
