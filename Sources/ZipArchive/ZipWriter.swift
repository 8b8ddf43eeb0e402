// Streams a zip archive to a sink, member by member, as np.savez and np.savez_compressed do.

/// Writes a zip archive in one pass to a sink that takes bytes in order (a file, a buffer).
///
/// Each member goes out whole when it is added: local header, then its bytes (stored, or
/// deflated at zlib's default level). `finish()` writes the central directory and end record.
/// Memory is one member's bytes (and, deflated, their compressed copy) plus about 80 bytes a
/// member for the directory. Zip64 fields are written where a size or offset reaches
/// 0xFFFFFFFF, or the member count 0xFFFF, so members and archives may exceed 4 GiB.
/// Times are fixed at 1980-01-01 00:00, so the same members give the same bytes.
///
/// Errors thrown by the sink are passed on unchanged; after one, the archive is unusable.
public struct ZipWriter {
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    private let sink: Sink
    /// Sizes and offsets at or above this are written as zip64 fields (lowered by tests).
    private let zip64Threshold: UInt64
    private var written = 0
    private var directory: [UInt8] = []
    private var names: Set<String> = []
    private var finished = false

    public init(into sink: @escaping Sink) {
        self.init(into: sink, zip64Threshold: 0xffff_ffff)
    }

    init(into sink: @escaping Sink, zip64Threshold: UInt64) {
        self.sink = sink
        self.zip64Threshold = zip64Threshold
    }

    // MARK: - Members

    /// Writes the member `name` holding `contents`. With `alignment` > 1 its data start at a
    /// multiple of `alignment` bytes, padded by an extra field (id 0x4246 of 'Z' bytes, as
    /// PyTorch's writer pads) in its local header only. Names must be distinct.
    public mutating func add(_ name: String, contents: UnsafeRawBufferPointer, method: ZipMethod = .stored,
                             alignment: Int = 1) throws {
        precondition(!finished, "ZipWriter.add('\(name)') after finish()")
        precondition(names.insert(name).inserted, "ZipWriter.add: the archive already has a member '\(name)'")
        precondition((1 ... 0x8000).contains(alignment), "ZipWriter.add: alignment \(alignment) is not in 1...32768")
        let path = Array(name.utf8)
        precondition(path.count <= 0xffff, "ZipWriter.add: the name of '\(name.prefix(40))...' is over 65535 bytes")

        let crc = CRC32.checksum(contents)
        let deflated = method == .deflated ? deflate(contents) : nil
        let (size, compressedSize, offset) = (contents.count, deflated?.count ?? contents.count, written)
        let sizesInZip64 = UInt64(size) >= zip64Threshold || UInt64(compressedSize) >= zip64Threshold
        let offsetInZip64 = UInt64(offset) >= zip64Threshold
        let version: UInt16 = sizesInZip64 || offsetInZip64 ? 45 : 20
        let flags: UInt16 = path.allSatisfy { $0 < 0x80 } ? 0 : 1 << 11  // bit 11: the name is UTF-8

        // Local header: a zip64 field there holds both sizes; padding goes last.
        var localExtra: [UInt8] = []
        if sizesInZip64 {
            localExtra.le16(0x0001); localExtra.le16(16); localExtra.le64(size); localExtra.le64(compressedSize)
        }
        if alignment > 1 {
            let unpadded = offset + 30 + path.count + localExtra.count + 4
            let padding = (alignment - unpadded % alignment) % alignment
            localExtra.le16(0x4246); localExtra.le16(padding)
            localExtra += [UInt8](repeating: 0x5a, count: padding)
        }
        var local: [UInt8] = []
        local.le32(Signature.localHeader)
        local.le16(version); local.le16(flags); local.le16(method.rawValue); local.le16(0); local.le16(dosDate)
        local.le32(crc)
        local.le32(sizesInZip64 ? 0xffff_ffff : compressedSize); local.le32(sizesInZip64 ? 0xffff_ffff : size)
        local.le16(path.count); local.le16(localExtra.count)
        try emit(local + path + localExtra)
        if let deflated { try emit(deflated) } else { try emit(contents) }

        // Central record: the zip64 field holds only the saturated fields, in APPNOTE's order.
        var zip64: [UInt8] = []
        if sizesInZip64 { zip64.le64(size); zip64.le64(compressedSize) }
        if offsetInZip64 { zip64.le64(offset) }
        var central: [UInt8] = []
        central.le32(Signature.centralHeader)
        central.le16(madeByUnix | version); central.le16(version); central.le16(flags); central.le16(method.rawValue)
        central.le16(0); central.le16(dosDate); central.le32(crc)
        central.le32(sizesInZip64 ? 0xffff_ffff : compressedSize); central.le32(sizesInZip64 ? 0xffff_ffff : size)
        central.le16(path.count); central.le16(zip64.isEmpty ? 0 : 4 + zip64.count)
        central.le16(0); central.le16(0); central.le16(0)  // comment length, disk, internal attributes
        central.le32(regularFile644); central.le32(offsetInZip64 ? 0xffff_ffff : offset)
        directory += central + path
        if !zip64.isEmpty {
            directory.le16(0x0001); directory.le16(zip64.count)
            directory += zip64
        }
    }

    // MARK: - The end

    /// Writes the central directory and the end record (zip64 ones when needed). Nothing may
    /// be added afterwards.
    public mutating func finish() throws {
        precondition(!finished, "ZipWriter.finish() called twice")
        finished = true
        let (count, offset, size) = (names.count, written, directory.count)
        try emit(directory)
        directory = []
        let countInZip64 = count >= 0xffff
        let offsetInZip64 = UInt64(offset) >= zip64Threshold, sizeInZip64 = UInt64(size) >= zip64Threshold
        var end: [UInt8] = []
        if countInZip64 || offsetInZip64 || sizeInZip64 {
            let record = written
            end.le32(Signature.zip64EndRecord); end.le64(44)
            end.le16(madeByUnix | 45); end.le16(45); end.le32(0); end.le32(0)
            end.le64(count); end.le64(count); end.le64(size); end.le64(offset)
            end.le32(Signature.zip64Locator); end.le32(0); end.le64(record); end.le32(1)
        }
        end.le32(Signature.endRecord); end.le16(0); end.le16(0)
        end.le16(countInZip64 ? 0xffff : count); end.le16(countInZip64 ? 0xffff : count)
        end.le32(sizeInZip64 ? 0xffff_ffff : size); end.le32(offsetInZip64 ? 0xffff_ffff : offset)
        end.le16(0)  // comment length
        try emit(end)
    }

    // MARK: - Output

    private mutating func emit(_ bytes: UnsafeRawBufferPointer) throws {
        try sink(bytes)
        written += bytes.count
    }

    private mutating func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try sink($0) }
        written += bytes.count
    }
}

/// 1980-01-01, the earliest MS-DOS date (day 1, month 1, year 0 from 1980).
private let dosDate: UInt16 = 1 << 5 | 1
/// "Made by" Unix (3, in the high byte), so that the external attributes are Unix modes.
private let madeByUnix: UInt16 = 3 << 8
/// A regular file with mode 0644, as Unix external attributes.
private let regularFile644: UInt32 = 0o100644 << 16
