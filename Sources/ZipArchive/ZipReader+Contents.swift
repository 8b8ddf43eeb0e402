// A member's uncompressed bytes: stored ones in place, deflated ones inflated; both CRC-checked.

extension ZipReader {
    /// A stored member's bytes, viewed in place within `bytes` (nothing is copied), after
    /// checking them against the member's CRC-32. `bytes` must be those the reader was opened on.
    public func storedContents(of member: ZipMember, in bytes: UnsafeRawBufferPointer) throws
        -> UnsafeRawBufferPointer {
        precondition(member.method == .stored, "storedContents(of:) on the deflated member '\(member.name)'")
        precondition(bytes.count == archiveSize, "the reader was opened on \(archiveSize) bytes, not \(bytes.count)")
        let contents = UnsafeRawBufferPointer(rebasing: bytes[member.data])
        try checkCRC(contents, of: member)
        return contents
    }

    /// Calls `body` with the member's uncompressed, CRC-checked bytes: a stored member's in
    /// place, a deflated member's inflated into a buffer of its declared size, which lives
    /// only during `body`.
    ///
    /// Throws `ZipError` `.tooLarge` before allocating when a deflated member declares more than
    /// `inflatedSizeLimit` bytes (the caller's guard against archives whose small members claim
    /// to inflate to more memory than there is; stored members are viewed in place and need
    /// none), and stops inflating as soon as the stream would produce more than the declared size.
    public func withContents<R>(of member: ZipMember, in bytes: UnsafeRawBufferPointer, inflatedSizeLimit: Int,
                                _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        switch member.method {
        case .stored:
            return try body(storedContents(of: member, in: bytes))
        case .deflated:
            precondition(bytes.count == archiveSize, "the reader was opened on \(archiveSize) bytes, not \(bytes.count)")
            func failure(_ problem: ZipError.Problem) -> ZipError {
                ZipError(problem, member: member.name, byteOffset: member.directoryOffset)
            }
            let declared = member.uncompressedSize
            guard declared <= inflatedSizeLimit else {
                throw failure(.tooLarge(size: declared, limit: inflatedSizeLimit))
            }
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: declared, alignment: 16)
            defer { output.deallocate() }
            switch inflate(UnsafeRawBufferPointer(rebasing: bytes[member.data]), into: output) {
            case .complete: break
            case .overrun: throw failure(.inflatesBeyondSize(declared: declared))
            case .short(let produced): throw failure(.inflatesShort(produced: produced, declared: declared))
            case .truncated: throw failure(.deflateTruncated)
            case .corrupt(let message): throw failure(.deflateCorrupt(zlibMessage: message))
            }
            let contents = UnsafeRawBufferPointer(output)
            try checkCRC(contents, of: member)
            return try body(contents)
        }
    }

    private func checkCRC(_ contents: UnsafeRawBufferPointer, of member: ZipMember) throws {
        let actual = CRC32.checksum(contents)
        guard actual == member.crc32 else {
            throw ZipError(.checksumMismatch(expected: member.crc32, actual: actual), member: member.name,
                           byteOffset: member.directoryOffset)
        }
    }
}
