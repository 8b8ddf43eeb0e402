import Foundation

// MARK: - An array's bytes, in place

/// A member's header and its raw little-endian element bytes, not decoded: for arrays too
/// large to decode at once, such as an ADM reference batch's `arr_0` (10,000 x 256 x 256 x 3
/// uint8, 2 GB), which a caller reads one slice at a time.
public struct NpyRawArray {
    /// The numpy type string, e.g. "|u1".
    public let descr: String
    public let shape: [Int]
    /// True when the elements are in Fortran (column-major) order.
    public let fortranOrder: Bool
    /// Bytes per element.
    public let itemSize: Int
    /// Every element's bytes (`shape`'s product times `itemSize`), valid only inside the
    /// closure that received the array.
    public let bytes: UnsafeRawBufferPointer
    /// False for a stored member (the bytes are the mapped file itself), true for a deflated one
    /// (the bytes were inflated into memory).
    public let wasCompressed: Bool
}

extension NpzArchive {
    /// True when the member `<key>.npy` is deflated (`np.savez_compressed`), false when stored
    /// (`np.savez`), nil when there is no such member.
    public func isCompressed(_ key: String) -> Bool? {
        members[key].map { $0.method != .stored }
    }

    /// Calls `body` with the member `<key>.npy` undecoded (nil when there is no such member).
    ///
    /// A stored member is passed in place: its bytes are the memory-mapped file, so only the
    /// pages `body` touches are read from disk and memory does not grow with the member. A
    /// deflated member cannot be read in slices; it is inflated whole into memory first (its
    /// uncompressed size). Either way the CRC-32 of the whole member is checked before `body`
    /// runs (one sequential read), and the header is parsed and its sizes checked against the
    /// bytes present.
    public func withRawArray<R>(_ key: String, _ body: (NpyRawArray) throws -> R) throws -> R? {
        try withContents(of: key) { contents, member in
            let layout = try Npy.layout(contents, at: NumpyLocation(file: name, member: member.name))
            return try body(NpyRawArray(
                descr: layout.header.descr, shape: layout.header.shape, fortranOrder: layout.header.fortranOrder,
                itemSize: layout.elementType.itemSize, bytes: layout.body, wasCompressed: member.method != .stored))
        }
    }
}
