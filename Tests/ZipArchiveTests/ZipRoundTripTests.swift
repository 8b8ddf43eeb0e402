import Foundation
import XCTest
@testable import ZipArchive

/// What `ZipWriter` writes, `ZipReader` reads back: stored and deflated, aligned, zip64.
/// (That numpy's `np.load` reads the writer's archives, zip64 ones included, was checked at
/// development time with numpy 2.4.)
final class ZipRoundTripTests: XCTestCase {
    private let sample: [(name: String, bytes: [UInt8])] = [
        ("empty", []),
        ("one", [42]),
        ("noise.bin", noise(100_000)),
        ("zeros/many.npy", [UInt8](repeating: 0, count: 300_000)),
        ("ünï/名前.npy", Array("text ✓".utf8)),
    ]

    private func assertSame(_ back: [(name: String, bytes: [UInt8])], _ sample: [(name: String, bytes: [UInt8])],
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(back.map(\.name), sample.map(\.name), file: file, line: line)
        for (got, want) in zip(back, sample) {
            XCTAssertEqual(got.bytes, want.bytes, got.name, file: file, line: line)
        }
    }

    func testStoredRoundTrip() throws {
        let archive = zipped(sample)
        assertSame(try unzipped(archive), sample)
        XCTAssertEqual(try members(archive).map(\.method), [ZipMethod](repeating: .stored, count: sample.count))
        let expectedSize = sample.reduce(22) { $0 + 30 + 46 + 2 * $1.name.utf8.count + $1.bytes.count }
        XCTAssertEqual(archive.count, expectedSize, "no zip64 fields and no padding below 4 GiB")
    }

    func testDeflatedRoundTrip() throws {
        let archive = zipped(sample, method: .deflated)
        assertSame(try unzipped(archive), sample)
        let found = try members(archive)
        XCTAssertEqual(found.map(\.method), [ZipMethod](repeating: .deflated, count: sample.count))
        let zeros = try XCTUnwrap(found.first { $0.name == "zeros/many.npy" })
        XCTAssertEqual(zeros.uncompressedSize, 300_000)
        XCTAssertLessThan(zeros.compressedSize, 1_000, "zeros deflate")
    }

    func testNonASCIINamesAreFlaggedUTF8() throws {
        let archive = zipped([("plain", [1]), ("ünï", [2])])
        XCTAssertEqual(archive.le(6, 2) & 0x800, 0, "an ASCII name needs no flag")
        XCTAssertEqual(archive.le(30 + 5 + 1 + 6, 2) & 0x800, 0x800)
    }

    func testAlignedDataStartAtMultiplesOfTheAlignment() throws {
        let archive = zipped(sample, alignment: 64)
        let found = try members(archive)
        XCTAssertEqual(found.map { $0.data.lowerBound % 64 }, [Int](repeating: 0, count: sample.count))
        assertSame(try unzipped(archive), sample)
    }

    /// With the zip64 threshold lowered to 0, every size and offset goes into zip64 fields.
    func testZip64FieldsRoundTrip() throws {
        for method in [ZipMethod.stored, .deflated] {
            let archive = zipped(sample, method: method, zip64Threshold: 0)
            assertSame(try unzipped(archive), sample)
            XCTAssertEqual(archive.le(4, 2), 45, "version needed for zip64")
            XCTAssertEqual(archive.le(18, 4), 0xffff_ffff, "local header sizes are placeholders")
            let end = archive.count - 22
            XCTAssertEqual(archive.le(end, 4), 0x0605_4b50)
            XCTAssertEqual(archive.le(end + 12, 4), 0xffff_ffff, "the end record's directory size is saturated")
            XCTAssertEqual(archive.le(end - 20, 4), 0x0706_4b50, "a zip64 locator precedes the end record")
        }
    }

    /// Past the threshold only what reaches it goes into zip64 fields: here the last member's
    /// offset and the directory's, not the sizes.
    func testZip64OnlyForWhatReachesTheThreshold() throws {
        let small: [(name: String, bytes: [UInt8])] = [("a", noise(600)), ("b", noise(600)), ("c", noise(10))]
        let archive = zipped(small, zip64Threshold: 1_000)
        assertSame(try unzipped(archive), small)
        let found = try members(archive)
        XCTAssertEqual(found.map(\.localHeaderOffset), [0, 631, 1_262])
        XCTAssertEqual(archive.le(found[1].directoryOffset + 30, 2), 0, "b starts below the threshold")
        XCTAssertEqual(archive.le(found[2].directoryOffset + 42, 4), 0xffff_ffff, "c starts above it")
        XCTAssertEqual(archive.le(found[2].directoryOffset + 30, 2), 12, "one zip64 field: the offset")
        XCTAssertEqual(archive.le(found[2].directoryOffset + 20, 4), 10, "sizes stay in the record")
        XCTAssertEqual(archive.le(archive.count - 22 - 20, 4), 0x0706_4b50, "the directory starts past it")
    }

    func testTheSameMembersGiveTheSameBytes() {
        XCTAssertEqual(zipped(sample, method: .deflated), zipped(sample, method: .deflated))
    }

    func testEmptyArchive() throws {
        let archive = zipped([])
        XCTAssertEqual(archive.count, 22)
        XCTAssertEqual(try members(archive), [])
    }

    // MARK: - Streaming

    /// The sink gets headers and each member's bytes as they are added: nothing is held back
    /// but the directory.
    func testTheSinkReceivesEachMemberWhenItIsAdded() throws {
        var received = 0, largest = 0
        var writer = ZipWriter { received += $0.count; largest = max(largest, $0.count) }
        try noise(5_000).withUnsafeBytes { try writer.add("a", contents: $0) }
        XCTAssertEqual(received, 30 + 1 + 5_000)
        try noise(7_000).withUnsafeBytes { try writer.add("b", contents: $0) }
        XCTAssertEqual(received, 2 * 31 + 12_000)
        try writer.finish()
        XCTAssertEqual(received, 2 * 31 + 12_000 + 2 * 47 + 22)
        XCTAssertEqual(largest, 7_000)
    }

    func testSinkErrorsPassThroughUnchanged() {
        struct DiskFull: Error, Equatable {}
        var writer = ZipWriter { _ in throw DiskFull() }
        XCTAssertThrowsError(try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try writer.add("a", contents: $0) }) {
            XCTAssertEqual($0 as? DiskFull, DiskFull())
        }
    }

    // MARK: - CRC-32

    func testCRC32CheckValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([]), 0)
        XCTAssertEqual(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
    }

    func testCRC32Continues() {
        let bytes = noise(10_000)
        let whole = CRC32.checksum(bytes)
        let first = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[..<3_333])) }
        let both = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[3_333...]), continuing: first) }
        XCTAssertEqual(both, whole)
        XCTAssertEqual([UInt8]().withUnsafeBytes { CRC32.checksum($0, continuing: whole) }, whole)
    }
}
