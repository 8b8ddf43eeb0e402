import Foundation
import NumpyFiles
import TestSupport
import XCTest

/// Reading only some members of an .npz: the others are never decoded, but the directory is
/// still checked as a whole.
final class NpzSelectiveReadingTests: XCTestCase {

    /// An ADM-like archive: `arr_0` first, whose .npy header is rewritten to claim
    /// (999999, 256, 256, 3) uint8 images (196 GB) while 432 bytes follow, so its CRC is wrong
    /// too; then small `mu` and `sigma`.
    static func admLikeArchive(in folder: URL, mu: [Double], sigma: [Double]) throws -> URL {
        let url = folder.appendingPathComponent("adm-like.npz")
        let d = mu.count
        try Npz.encoded([
            ("arr_0", NpyArray([Int64](repeating: 7, count: 2 * 3 * 3 * 3), shape: [2, 3, 3, 3])),
            ("mu", NpyArray(mu)), ("sigma", NpyArray(sigma, shape: [d, d])),
        ]).write(to: url)
        var data = try Data(contentsOf: url)
        // The header is padded with spaces, so the longer shape takes 9 of them: no offset moves.
        let original = Data(("'descr': '<i8', 'fortran_order': False, 'shape': (2, 3, 3, 3), }"
            + String(repeating: " ", count: 9)).utf8)
        let lying = Data("'descr': '|u1', 'fortran_order': False, 'shape': (999999, 256, 256, 3), }".utf8)
        guard original.count == lying.count, let range = data.range(of: original) else {
            throw NumpyFileError(file: url.path, reason: "test set-up: arr_0's header is not where expected")
        }
        data.replaceSubrange(range, with: lying)
        try data.write(to: url)
        return url
    }

    private let mu = [0.5, -1.0]
    private let sigma = [2.0, 0.5, 0.5, 1.0]

    func testOnlyTheNamedMembersAreDecoded() throws {
        let url = try Self.admLikeArchive(in: try temporaryFolder(self), mu: mu, sigma: sigma)
        let start = Date()
        let arrays = try Npz.read(contentsOf: url, keys: ["mu", "sigma", "absent"])
        XCTAssertEqual(arrays, ["mu": NpyArray(mu), "sigma": NpyArray(sigma, shape: [2, 2])])
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)

        let archive = try NpzArchive(contentsOf: url)
        XCTAssertEqual(archive.keys, ["arr_0", "mu", "sigma"])
        XCTAssertTrue(archive.contains("arr_0"))
        XCTAssertNil(try archive.array("absent"))
    }

    /// The skipped member really is broken: decoding it (or reading everything) fails.
    func testTheSkippedMemberFailsWhenAskedFor() throws {
        let url = try Self.admLikeArchive(in: try temporaryFolder(self), mu: mu, sigma: sigma)
        let message = numpyError(try Npz.read(contentsOf: url))
        XCTAssertTrue(message.hasPrefix("\(url.path) member 'arr_0.npy': CRC-32 mismatch"), message)
        XCTAssertEqual(numpyError(try NpzArchive(contentsOf: url).array("arr_0")), message)
    }

    /// A skipped member whose data run past the end of the file still fails the opening.
    func testSkippedMembersAreStillLocatedAndBoundsChecked() throws {
        var data = try Fixtures.data("npz/savez.npz")
        let record = try XCTUnwrap(data.range(of: Data([0x50, 0x4B, 0x01, 0x02]), options: .backwards))
            .lowerBound
        XCTAssertEqual(String(decoding: data[record + 46..<record + 52], as: UTF8.self), "i4.npy")
        for field in [record + 20, record + 24] {
            data.replaceSubrange(field..<field + 4, with: [0, 0, 0x10, 0])
        }
        let url = try temporaryFolder(self).appendingPathComponent("s.npz")
        try data.write(to: url)
        let message = numpyError(try Npz.read(contentsOf: url, keys: ["f8"]))
        XCTAssertTrue(
            message.hasPrefix("\(url.path) member 'i4.npy': truncated zip: the member's 1048576 bytes at byte "),
            message)
    }

    func testDuplicateKeysAreRefusedEvenWhenNotAskedFor() throws {
        // Rename the member "f8.npy" to "f4.npy" in both its local and central headers.
        var data = try Fixtures.data("npz/savez.npz")
        var search = data.startIndex..<data.endIndex
        var renamed = 0
        while let hit = data.range(of: Data("f8.npy".utf8), in: search) {
            data.replaceSubrange(hit, with: Data("f4.npy".utf8))
            search = hit.upperBound..<data.endIndex
            renamed += 1
        }
        XCTAssertEqual(renamed, 2)
        let message = numpyError(try Npz.read(data: data, name: "dup.npz"))
        XCTAssertEqual(message, "dup.npz member 'f4.npy': the archive holds this member twice")
        XCTAssertEqual(numpyError(try NpzArchive(data: data, name: "dup.npz")), message)
    }

    func testMissingFileIsNamed() {
        let url = Fixtures.url("npz/absent.npz")
        XCTAssertEqual(numpyError(try Npz.read(contentsOf: url, keys: ["mu"])),
                       "\(url.path): cannot read the file (no such file)")
    }
}
