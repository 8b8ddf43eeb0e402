// Hostile checkpoints assembled opcode by opcode (TestSupport's PickleWriter and storedZip), and
// the assertion that one is refused with an exact error.

import Foundation
import TestCheckpoints
import TestSupport
import UntrustedInput
import XCTest
@testable import InceptionGraph
@testable import TorchCheckpoint

extension XCTestCase {
    func assertLegacyError(_ object: [UInt8], storages: [(String, Int, [UInt8])],
                           _ kind: TorchCheckpointError.Kind, _ message: String, limits: Limits = .current,
                           file: StaticString = #filePath, line: UInt = #line) {
        assertError(legacyFile(object, storages: storages), kind, message, limits: limits, file: file, line: line)
    }

    /// Asserts that loading `data` as "x.pth" throws `kind` with exactly `message`.
    func assertError(_ data: Data, _ kind: TorchCheckpointError.Kind, _ message: String, limits: Limits = .current,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TorchCheckpoint.load(data: data, name: "x.pth", limits: limits),
                             file: file, line: line) {
            let error = $0 as? TorchCheckpointError
            XCTAssertEqual(error?.kind, kind, file: file, line: line)
            XCTAssertEqual(error?.description, message, file: file, line: line)
        }
    }
}

/// A state-dict pickle without its STOP: `{key: value, ...}`, each value written by its closure.
func stateDict(_ entries: [(String, (inout PickleWriter) -> Void)]) -> [UInt8] {
    var pickle = PickleWriter()
    pickle.raw([0x7d, 0x28])  // EMPTY_DICT, MARK
    for (key, write) in entries {
        pickle.string(key)
        write(&pickle)
    }
    pickle.raw([0x75])  // SETITEMS
    return pickle.bytes
}

/// tiny-legacy.pth's header pickles, `object` (STOP appended), the key list, then each
/// storage as an int64 element count and its bytes.
func legacyFile(_ object: [UInt8], storages: [(key: String, count: Int, bytes: [UInt8])]) -> Data {
    let tiny = try! Fixtures.data("pth/tiny-legacy.pth")
    var file = [UInt8](tiny.prefix(137)) + object + [0x2e]
    var keys = PickleWriter()
    keys.raw([0x5d, 0x28])  // EMPTY_LIST, MARK
    for storage in storages { keys.string(storage.key) }
    keys.raw([0x65, 0x2e])  // APPENDS, STOP
    file += keys.bytes
    for storage in storages {
        file += withUnsafeBytes(of: Int64(storage.count).littleEndian, Array.init) + storage.bytes
    }
    return Data(file)
}
