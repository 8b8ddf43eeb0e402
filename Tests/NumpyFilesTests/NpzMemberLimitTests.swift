import Foundation
import SeededRandom
import NumpyFiles
import UntrustedInput
import XCTest
import ZipArchive

/// `Limits.maxNpzMemberBytes`: a compressed member is refused from its directory entry, before
/// its output is allocated or a byte is inflated.
final class NpzMemberLimitTests: XCTestCase {
    func testDeflatedMemberOverTheLimitIsRefused() throws {
        let data = try Npz.encoded([("mu", NpyArray([Double](repeating: 0, count: 1000)))], compressed: true)
        let archive = try NpzArchive(data: data, name: "x.npz", limits: Limits(maxNpzMemberBytes: 8127))
        XCTAssertEqual(numpyError(try archive.array("mu")), "x.npz member 'mu.npy': the member would inflate "
            + "to 8128 bytes, more than the limit of 8127 bytes (FIDVIZ_MAX_NPZ_MEMBER_BYTES)")
        let roomy = try NpzArchive(data: data, name: "x.npz", limits: Limits(maxNpzMemberBytes: 8128))
        XCTAssertEqual(try roomy.array("mu")?.count, 1000)
    }

    /// A member that claims to inflate 2 MB of (garbage) deflate data to the default limit plus
    /// one byte: plausible at 1032:1, so the archive opens; reading it is refused before zlib
    /// sees a byte (inflating would have reported the garbage as corrupt).
    func testZipBombStopsAtItsDirectoryEntryUnderTheDefaultLimit() throws {
        let declared = Limits().maxNpzMemberBytes + 1
        var generator = SplitMix64(seed: 1032)
        let garbage = (0 ..< declared / 1032 + 1).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        var zip = [UInt8](storedMember("arr.npy", garbage))
        let central = 30 + "arr.npy".count + garbage.count
        for (method, size) in [(8, 22), (central + 10, central + 24)] {  // local header, central record
            zip[method] = 8  // deflated
            zip.replaceSubrange(size ..< size + 4, with: withUnsafeBytes(of: UInt32(declared).littleEndian, Array.init))
        }
        let archive = try NpzArchive(data: Data(zip), name: "bomb.npz")
        XCTAssertEqual(numpyError(try archive.array("arr")), "bomb.npz member 'arr.npy': the member would inflate "
            + "to 2147483649 bytes, more than the limit of 2147483648 bytes (FIDVIZ_MAX_NPZ_MEMBER_BYTES)")
    }

    /// A one-member zip whose member `name` holds `bytes`, stored (30-byte local header, then the
    /// name and the bytes; then a 46-byte central record and the end record).
    private func storedMember(_ name: String, _ bytes: [UInt8]) -> Data {
        var archive = Data()
        var writer = ZipWriter { archive.append(contentsOf: $0) }
        try! bytes.withUnsafeBytes { try writer.add(name, contents: $0) }
        try! writer.finish()
        return archive
    }
}
