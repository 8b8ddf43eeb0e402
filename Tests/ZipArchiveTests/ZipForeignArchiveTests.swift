import Foundation
import TestSupport
import XCTest
@testable import ZipArchive

/// Archives that numpy and torch.save wrote (the fixtures under Tests/Fixtures).
final class ZipForeignArchiveTests: XCTestCase {

    // MARK: - numpy

    private let numpyMembers = ["f4", "f8", "i8", "words", "scalar", "name", "fortran", "empty", "u1", "i4"]
        .map { $0 + ".npy" }

    func testSavezAndSavezCompressedHoldTheSameBytes() throws {
        let stored = try Fixtures.bytes("npz/savez.npz"), deflated = try Fixtures.bytes("npz/savez_compressed.npz")
        XCTAssertEqual(try members(stored).map(\.method), [ZipMethod](repeating: .stored, count: 10))
        XCTAssertEqual(try members(deflated).map(\.method), [ZipMethod](repeating: .deflated, count: 10))
        let plain = try unzipped(stored), inflated = try unzipped(deflated)
        XCTAssertEqual(plain.map(\.name), numpyMembers)
        XCTAssertEqual(inflated.map(\.name), numpyMembers)
        for (a, b) in zip(plain, inflated) {
            XCTAssertEqual(a.bytes, b.bytes, a.name)
            XCTAssertEqual(Array(a.bytes.prefix(6)), [0x93] + Array("NUMPY".utf8), a.name)
        }
    }

    /// numpy's local headers hold 0xFFFFFFFF placeholders and zip64 extras: sizes come from the
    /// directory, whose zip64 extras and saturated end record this fixture exercises.
    func testZip64Fixture() throws {
        let archive = try Fixtures.bytes("npz/zip64_forced.npz")
        XCTAssertEqual(archive.le(18, 4), 0xffff_ffff, "the local header's sizes are placeholders")
        let found = try members(archive)
        XCTAssertEqual(found.map(\.name), ["a.npy", "b.npy"])
        XCTAssertEqual(found.map(\.uncompressedSize), [288, 144])
        XCTAssertEqual(try unzipped(archive).map(\.bytes.count), [288, 144])
    }

    // MARK: - torch.save

    func testTorchSaveZipCheckpoints() throws {
        for name in ["tiny-zip", "tiny-ordereddict-zip"] {
            let archive = try Fixtures.bytes("pth/\(name).pth")
            let found = try members(archive)
            XCTAssertEqual(found.count, 13, name)
            XCTAssertEqual(found.first?.name, "\(name)/data.pkl")
            let storages = found.filter { $0.name.hasPrefix("\(name)/data/") }
            XCTAssertFalse(storages.isEmpty, name)
            XCTAssertEqual(storages.map { $0.data.lowerBound % 64 }, [Int](repeating: 0, count: storages.count),
                           "\(name): torch.save pads storages to 64 bytes with local extra fields")
            let contents = Dictionary(uniqueKeysWithValues: try unzipped(archive).map { ($0.name, $0.bytes) })
            XCTAssertEqual(contents["\(name)/byteorder"], Array("little".utf8))
            XCTAssertEqual(contents["\(name)/data.pkl"]?.first, 0x80, "a pickle starts with PROTO")
        }
    }

    func testHostilePickleIsAnOrdinaryArchive() throws {
        let archive = try Fixtures.bytes("pth/hostile-global-zip.pth")
        XCTAssertEqual(try unzipped(archive).map(\.name), ["archive/data.pkl", "archive/byteorder", "archive/version"])
    }
}
