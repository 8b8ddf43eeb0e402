// A strict reader for zip archives whose entries are stored uncompressed, as torch.save writes
// them (miniz: zip64 end records, data descriptors, alignment padding in local extra fields).
//
// Why not ZIPFoundation: on hostile input it traps instead of throwing. Its in-memory archive
// crashes on a central-directory offset past the end ("Range requires lowerBound <= upperBound"),
// and even its file-backed archive crashes on a zip64 offset >= 2^63 (`off_t(offset)` in
// `Data.readStruct`). Here every offset and size is checked against the bytes that are there.

/// The entries of a stored-only zip archive, located in its bytes; nothing is copied.
struct StoredZip {
    struct Entry {
        let name: String
        /// Where the entry's bytes lie in the archive.
        let data: Range<Int>
        let crc32: UInt32
    }

    /// Entries in central-directory order.
    let entries: [Entry]
    private let index: [String: Int]

    /// The first entry named `name`.
    subscript(name: String) -> Entry? { index[name].map { entries[$0] } }

    // MARK: - Reading the directory

    /// Locates every entry of `bytes`. Throws `CheckpointProblem` for a missing or damaged end
    /// record or directory, an entry outside the file, and compressed or encrypted entries.
    init(_ bytes: UnsafeRawBufferPointer) throws {
        let directory = try Self.centralDirectory(bytes)
        var entries: [Entry] = [], index: [String: Int] = [:]
        var position = directory.lowerBound
        while position < directory.upperBound {
            let entry = try Self.entry(at: &position, in: bytes, directory: directory)
            if index[entry.name] == nil { index[entry.name] = entries.count }
            entries.append(entry)
        }
        self.entries = entries
        self.index = index
    }

    /// The bytes of `entry`, after checking them against its CRC-32.
    func contents(of entry: Entry, in bytes: UnsafeRawBufferPointer, key: String? = nil) throws
        -> UnsafeRawBufferPointer {
        let contents = UnsafeRawBufferPointer(rebasing: bytes[entry.data])
        guard ZipCRC32.checksum(contents) == entry.crc32 else {
            throw CheckpointProblem(.corrupt, entry: entry.name, key: key, "the entry fails its CRC-32 check; "
                + "the file is corrupt, download it again")
        }
        return contents
    }

    /// The byte range of the central directory, from the end record (zip64 if present).
    private static func centralDirectory(_ bytes: UnsafeRawBufferPointer) throws -> Range<Int> {
        guard let end = endRecord(bytes) else {
            if startsWithPlausibleEntry(bytes) {
                throw CheckpointProblem(.truncated, byteOffset: bytes.count, "the zip archive has no "
                    + "end-of-central-directory record; the file is truncated, download it again")
            }
            throw CheckpointProblem(.notACheckpoint, "not a PyTorch checkpoint: the file starts with a zip "
                + "signature but is no zip archive (its first entry is garbled and it has no central directory)")
        }
        var size = UInt64(bytes.le32(end + 12)), offset = UInt64(bytes.le32(end + 16))
        var limit = end
        let locator = end - 20
        if locator >= 0, bytes.le32(locator) == 0x0706_4b50 {
            let record = bytes.le64(locator + 8)
            guard locator >= 56, record <= UInt64(locator - 56), bytes.le32(Int(record)) == 0x0606_4b50 else {
                throw CheckpointProblem(.corrupt, byteOffset: locator, "the zip64 end record is missing or "
                    + "outside the file; the file is corrupt")
            }
            size = bytes.le64(Int(record) + 40)
            offset = bytes.le64(Int(record) + 48)
            limit = Int(record)
        }
        guard offset <= UInt64(limit), size <= UInt64(limit) - offset else {
            throw CheckpointProblem(.corrupt, byteOffset: limit, "the zip central directory (\(size) bytes at "
                + "byte offset \(offset)) lies outside the \(bytes.count)-byte file; the file is corrupt or hostile")
        }
        return Int(offset) ..< Int(offset + size)
    }

    /// The offset of the end-of-central-directory record: its signature within the last
    /// 64 KiB + 22 bytes, with a comment length that reaches exactly to the end of the file.
    private static func endRecord(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 22 else { return nil }
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while position >= lowest {
            if bytes.le32(position) == 0x0605_4b50, position + 22 + Int(bytes.le16(position + 20)) == bytes.count {
                return position
            }
            position -= 1
        }
        return nil
    }

    /// Whether the first local header's name fits in the file and is printable ASCII, i.e. the
    /// file looks like the start of a real archive.
    private static func startsWithPlausibleEntry(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 30, bytes.le32(0) == 0x0403_4b50 else { return false }
        let nameLength = Int(bytes.le16(26))
        guard nameLength > 0, 30 + nameLength <= bytes.count else { return false }
        return bytes[30 ..< 30 + nameLength].allSatisfy { (0x20 ..< 0x7f).contains($0) }
    }

    // MARK: - Reading one entry

    /// Reads the directory header at `position` (advancing it) and finds the entry's data
    /// through its local header.
    private static func entry(at position: inout Int, in bytes: UnsafeRawBufferPointer,
                              directory: Range<Int>) throws -> Entry {
        let header = position
        func corrupt(_ problem: String, entry: String? = nil) -> CheckpointProblem {
            CheckpointProblem(.corrupt, entry: entry, byteOffset: entry == nil ? header : nil,
                              problem + "; the file is corrupt or hostile")
        }
        guard directory.upperBound - header >= 46, bytes.le32(header) == 0x0201_4b50 else {
            throw corrupt("the zip central directory is damaged")
        }
        let nameLength = Int(bytes.le16(header + 28)), extraLength = Int(bytes.le16(header + 30))
        let next = header + 46 + nameLength + extraLength + Int(bytes.le16(header + 32))
        guard next <= directory.upperBound,
              let name = String(bytes: bytes[header + 46 ..< header + 46 + nameLength], encoding: .utf8)
        else { throw corrupt("a zip directory entry runs past the directory or has a garbled name") }
        position = next

        let flags = bytes.le16(header + 8), method = bytes.le16(header + 10)
        guard flags & 1 == 0, method == 0 else {
            throw CheckpointProblem(.unsupported, entry: name, "the entry is compressed or encrypted, but "
                + "torch.save stores entries uncompressed; re-save the state dict with torch.save")
        }
        // Sizes and offset, from the zip64 extra field where the 32-bit field is saturated.
        var fields = [UInt64(bytes.le32(header + 24)), UInt64(bytes.le32(header + 20)), UInt64(bytes.le32(header + 42))]
        var extra = header + 46 + nameLength
        let extraEnd = extra + extraLength
        while extraEnd - extra >= 4 {
            let id = bytes.le16(extra), length = Int(bytes.le16(extra + 2))
            guard length <= extraEnd - extra - 4 else { throw corrupt("a zip extra field is damaged", entry: name) }
            if id == 0x0001 {
                var value = extra + 4
                for field in fields.indices where fields[field] == 0xffff_ffff {
                    guard value + 8 <= extra + 4 + length else { throw corrupt("a zip64 field is short", entry: name) }
                    fields[field] = bytes.le64(value)
                    value += 8
                }
            }
            extra += 4 + length
        }
        let (size, storedSize, local) = (fields[0], fields[1], fields[2])
        guard size == storedSize, bytes.count >= 30, local <= UInt64(bytes.count - 30),
              bytes.le32(Int(local)) == 0x0403_4b50 else {
            throw corrupt("the entry's sizes disagree or its local header is missing", entry: name)
        }
        let start = Int(local) + 30 + Int(bytes.le16(Int(local) + 26)) + Int(bytes.le16(Int(local) + 28))
        guard start <= bytes.count, size <= UInt64(bytes.count - start) else {
            throw CheckpointProblem(.truncated, entry: name, byteOffset: nil, "the entry's \(size) bytes run "
                + "past the end of the \(bytes.count)-byte file; it is truncated or hostile")
        }
        return Entry(name: name, data: start ..< start + Int(size), crc32: bytes.le32(header + 16))
    }
}

// MARK: - Little-endian fields

private extension UnsafeRawBufferPointer {
    func le16(_ offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    func le32(_ offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    func le64(_ offset: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}

// MARK: - CRC-32

/// The zip CRC-32 (reflected polynomial 0xEDB88320), slicing by 8 bytes.
enum ZipCRC32 {
    /// tables[k * 256 + b]: the CRC register after byte b followed by k zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0 ..< 256 {
            var crc = UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1 ..< 8 {
            for byte in 0 ..< 256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xff)]
            }
        }
        return tables
    }()

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { table in
            var crc: UInt32 = ~0
            var index = 0
            while index + 8 <= bytes.count {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc, high = UInt32(truncatingIfNeeded: word >> 32)
                crc = table[7 * 256 + Int(low & 0xff)] ^ table[6 * 256 + Int((low >> 8) & 0xff)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xff)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xff)] ^ table[2 * 256 + Int((high >> 8) & 0xff)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xff)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < bytes.count {
                crc = table[Int((crc ^ UInt32(bytes[index])) & 0xff)] ^ (crc >> 8)
                index += 1
            }
            return ~crc
        }
    }
}
