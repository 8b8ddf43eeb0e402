// Writes zip archives of stored (uncompressed) entries, as torch.save's zip format does.

import Foundation

// MARK: - Archive

/// A zip archive of stored entries: local headers and data in the order given, then the central
/// directory and the end record (no zip64; every size must fit 32 bits).
///
/// With `alignment` > 1, an entry whose name passes `align` gets its data placed at a multiple of
/// `alignment` bytes by a padding extra field (id 0x4246, "FB") in its local header only, as
/// PyTorch's writer does; readers must then take data offsets from the local headers.
/// With the defaults the layout is byte-for-byte fixed, which the hostile-file tests rely on.
public func storedZip(_ files: [(name: String, bytes: [UInt8])], alignment: Int = 1,
                      align: (String) -> Bool = { _ in true }) -> Data {
    precondition(alignment >= 1, "alignment must be positive, got \(alignment)")
    var archive: [UInt8] = [], directory: [UInt8] = []
    for (name, bytes) in files {
        precondition(bytes.count < 1 << 32 && archive.count < 1 << 32, "\(name): zip64 is not written")
        let crc = Int(ZipChecksum.crc32(bytes)), path = Array(name.utf8)
        var extra: [UInt8] = []
        if alignment > 1 && align(name) {
            let unpadded = archive.count + 30 + path.count + 4
            let padding = (alignment - unpadded % alignment) % alignment
            extra = le16(0x4246) + le16(padding) + [UInt8](repeating: 0x5a, count: padding)
        }
        let sizes = le32(crc) + le32(bytes.count) + le32(bytes.count) + le16(path.count)
        directory += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(0) + le32(0) + sizes + le16(0)
            + le16(0) + le16(0) + le16(0) + le32(0) + le32(archive.count) + path
        archive += le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le32(0) + sizes + le16(extra.count)
            + path + extra + bytes
    }
    let directoryOffset = archive.count
    archive += directory + le32(0x0605_4b50) + le16(0) + le16(0) + le16(files.count) + le16(files.count)
        + le32(directory.count) + le32(directoryOffset) + le16(0)
    return Data(archive)
}

private func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8 & 0xff)] }
private func le32(_ value: Int) -> [UInt8] { le16(value & 0xffff) + le16(value >> 16 & 0xffff) }

// MARK: - Checksum

/// CRC-32 as zip uses it (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF).
public enum ZipChecksum {
    private static let table: [UInt32] = (0 ..< 256).map { n in
        var c = UInt32(n)
        for _ in 0 ..< 8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            table.withUnsafeBufferPointer { table in
                var crc: UInt32 = 0xFFFF_FFFF
                for byte in buffer { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
                return crc ^ 0xFFFF_FFFF
            }
        }
    }
}
