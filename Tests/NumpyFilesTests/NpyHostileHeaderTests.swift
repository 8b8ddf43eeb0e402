import Foundation
import NumpyFiles
import XCTest

/// Headers that cost more to parse than their size suggests.
final class NpyHostileHeaderTests: XCTestCase {
    /// 200,000 distinct keys (a 2.4 MB version 2.0 header): duplicates are found with a set, so
    /// parsing is linear and the first unexpected key is named at once, not after 2e10 comparisons.
    func testManyKeysParseInLinearTime() throws {
        let keys = (0 ..< 200_000).map { "'k\($0)': 0, " }.joined()
        let header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (0,), \(keys)}\n".utf8)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0]
        bytes += withUnsafeBytes(of: UInt32(header.count).littleEndian, Array.init) + header
        let start = Date()
        XCTAssertEqual(numpyError(try Npy.decode(Data(bytes), name: "x.npy")),
                       "x.npy at byte 68: bad .npy header: unexpected header key 'k0'")
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }
}
