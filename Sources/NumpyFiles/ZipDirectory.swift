import Foundation
import ZIPFoundation

// A small zip reader for .npz files held in memory. It trusts only the central directory for
// sizes: numpy (Python's zipfile with force_zip64) writes local headers whose sizes are
// 0xFFFFFFFF placeholders followed by a zip64 extra field. Every offset and size is checked
// against the bytes present before use, and the member count must match the end record, so a
// damaged archive fails with a located error instead of silently losing members.
// Deflate and CRC-32 come from ZIPFoundation.

// MARK: - Records

/// One member as the central directory describes it.
struct ZipMember {
    let name: String
    let flags: UInt16
    let method: UInt16
    let crc32: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    let localHeaderOffset: Int
}

/// The members of a zip archive, read from its central directory.
struct ZipDirectory {
    let members: [ZipMember]

    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// Parses the end-of-central-directory record (zip64 when needed) and every central record.
    init(_ bytes: UnsafeRawBufferPointer, file: String) throws {
        let at = NumpyLocation(file: file, member: nil)
        guard let end = Self.findEndRecord(bytes) else {
            throw at.error(
                "not a zip archive (no end-of-central-directory record); the file is truncated "
                    + "or is not an .npz")
        }
        var count = Int(bytes.u16(end + 10))
        var directorySize = Int(bytes.u32(end + 12))
        var directoryOffset = Int(bytes.u32(end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 0, bytes.u32(locator) == Self.zip64LocatorSignature else {
                throw at.error("corrupt zip: the zip64 end-record locator is missing", at: end)
            }
            let record = bytes.u64(locator + 8)
            guard bytes.count >= 56, record <= UInt64(bytes.count - 56),
                bytes.u32(Int(record)) == Self.zip64EndSignature
            else {
                throw at.error("corrupt zip: no zip64 end record at byte \(record)", at: locator)
            }
            let fields = (
                bytes.u64(Int(record) + 32), bytes.u64(Int(record) + 40),
                bytes.u64(Int(record) + 48)
            )
            guard fields.0 < UInt64(Int.max), fields.1 < UInt64(Int.max), fields.2 < UInt64(Int.max)
            else {
                throw at.error("corrupt zip: impossible zip64 sizes", at: Int(record))
            }
            (count, directorySize, directoryOffset) = (Int(fields.0), Int(fields.1), Int(fields.2))
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw at.error(
                "truncated or corrupt zip: the central directory (\(directorySize) bytes at byte "
                    + "\(directoryOffset)) runs past the end of the file (\(bytes.count) bytes)",
                at: end)
        }
        var members: [ZipMember] = []
        var cursor = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        while members.count < count {
            guard cursor + 46 <= directoryEnd, bytes.u32(cursor) == Self.centralSignature else {
                throw at.error(
                    "corrupt zip: central directory record \(members.count + 1) of \(count) is "
                        + "missing or damaged", at: cursor)
            }
            members.append(try Self.centralRecord(bytes, at: cursor, end: directoryEnd, file: file))
            cursor +=
                46 + Int(bytes.u16(cursor + 28)) + Int(bytes.u16(cursor + 30))
                + Int(bytes.u16(cursor + 32))
        }
        self.members = members
    }

    /// The last end record whose comment length fits the file (the comment is at most 65535 bytes).
    private static func findEndRecord(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 22 else { return nil }
        let lowest = max(0, bytes.count - 22 - 65535)
        for start in stride(from: bytes.count - 22, through: lowest, by: -1)
        where bytes.u32(start) == endSignature
            && start + 22 + Int(bytes.u16(start + 20)) <= bytes.count
        {
            return start
        }
        return nil
    }

    private static func centralRecord(
        _ bytes: UnsafeRawBufferPointer, at start: Int, end: Int, file: String
    ) throws -> ZipMember {
        let nameLength = Int(bytes.u16(start + 28))
        let extraLength = Int(bytes.u16(start + 30))
        guard start + 46 + nameLength + extraLength <= end else {
            throw NumpyFileError(
                file: file, offset: start,
                reason: "corrupt zip: a central record runs past the directory")
        }
        let name = String(decoding: bytes[start + 46..<start + 46 + nameLength], as: UTF8.self)
        var compressed = UInt64(bytes.u32(start + 20))
        var uncompressed = UInt64(bytes.u32(start + 24))
        var localOffset = UInt64(bytes.u32(start + 42))
        // The zip64 extra (id 1) holds, in this order, only the fields saturated at 0xFFFFFFFF.
        var extra = start + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let (id, size) = (bytes.u16(extra), Int(bytes.u16(extra + 2)))
            if id == 1 {
                var field = extra + 4
                let fieldEnd = min(extraEnd, extra + 4 + size)
                func next(_ value: inout UInt64) {
                    guard value == 0xFFFF_FFFF, field + 8 <= fieldEnd else { return }
                    value = bytes.u64(field)
                    field += 8
                }
                next(&uncompressed)
                next(&compressed)
                next(&localOffset)
            }
            extra += 4 + size
        }
        let limit = UInt64(Int.max / 2)
        guard compressed < limit, uncompressed < limit, localOffset < limit else {
            throw NumpyFileError(
                file: file, member: name, offset: start,
                reason: "corrupt zip: impossible member sizes")
        }
        return ZipMember(
            name: name, flags: bytes.u16(start + 8), method: bytes.u16(start + 10),
            crc32: bytes.u32(start + 16), compressedSize: Int(compressed),
            uncompressedSize: Int(uncompressed), localHeaderOffset: Int(localOffset))
    }

    // MARK: - Member contents

    /// Where the member's stored (possibly compressed) bytes are in the file: after its local
    /// header, whose signature is checked, and entirely inside the file. Reads no member data.
    static func dataRange(
        of member: ZipMember, in bytes: UnsafeRawBufferPointer, file: String
    ) throws -> Range<Int> {
        let at = NumpyLocation(file: file, member: member.name)
        let local = member.localHeaderOffset
        guard bytes.count >= 30, local <= bytes.count - 30, bytes.u32(local) == localSignature else {
            throw at.error("corrupt or truncated zip: no local header at byte \(local) of the file")
        }
        let dataStart = local + 30 + Int(bytes.u16(local + 26)) + Int(bytes.u16(local + 28))
        guard dataStart <= bytes.count, member.compressedSize <= bytes.count - dataStart else {
            throw at.error(
                "truncated zip: the member's \(member.compressedSize) bytes at byte \(dataStart) run "
                    + "past the end of the file (\(bytes.count) bytes)")
        }
        guard member.flags & 1 == 0 else {
            throw at.error("encrypted zip members are not supported")
        }
        return dataStart..<dataStart + member.compressedSize
    }

    /// Calls `body` with the member's uncompressed, CRC-checked bytes. Stored members are passed
    /// in place (no copy); deflated ones are inflated first.
    static func withContents<R>(
        of member: ZipMember, in bytes: UnsafeRawBufferPointer, file: String,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let at = NumpyLocation(file: file, member: member.name)
        let raw = UnsafeRawBufferPointer(rebasing: bytes[try dataRange(of: member, in: bytes, file: file)])
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw at.error("corrupt zip: a stored member's sizes disagree")
            }
            try checkCRC(raw, member: member, at: at)
            return try body(raw)
        case 8:
            let inflated = try inflate(raw, expected: member.uncompressedSize, at: at)
            return try inflated.withUnsafeBytes {
                try checkCRC($0, member: member, at: at)
                return try body($0)
            }
        default:
            throw at.error(
                "zip compression method \(member.method) is not supported (numpy writes stored "
                    + "or deflated members)")
        }
    }

    private static func checkCRC(
        _ contents: UnsafeRawBufferPointer, member: ZipMember, at: NumpyLocation
    ) throws {
        var crc: UInt32 = 0
        if let base = contents.baseAddress, contents.count > 0 {
            let view = Data(
                bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: contents.count,
                deallocator: .none)
            crc = view.crc32(checksum: 0)
        }
        guard crc == member.crc32 else {
            throw at.error(
                "CRC-32 mismatch (the directory says 0x\(String(member.crc32, radix: 16)), the data "
                    + "gives 0x\(String(crc, radix: 16))): the member is corrupt")
        }
    }

    /// Raw-deflate decoding that refuses to run past either the compressed bytes or the
    /// uncompressed size the directory declares.
    private static func inflate(
        _ compressed: UnsafeRawBufferPointer, expected: Int, at: NumpyLocation
    ) throws -> Data {
        var output = Data()
        output.reserveCapacity(min(expected, 1 << 28))
        struct Overrun: Error {}
        struct EndedEarly: Error {}
        do {
            _ = try Data.decompress(
                size: Int64(compressed.count), bufferSize: 1 << 16, skipCRC32: true,
                provider: { position, size in
                    let start = Int(position)
                    guard start < compressed.count else { throw EndedEarly() }
                    return Data(compressed[start..<min(compressed.count, start + size)])
                },
                consumer: { chunk in
                    guard output.count + chunk.count <= expected else { throw Overrun() }
                    output.append(chunk)
                })
        } catch is Overrun {
            throw at.error("corrupt zip: the member inflates beyond its declared \(expected) bytes")
        } catch is EndedEarly {
            throw at.error("truncated or corrupt deflate data: the stream does not end")
        } catch {
            throw at.error("corrupt deflate data (zlib cannot decode the member)")
        }
        guard output.count == expected else {
            throw at.error(
                "corrupt zip: the member inflates to \(output.count) bytes, not the declared \(expected)"
            )
        }
        return output
    }
}

// MARK: - Little-endian loads

extension UnsafeRawBufferPointer {
    fileprivate func u16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    fileprivate func u32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    fileprivate func u64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
