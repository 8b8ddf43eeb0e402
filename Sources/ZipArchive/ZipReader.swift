// A strict zip reader over bytes in memory or mapped from a file (APPNOTE 6.3).
//
// Opening reads the end record (zip64 when a locator precedes it), every central directory
// record and every member's local header; no member's data is read until asked for. Every
// offset and size is checked against the bytes present before it is used: a hostile archive
// fails with a located `ZipError`, never a trap, and never makes the reader allocate for a lie.
// Data offsets come from each local header (torch.save pads data with local extra fields);
// sizes come from the central directory (numpy's zip64 local headers hold 0xFFFFFFFF there).

/// How a member's bytes are stored.
public enum ZipMethod: UInt16, Sendable {
    case stored = 0
    case deflated = 8
}

/// One member as the central directory describes it, located through its local header.
public struct ZipMember: Equatable, Sendable {
    public let name: String
    public let method: ZipMethod
    /// The CRC-32 of its uncompressed bytes, as the directory records it.
    public let crc32: UInt32
    public let uncompressedSize: Int
    /// Where its bytes as stored (deflated or not) lie in the archive, after the local header.
    public let data: Range<Int>
    public let localHeaderOffset: Int
    /// Where its central directory record starts (for errors).
    public let directoryOffset: Int

    /// The size of its bytes as stored.
    public var compressedSize: Int { data.count }
}

/// The members of a zip archive. Throws `ZipError` for a missing or damaged end record or
/// directory, a directory whose record count differs from the end record's, a member that is
/// encrypted, compressed other than by deflate, lies outside the bytes, overlaps another, or
/// whose name appears twice.
public struct ZipReader: Sendable {
    /// Members in central-directory order, names distinct.
    public let members: [ZipMember]
    /// The size of the bytes the reader was opened on; later calls must pass the same bytes.
    public let archiveSize: Int
    private let index: [String: Int]

    /// The member named `name`.
    public subscript(name: String) -> ZipMember? { index[name].map { members[$0] } }

    // MARK: - Opening

    public init(_ bytes: UnsafeRawBufferPointer) throws {
        let directory = try Self.centralDirectory(in: bytes)
        var members: [ZipMember] = [], index: [String: Int] = [:]
        var cursor = directory.range.lowerBound
        while UInt64(members.count) < directory.declaredCount {
            let member = try Self.member(at: &cursor, record: members.count + 1, of: directory, in: bytes)
            guard index[member.name] == nil else {
                throw ZipError(.duplicateName, member: member.name, byteOffset: member.directoryOffset)
            }
            index[member.name] = members.count
            members.append(member)
        }
        guard cursor == directory.range.upperBound else {
            throw ZipError(.extraRecords(declared: directory.declaredCount), byteOffset: cursor)
        }
        try Self.checkNoOverlaps(members, directoryStart: directory.range.lowerBound)
        self.members = members
        self.index = index
        self.archiveSize = bytes.count
    }

    // MARK: - The end record and the directory

    private struct Directory {
        let range: Range<Int>
        let declaredCount: UInt64
    }

    /// Where the central directory lies and how many records the end record declares; from
    /// the zip64 end record when a locator precedes the end record.
    private static func centralDirectory(in bytes: UnsafeRawBufferPointer) throws -> Directory {
        guard let end = endRecord(in: bytes) else {
            throw ZipError(.noEndRecord(startsLikeAnArchive: startsLikeAnArchive(bytes)))
        }
        var count = UInt64(bytes.le16(end + 10))
        var size = UInt64(bytes.le32(end + 12)), offset = UInt64(bytes.le32(end + 16))
        var limit = end
        let locator = end - 20
        if locator >= 0, bytes.le32(locator) == Signature.zip64Locator {
            let record = bytes.le64(locator + 8)
            guard locator >= 56, record <= UInt64(locator - 56),
                  bytes.le32(Int(record)) == Signature.zip64EndRecord else {
                throw ZipError(.zip64EndRecordMissing, byteOffset: locator)
            }
            limit = Int(record)
            (count, size, offset) = (bytes.le64(limit + 32), bytes.le64(limit + 40), bytes.le64(limit + 48))
        }
        guard offset <= UInt64(limit), size <= UInt64(limit) - offset else {
            throw ZipError(.directoryOutsideFile(size: size, offset: offset, fileSize: bytes.count),
                           byteOffset: limit)
        }
        return Directory(range: Int(offset) ..< Int(offset + size), declaredCount: count)
    }

    /// The offset of the end record: its signature within the last 64 KiB + 22 bytes, with a
    /// comment length that reaches exactly to the end of the bytes.
    private static func endRecord(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 22 else { return nil }
        let lowest = max(0, bytes.count - 22 - 65_535)
        for position in stride(from: bytes.count - 22, through: lowest, by: -1)
        where bytes.le32(position) == Signature.endRecord
            && position + 22 + Int(bytes.le16(position + 20)) == bytes.count {
            return position
        }
        return nil
    }

    /// Whether the bytes begin with a local header whose name fits and is printable ASCII.
    private static func startsLikeAnArchive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 30, bytes.le32(0) == Signature.localHeader else { return false }
        let nameLength = Int(bytes.le16(26))
        guard nameLength > 0, 30 + nameLength <= bytes.count else { return false }
        return bytes[30 ..< 30 + nameLength].allSatisfy { (0x20 ..< 0x7f).contains($0) }
    }

    // MARK: - One member

    /// Reads central record number `record` at `cursor` (advancing it past the record) and
    /// locates the member's data through its local header.
    private static func member(at cursor: inout Int, record: Int, of directory: Directory,
                               in bytes: UnsafeRawBufferPointer) throws -> ZipMember {
        let start = cursor
        let missing = ZipError(.recordMissing(record: record, declared: directory.declaredCount), byteOffset: start)
        guard directory.range.upperBound - start >= 46, bytes.le32(start) == Signature.centralHeader else {
            throw missing
        }
        let nameLength = Int(bytes.le16(start + 28)), extraLength = Int(bytes.le16(start + 30))
        let next = start + 46 + nameLength + extraLength + Int(bytes.le16(start + 32))
        guard next <= directory.range.upperBound else { throw missing }
        let nameBytes = bytes[start + 46 ..< start + 46 + nameLength]
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard name.utf8.elementsEqual(nameBytes) else {
            throw ZipError(.nameNotUTF8(record: record), byteOffset: start)
        }
        cursor = next
        func failure(_ problem: ZipError.Problem) -> ZipError {
            ZipError(problem, member: name, byteOffset: start)
        }

        // Sizes and local header offset. Those saturated at 0xFFFFFFFF are in the zip64 extra
        // field (id 1), in this order.
        var fields = [UInt64(bytes.le32(start + 24)), UInt64(bytes.le32(start + 20)), UInt64(bytes.le32(start + 42))]
        var extra = start + 46 + nameLength
        let extraEnd = extra + extraLength
        while extraEnd - extra >= 4 {
            let id = bytes.le16(extra), length = Int(bytes.le16(extra + 2))
            guard length <= extraEnd - extra - 4 else { throw failure(.extraFieldDamaged) }
            if id == 0x0001 {
                var value = extra + 4
                for field in fields.indices where fields[field] == 0xffff_ffff {
                    guard value + 8 <= extra + 4 + length else { throw failure(.extraFieldDamaged) }
                    fields[field] = bytes.le64(value)
                    value += 8
                }
            }
            extra += 4 + length
        }
        let (uncompressed, compressed, local) = (fields[0], fields[1], fields[2])

        guard bytes.le16(start + 8) & 1 == 0 else { throw failure(.encrypted) }
        let methodNumber = bytes.le16(start + 10)
        guard let method = ZipMethod(rawValue: methodNumber) else { throw failure(.unsupportedMethod(methodNumber)) }
        switch method {
        case .stored:
            guard compressed == uncompressed else {
                throw failure(.storedSizesDisagree(compressed: compressed, uncompressed: uncompressed))
            }
        case .deflated:
            // Deflate spends at least 2 bits on a 258-byte match, so it expands at most 1032-fold.
            let (most, overflow) = compressed.multipliedReportingOverflow(by: 1032)
            guard overflow || uncompressed <= most else {
                throw failure(.impossibleSize(compressed: compressed, uncompressed: uncompressed))
            }
        }

        guard bytes.count >= 30, local <= UInt64(bytes.count - 30),
              bytes.le32(Int(local)) == Signature.localHeader else {
            throw failure(.localHeaderMissing(offset: local))
        }
        let header = Int(local)
        let localNameLength = Int(bytes.le16(header + 26))
        let dataStart = header + 30 + localNameLength + Int(bytes.le16(header + 28))
        guard dataStart <= bytes.count, compressed <= UInt64(bytes.count - dataStart) else {
            throw failure(.dataPastEnd(size: compressed, start: dataStart, fileSize: bytes.count))
        }
        let localName = bytes[header + 30 ..< header + 30 + localNameLength]
        guard localName.elementsEqual(nameBytes) else {
            throw failure(.localNameDiffers(localName: String(decoding: localName, as: UTF8.self), offset: header))
        }
        return ZipMember(name: name, method: method, crc32: bytes.le32(start + 16),
                         uncompressedSize: Int(uncompressed), data: dataStart ..< dataStart + Int(compressed),
                         localHeaderOffset: header, directoryOffset: start)
    }

    /// Members lie one after another, each from its local header to the end of its data, and
    /// all before the central directory: overlapping members could make a small archive
    /// inflate to far more than its size.
    private static func checkNoOverlaps(_ members: [ZipMember], directoryStart: Int) throws {
        let order = members.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (earlier, later) in zip(order, order.dropFirst()) where earlier.data.upperBound > later.localHeaderOffset {
            throw ZipError(.overlaps(other: earlier.name), member: later.name, byteOffset: later.directoryOffset)
        }
        if let last = order.last, last.data.upperBound > directoryStart {
            throw ZipError(.overlaps(other: nil), member: last.name, byteOffset: last.directoryOffset)
        }
    }
}
