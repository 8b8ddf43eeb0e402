import Foundation
import XCTest
@testable import ZipArchive

/// Damaged and hostile archives, each refused with its own exact error: a valid archive from
/// `ZipWriter` with one lie told.
final class ZipHostileTests: XCTestCase {
    private let a = noise(100), b = noise(50, seed: 2)
    /// a.bin's local header at 0 and data at 35..<135; b.bin's at 135 and 170..<220; central
    /// records at 220 and 271; the end record at 322; 344 bytes.
    private var archive: [UInt8] { zipped([("a.bin", a), ("b.bin", b)]) }
    private let (centralA, centralB, end) = (220, 271, 322)

    func testTheLayoutTheseTestsPatch() throws {
        let found = try members(archive)
        XCTAssertEqual(archive.count, 344)
        XCTAssertEqual(found.map(\.localHeaderOffset), [0, 135])
        XCTAssertEqual(found.map(\.data), [35 ..< 135, 170 ..< 220])
        XCTAssertEqual(found.map(\.directoryOffset), [centralA, centralB])
        XCTAssertEqual(archive.le(end, 4), 0x0605_4b50)
    }

    func testDescriptionNamesMemberAndOffset() {
        XCTAssertEqual(ZipError(.encrypted, member: "a.bin", byteOffset: 220).description,
                       "member 'a.bin' at byte 220: the member is encrypted")
        XCTAssertEqual(ZipError(.zip64EndRecordMissing, byteOffset: 7).description,
                       "at byte 7: the zip64 end record is missing or outside the file")
    }

    // MARK: - The end record and the directory

    func testEndRecordMissing() {
        XCTAssertEqual(openingError(Array("not a zip archive, but long enough to scan".utf8)),
                       ZipError(.noEndRecord(startsLikeAnArchive: false)))
        XCTAssertEqual(openingError([]), ZipError(.noEndRecord(startsLikeAnArchive: false)))
        XCTAssertEqual(openingError(Array(archive.prefix(300))), ZipError(.noEndRecord(startsLikeAnArchive: true)))
        XCTAssertEqual(ZipError(.noEndRecord(startsLikeAnArchive: true)).kind, .truncated)
    }

    func testTheEndRecordsCommentMustReachTheEnd() throws {
        var commented = archive
        commented.set(end + 20, 2, 5)
        commented += Array("hello".utf8)
        XCTAssertEqual(try members(commented).map(\.name), ["a.bin", "b.bin"])
        commented.append(0)
        XCTAssertEqual(openingError(commented), ZipError(.noEndRecord(startsLikeAnArchive: true)))
    }

    func testCentralDirectoryOutsideTheFile() {
        var far = archive
        far.set(end + 16, 4, 0x7fff_fff0)
        XCTAssertEqual(openingError(far), ZipError(.directoryOutsideFile(size: 102, offset: 0x7fff_fff0, fileSize: 344),
                                                   byteOffset: end))
        var long = archive
        long.set(end + 12, 4, 103)  // one byte into the end record
        XCTAssertEqual(openingError(long), ZipError(.directoryOutsideFile(size: 103, offset: 220, fileSize: 344),
                                                    byteOffset: end))
    }

    func testZip64DirectoryOffsetBeyondInt64() {
        var bad = zipped([("a.bin", a)], zip64Threshold: 0)
        let record = bad.count - 22 - 20 - 56
        XCTAssertEqual(bad.le(record, 4), 0x0606_4b50)
        for offset: UInt64 in [1 << 63, .max] {
            bad.set(record + 48, 8, offset)
            XCTAssertEqual(openingError(bad), ZipError(.directoryOutsideFile(size: 46 + 5 + 28, offset: offset,
                                                                             fileSize: bad.count), byteOffset: record))
        }
    }

    func testZip64LocatorPointingAtNoRecord() {
        var bad = zipped([("a.bin", a)], zip64Threshold: 0)
        let locator = bad.count - 22 - 20
        for record: UInt64 in [5, UInt64(locator - 55), 1 << 63] {
            bad.set(locator + 8, 8, record)
            XCTAssertEqual(openingError(bad), ZipError(.zip64EndRecordMissing, byteOffset: locator))
        }
    }

    func testEntryCountMismatch() {
        var more = archive
        more.set(end + 8, 2, 3)
        more.set(end + 10, 2, 3)
        XCTAssertEqual(openingError(more), ZipError(.recordMissing(record: 3, declared: 3), byteOffset: end))
        var fewer = archive
        fewer.set(end + 8, 2, 1)
        fewer.set(end + 10, 2, 1)
        XCTAssertEqual(openingError(fewer), ZipError(.extraRecords(declared: 1), byteOffset: centralB))
    }

    func testRecordRunningPastTheDirectory() {
        var bad = archive
        bad.set(centralB + 32, 2, 200)  // a comment longer than what is left of the directory
        XCTAssertEqual(openingError(bad), ZipError(.recordMissing(record: 2, declared: 2), byteOffset: centralB))
    }

    func testNameThatIsNotUTF8() {
        var bad = archive
        bad[centralA + 46] = 0xff
        XCTAssertEqual(openingError(bad), ZipError(.nameNotUTF8(record: 1), byteOffset: centralA))
    }

    func testDamagedZip64ExtraField() {
        // One member, all in zip64 fields: its central record follows a 30 + 5 + 20-byte local
        // header and 100 bytes of data; its 28-byte extra area holds one 24-byte zip64 field.
        let zip64 = zipped([("a.bin", a)], zip64Threshold: 0)
        let field = 155 + 46 + 5
        XCTAssertEqual(zip64.le(field, 2), 1)
        XCTAssertEqual(zip64.le(field + 2, 2), 24)
        for length: UInt64 in [25, 8] {  // past the extra area; too short for the three fields
            var bad = zip64
            bad.set(field + 2, 2, length)
            XCTAssertEqual(openingError(bad), ZipError(.extraFieldDamaged, member: "a.bin", byteOffset: 155))
        }
    }

    // MARK: - Members

    func testEncryptedFlag() {
        var bad = archive
        bad[centralA + 8] |= 1
        XCTAssertEqual(openingError(bad), ZipError(.encrypted, member: "a.bin", byteOffset: centralA))
        XCTAssertEqual(ZipError(.encrypted).kind, .unsupported)
    }

    func testUnknownMethod() {
        var bad = archive
        bad.set(centralA + 10, 2, 12)  // bzip2
        XCTAssertEqual(openingError(bad), ZipError(.unsupportedMethod(12), member: "a.bin", byteOffset: centralA))
    }

    func testStoredSizesDisagree() {
        var bad = archive
        bad.set(centralA + 24, 4, 99)
        XCTAssertEqual(openingError(bad), ZipError(.storedSizesDisagree(compressed: 100, uncompressed: 99),
                                                   member: "a.bin", byteOffset: centralA))
    }

    func testDeflatedSizeBeyondWhatDeflateCanProduce() throws {
        var bad = zipped([("z", [UInt8](repeating: 0, count: 5_000))], method: .deflated)
        let member = try XCTUnwrap(try members(bad).first)
        let most = UInt64(member.compressedSize) * 1032
        bad.set(member.directoryOffset + 24, 4, most)
        XCTAssertNoThrow(try members(bad), "1032:1 is possible")
        bad.set(member.directoryOffset + 24, 4, most + 1)
        XCTAssertEqual(openingError(bad), ZipError(.impossibleSize(compressed: UInt64(member.compressedSize),
                                                                   uncompressed: most + 1),
                                                   member: "z", byteOffset: member.directoryOffset))
    }

    func testMemberPastTheEnd() {
        var bad = archive
        bad.set(centralB + 20, 4, 1000)
        bad.set(centralB + 24, 4, 1000)
        XCTAssertEqual(openingError(bad), ZipError(.dataPastEnd(size: 1000, start: 170, fileSize: 344),
                                                   member: "b.bin", byteOffset: centralB))
    }

    func testLocalHeaderMissing() {
        for offset: UInt64 in [0x4000_0000, 140, 344 - 29] {
            var bad = archive
            bad.set(centralB + 42, 4, offset)
            XCTAssertEqual(openingError(bad), ZipError(.localHeaderMissing(offset: offset), member: "b.bin",
                                                       byteOffset: centralB), "offset \(offset)")
        }
    }

    func testLocalHeaderNamingAnotherMember() {
        var bad = archive
        bad[30 + 4] = UInt8(ascii: "m")
        XCTAssertEqual(openingError(bad), ZipError(.localNameDiffers(localName: "a.bim", offset: 0), member: "a.bin",
                                                   byteOffset: centralA))
    }

    func testDuplicateNames() {
        var bad = archive
        bad[135 + 30] = UInt8(ascii: "a")
        bad[centralB + 46] = UInt8(ascii: "a")
        XCTAssertEqual(openingError(bad), ZipError(.duplicateName, member: "a.bin", byteOffset: centralB))
    }

    /// The "overlapping files" zip bomb: a member whose local header lies inside another's data.
    func testOverlappingMembers() throws {
        var inner = [UInt8](repeating: 0, count: 30) + Array("b.bin".utf8)
        inner.set(0, 4, 0x0403_4b50)
        inner.set(26, 2, 5)
        var bad = zipped([("a.bin", inner + a), ("b.bin", noise(20))])
        let central = try members(bad)[1].directoryOffset
        bad.set(central + 42, 4, 35)  // b.bin's local header: the one inside a.bin's data
        XCTAssertEqual(openingError(bad), ZipError(.overlaps(other: "a.bin"), member: "b.bin", byteOffset: central))
    }

    func testMemberRunningIntoTheDirectory() {
        var bad = archive
        bad.set(centralB + 20, 4, 60)
        bad.set(centralB + 24, 4, 60)
        XCTAssertEqual(openingError(bad), ZipError(.overlaps(other: nil), member: "b.bin", byteOffset: centralB))
    }

    // MARK: - Contents

    func testCRCMismatch() throws {
        var bad = archive
        bad[35 + 10] ^= 0x40
        XCTAssertEqual(readingError(bad, "a.bin"),
                       ZipError(.checksumMismatch(expected: CRC32.checksum(a), actual: CRC32.checksum(Array(bad[35 ..< 135]))),
                                member: "a.bin", byteOffset: centralA))
        XCTAssertEqual(try bad.withUnsafeBytes { bytes in
            let reader = try ZipReader(bytes)
            return Array(try reader.storedContents(of: reader["b.bin"]!, in: bytes))
        }, b, "the other member still reads")
    }

    /// An archive whose one member, d.bin, is the deflate stream `stream` declaring `size` bytes.
    private func deflated(_ stream: [UInt8], declaring size: Int, crc: UInt32 = 0) -> [UInt8] {
        var archive = zipped([("d.bin", stream)])
        let central = 35 + stream.count
        archive.set(central + 10, 2, 8)
        archive.set(central + 16, 4, UInt64(crc))
        archive.set(central + 24, 4, UInt64(size))
        return archive
    }

    /// 2000 bytes in a stored deflate block, then an invalid block: inflating all of it would
    /// fail on the invalid block, so "beyond its size" proves that inflating stopped early.
    func testInflatingBeyondTheDeclaredSizeStopsThere() {
        let payload = noise(2_000)
        let stream = storedBlock(payload, final: false) + [0x07]  // BFINAL 1, BTYPE 11 (reserved)
        XCTAssertEqual(readingError(deflated(stream, declaring: 1_000), "d.bin"),
                       ZipError(.inflatesBeyondSize(declared: 1_000), member: "d.bin", byteOffset: 35 + stream.count))
        XCTAssertEqual(readingError(deflated(stream, declaring: 2_000, crc: CRC32.checksum(payload)), "d.bin"),
                       ZipError(.deflateCorrupt(zlibMessage: "invalid block type"), member: "d.bin",
                                byteOffset: 35 + stream.count))
    }

    func testInflateWritesNothingPastItsOutput() {
        let payload = noise(2_000)
        let stream = storedBlock(payload, final: true)
        var buffer = [UInt8](repeating: 0xee, count: 2_000)
        let outcome = stream.withUnsafeBytes { input in
            buffer.withUnsafeMutableBytes { inflate(input, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<1_000])) }
        }
        XCTAssertEqual(outcome, .overrun)
        XCTAssertEqual(Array(buffer[..<1_000]), Array(payload[..<1_000]))
        XCTAssertTrue(buffer[1_000...].allSatisfy { $0 == 0xee })
    }

    func testTruncatedDeflateStream() {
        let payload = Array(String(repeating: "fidviz explains FID. ", count: 500).utf8)
        let whole = payload.withUnsafeBytes { deflate($0) }
        let cut = Array(whole.prefix(whole.count / 2))
        XCTAssertEqual(readingError(deflated(cut, declaring: payload.count, crc: CRC32.checksum(payload)), "d.bin"),
                       ZipError(.deflateTruncated, member: "d.bin", byteOffset: 35 + cut.count))
        let unfinished = storedBlock(noise(100), final: false)
        XCTAssertEqual(readingError(deflated(unfinished, declaring: 100), "d.bin"),
                       ZipError(.deflateTruncated, member: "d.bin", byteOffset: 35 + unfinished.count))
    }

    func testDeflateStreamEndingShort() {
        let stream = storedBlock(noise(50), final: true)
        XCTAssertEqual(readingError(deflated(stream, declaring: 100), "d.bin"),
                       ZipError(.inflatesShort(produced: 50, declared: 100), member: "d.bin",
                                byteOffset: 35 + stream.count))
    }

    func testInflatedSizeLimit() throws {
        let archive = zipped([("z", [UInt8](repeating: 0, count: 5_000))], method: .deflated)
        let central = try members(archive)[0].directoryOffset
        XCTAssertEqual(readingError(archive, "z", inflatedSizeLimit: 4_999),
                       ZipError(.tooLarge(size: 5_000, limit: 4_999), member: "z", byteOffset: central))
        XCTAssertEqual(try unzipped(archive, inflatedSizeLimit: 5_000).first?.bytes.count, 5_000)
    }
}
