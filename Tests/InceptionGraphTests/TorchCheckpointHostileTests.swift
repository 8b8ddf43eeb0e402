import Foundation
import TestCheckpoints
import TestSupport
import XCTest
@testable import InceptionGraph
@testable import TorchCheckpoint

/// Hostile checkpoints assembled opcode by opcode, each refused with its own message before any
/// allocation follows a lie. A first test proves the assembler (TestSupport's PickleWriter and
/// storedZip) makes files that do load.
final class TorchCheckpointHostileTests: XCTestCase {
    private let floats: [UInt8] = (0 ..< 6).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }

    // MARK: - The assembler works

    func testAssembledLegacyCheckpointLoads() throws {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [2, 3], stride: [1, 2]) })])
        let tensors = try TorchCheckpoint.load(data: legacyFile(object, storages: [("0", 6, floats)]), name: "x.pth")
        XCTAssertEqual(tensors, ["w": CheckpointTensor(shape: [2, 3], values: .float32([0, 2, 4, 1, 3, 5]))])
    }

    func testAssembledZipCheckpointLoads() throws {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [3, 2], stride: [2, 1]) })])
        let zip = storedZip([("archive/data.pkl", object + [0x2e]), ("archive/data/0", floats)])
        let tensors = try TorchCheckpoint.load(data: zip, name: "x.pth")
        XCTAssertEqual(tensors, ["w": CheckpointTensor(shape: [3, 2], values: .float32([0, 1, 2, 3, 4, 5]))])
    }

    func testHalfPrecisionEdgeCasesWidenExactly() throws {
        let bits: [UInt16] = [0x0001, 0x03ff, 0x8000, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x3c00]
        let bytes = bits.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        let object = stateDict([("h", { $0.tensor(type: "HalfStorage", key: "0", numel: 8, size: [8], stride: [1]) })])
        let tensor = try XCTUnwrap(try TorchCheckpoint.load(data: legacyFile(object, storages: [("0", 8, bytes)]),
                                                            name: "x.pth")["h"])
        guard case .float16(let values) = tensor.values else { return XCTFail("\(tensor.values.dtype)") }
        XCTAssertEqual(values[0], 0x1p-24)                  // smallest subnormal
        XCTAssertEqual(values[1], 1023 * 0x1p-24)           // largest subnormal
        XCTAssertEqual(values[2].bitPattern, 0x8000_0000)   // -0
        XCTAssertEqual(values[3], 65504)                    // largest finite half
        XCTAssertEqual(values[4], .infinity)
        XCTAssertEqual(values[5], -.infinity)
        XCTAssertTrue(values[6].isNaN)
        XCTAssertEqual(values[7], 1)
    }

    func testHugeMemoKeysAllocateNothing() throws {
        let object = stateDict([
            ("a", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]); $0.raw([0x72, 0xff, 0xff, 0xff, 0xff]) }),
            ("b", { $0.raw([0x6a, 0xff, 0xff, 0xff, 0xff]) }),  // LONG_BINGET 2^32 - 1
        ])
        let tensors = try TorchCheckpoint.load(data: legacyFile(object, storages: [("0", 6, floats)]), name: "x.pth")
        XCTAssertEqual(tensors["a"], tensors["b"])
        XCTAssertEqual(tensors["b"]?.values, .float32([0, 1, 2, 3, 4, 5]))
    }

    // MARK: - Views that lie about their storage

    func testViewPastItsStorageIsRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, offset: 1, size: [2, 3], stride: [3, 1]) })])
        assertLegacyError(object, storages: [("0", 6, floats)], .corrupt, "x.pth, key 'w': reaches element 6 "
            + "(size [2, 3], stride [3, 1], offset 1) but storage '0' holds only 6 elements; the file is corrupt "
            + "or hostile")
    }

    func testBroadcastViewCannotAskForTerabytes() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [1 << 40], stride: [0]) })])
        assertLegacyError(object, storages: [("0", 6, floats)], .unsupported, "x.pth, key 'w': has "
            + "1099511627776 elements (size [1099511627776], stride [0], offset 0); the checkpoint's tensors would "
            + "then hold 1099511627776 elements, more than its storages (6) plus the limit of 67108864 "
            + "(FIDVIZ_MAX_TENSOR_ELEMENTS); the file is corrupt or hostile")
    }

    func testOverflowingSizesAreRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [1 << 62, 4], stride: [0, 0]) })])
        assertLegacyError(object, storages: [("0", 6, floats)], .corrupt, "x.pth, key 'w': claims more elements "
            + "than memory can hold (size [4611686018427387904, 4], stride [0, 0], offset 0); the file is "
            + "corrupt or hostile")
    }

    func testHugeStorageIsRejectedBeforeReadingIt() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 1 << 60, size: [6], stride: [1]) })])
        assertLegacyError(object, storages: [("0", 1 << 60, floats)], .truncated, "x.pth, key 'w', byte offset "
            + "303: storage '0' needs 4611686018427387904 bytes but the file ends after 24; it is truncated, "
            + "download it again")
    }

    func testStorageDeclaredTwiceWithDifferentSizesIsRejected() {
        let object = stateDict([
            ("a", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) }),
            ("b", { $0.tensor(key: "0", numel: 7, size: [6], stride: [1]) }),
        ])
        assertLegacyError(object, storages: [("0", 6, floats)], .corrupt, "x.pth, byte offset 364: storage '0' "
            + "is declared twice with different types or sizes; the file is corrupt or hostile")
    }

    func testStorageMissingFromTheKeyListIsRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) })])
        assertLegacyError(object, storages: [], .corrupt, "x.pth, key 'w': storage '0' has no data in the file "
            + "(it is missing from the storage key list); the file is corrupt")
    }

    func testUnusedStorageKeyIsRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) })])
        let data = legacyFile(object, storages: [("0", 6, floats), ("1", 6, floats)])
        assertError(data, .corrupt, "x.pth, byte offset \(data.count - 32): the storage key list names '1', but "
            + "no tensor uses it; the file is corrupt")
    }

    // MARK: - Pickles that ask for more than a state dict

    func testStackGlobalIsRefused() {
        var pickle = PickleWriter()
        pickle.string("os")
        pickle.string("system")
        pickle.raw([0x93])  // STACK_GLOBAL
        assertLegacyError(pickle.bytes, storages: [], .forbidden, "x.pth, byte offset 157: refusing to load "
            + "global 'os.system': a state dict needs only collections.OrderedDict, "
            + "torch._utils._rebuild_tensor_v2 and torch.*Storage, so this file may be malicious (do not open "
            + "it with torch.load either)")
    }

    func testObjectConstructionOpcodeIsRefused() {
        var pickle = PickleWriter()
        pickle.global("collections", "OrderedDict")
        pickle.raw([0x29, 0x81])  // EMPTY_TUPLE, NEWOBJ
        assertLegacyError(pickle.bytes, storages: [], .forbidden, "x.pth, byte offset 165: refusing pickle "
            + "opcode 0x81: it constructs arbitrary objects, which a state dict never needs; the file may be "
            + "malicious")
    }

    func testDeepNestingIsRefused() {
        var pickle = PickleWriter()
        pickle.raw([0x29] + [UInt8](repeating: 0x85, count: 40))  // EMPTY_TUPLE, then TUPLE1 x 40
        assertLegacyError(pickle.bytes, storages: [], .unsupported, "x.pth, byte offset 171: the pickle nests "
            + "containers deeper than 32 levels; a state dict never does")
    }

    func testHeaderPicklesMayNotNameGlobals() throws {
        let tiny = try Fixtures.data("pth/tiny-legacy.pth")
        var pickle = PickleWriter()
        pickle.global("posix", "system")
        assertError(tiny.prefix(21) + Data(pickle.bytes), .forbidden, "x.pth, byte offset 23: refusing to load "
            + "global 'posix.system' in a header pickle, which may hold plain values only; the file may be malicious")
    }

    func testNonTensorValueIsNamed() {
        let object = stateDict([("epoch", { $0.int(5) })])
        assertLegacyError(object, storages: [], .unsupported, "x.pth, key 'epoch': holds an int, not a tensor; "
            + "fidviz reads plain state dicts saved with torch.save(model.state_dict(), path)")
    }

    func testUnsupportedDtypeIsNamed() {
        let object = stateDict([("w", { $0.tensor(type: "IntStorage", key: "0", numel: 6, size: [6], stride: [1]) })])
        assertLegacyError(object, storages: [("0", 6, floats)], .unsupported, "x.pth, key 'w': is stored as "
            + "torch.IntStorage, but fidviz reads float32, float64, float16 and int64 tensors; convert it "
            + "before saving")
    }

    // MARK: - Zip archives that lie

    func testZipEntryOfTheWrongSizeIsRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) })])
        let zip = storedZip([("archive/data.pkl", object + [0x2e]), ("archive/data/0", Array(floats.prefix(8)))])
        assertError(zip, .corrupt, "x.pth (archive/data/0), key 'w': the entry holds 8 bytes, but its storage "
            + "declares 6 elements of 4 bytes; the file is corrupt or hostile")
    }

    func testZipWithoutTheStorageEntryIsRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) })])
        assertError(storedZip([("archive/data.pkl", object + [0x2e])]), .corrupt, "x.pth, key 'w': storage '0' has no "
            + "entry archive/data/0 in the archive; the file is corrupt")
    }

    func testZipDataFailingItsChecksumIsRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) })])
        var zip = storedZip([("archive/data.pkl", object + [0x2e]), ("archive/data/0", floats)])
        let dataStart = zip.count - 22 - 2 * 46 - "archive/data.pkl".count - "archive/data/0".count - floats.count
        XCTAssertEqual(Array(zip[dataStart ..< dataStart + floats.count]), floats)
        zip[dataStart + 5] ^= 0x40
        assertError(zip, .corrupt, "x.pth (archive/data/0), key 'w': the entry fails its CRC-32 check; the file "
            + "is corrupt, download it again")
    }

    /// ZIPFoundation's in-memory archive traps on this (a range with lowerBound > upperBound).
    func testCentralDirectoryPastTheEndIsRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) })])
        var zip = storedZip([("archive/data.pkl", object + [0x2e]), ("archive/data/0", floats)])
        zip.replaceSubrange(zip.count - 6 ..< zip.count - 2, with: [0xf0, 0xff, 0xff, 0x7f])
        assertError(zip, .corrupt, "x.pth, byte offset \(zip.count - 22): the zip central directory (122 bytes at "
            + "byte offset 2147483632) lies outside the \(zip.count)-byte file; the file is corrupt or hostile")
    }

    /// ZIPFoundation traps on this even when reading from a file (`off_t(offset)` of a zip64 offset >= 2^63).
    func testZip64OffsetBeyondInt64IsRejected() throws {
        var zip = try Fixtures.data("pth/tiny-zip.pth")
        let record = 3708  // tiny-zip.pth's zip64 end-of-central-directory record
        XCTAssertEqual(Array(zip[record ..< record + 4]), [0x50, 0x4b, 0x06, 0x06])
        zip.replaceSubrange(record + 48 ..< record + 56, with: [UInt8](repeating: 0xff, count: 8))
        assertError(zip, .corrupt, "x.pth, byte offset 3708: the zip central directory (836 bytes at byte offset "
            + "18446744073709551615) lies outside the 3806-byte file; the file is corrupt or hostile")
    }

    func testZipEntryOffsetBeyondTheFileIsRejected() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) })])
        var zip = storedZip([("archive/data.pkl", object + [0x2e]), ("archive/data/0", floats)])
        let secondHeader = zip.count - 22 - 46 - "archive/data/0".count
        zip.replaceSubrange(secondHeader + 42 ..< secondHeader + 46, with: [0x00, 0x00, 0x00, 0x40])
        assertError(zip, .corrupt, "x.pth (archive/data/0): the member's local header is not at byte offset "
            + "1073741824, where the central directory places it; the file is corrupt or hostile")
    }

    func testCompressedZipEntryIsRefused() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) })])
        var zip = storedZip([("archive/data.pkl", object + [0x2e]), ("archive/data/0", floats)])
        let secondHeader = zip.count - 22 - 46 - "archive/data/0".count
        zip[secondHeader + 10] = 8  // deflate
        assertError(zip, .unsupported, "x.pth (archive/data/0): the entry is compressed or encrypted, but "
            + "torch.save stores entries uncompressed; re-save the state dict with torch.save")
    }
}
