// Zip's fields are little-endian and unaligned: loads for the reader, appends for the writer.
// Loads trap on an offset outside the bytes; the reader checks every offset before it loads.

extension UnsafeRawBufferPointer {
    func le16(_ offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    func le32(_ offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    func le64(_ offset: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}

extension Array where Element == UInt8 {
    mutating func le16(_ value: some FixedWidthInteger) { appendLittleEndian(UInt16(value)) }
    mutating func le32(_ value: some FixedWidthInteger) { appendLittleEndian(UInt32(value)) }
    mutating func le64(_ value: some FixedWidthInteger) { appendLittleEndian(UInt64(value)) }

    private mutating func appendLittleEndian(_ value: some FixedWidthInteger) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// The signatures that start zip's records.
enum Signature {
    static let localHeader: UInt32 = 0x0403_4b50
    static let centralHeader: UInt32 = 0x0201_4b50
    static let endRecord: UInt32 = 0x0605_4b50
    static let zip64EndRecord: UInt32 = 0x0606_4b50
    static let zip64Locator: UInt32 = 0x0706_4b50
}
