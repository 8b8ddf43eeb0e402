// Why a zip archive could not be read: what is wrong, in which member, at which byte.

import UntrustedInput

/// An archive that `ZipReader` refuses. Every outside-world problem throws this, never a trap.
///
/// `problem` says what is wrong, with the numbers involved, so that a caller can word it for its
/// own users (a checkpoint, an .npz); `reason` is a neutral wording of it. `description` is
/// `[member '<name>'][ at byte <n>]: <reason>`.
public struct ZipError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The bytes are not a zip archive at all.
        case notAZip
        /// The bytes end before the data the archive announces.
        case truncated
        /// Sizes, offsets, checksums or structure contradict each other (damaged or hostile).
        case corrupt
        /// A well-formed feature this reader does not read (encryption, a compression method).
        case unsupported
        /// A member is larger than the caller's limit.
        case tooLarge
    }

    public enum Problem: Equatable, Sendable {
        // MARK: The archive as a whole (`byteOffset`: the record at fault)

        /// No end-of-central-directory record ends the bytes. `startsLikeAnArchive`: they begin
        /// with a local header whose name fits and is printable ASCII, so they look cut short.
        case noEndRecord(startsLikeAnArchive: Bool)
        /// A zip64 locator points at no zip64 end record before it.
        case zip64EndRecordMissing
        /// The end record places the central directory outside the bytes before it.
        case directoryOutsideFile(size: UInt64, offset: UInt64, fileSize: Int)
        /// Central record number `record` (from 1) of the `declared` ones is not there.
        case recordMissing(record: Int, declared: UInt64)
        /// A central record's name is not UTF-8.
        case nameNotUTF8(record: Int)
        /// The directory goes on after the last record the end record declares.
        case extraRecords(declared: UInt64)

        // MARK: One member (`member`: its name; `byteOffset`: its central record)

        case extraFieldDamaged
        case encrypted
        case unsupportedMethod(UInt16)
        case storedSizesDisagree(compressed: UInt64, uncompressed: UInt64)
        /// More uncompressed bytes than deflate can produce from the compressed ones (1032:1).
        case impossibleSize(compressed: UInt64, uncompressed: UInt64)
        case localHeaderMissing(offset: UInt64)
        case localNameDiffers(localName: String, offset: Int)
        case dataPastEnd(size: UInt64, start: Int, fileSize: Int)
        case duplicateName
        /// Its bytes overlap those of the member `other`, or the central directory when nil.
        case overlaps(other: String?)

        // MARK: Reading one member's contents

        case checksumMismatch(expected: UInt32, actual: UInt32)
        /// A deflated member declares more uncompressed bytes than the caller's limit.
        case tooLarge(size: Int, limit: Int)
        /// Inflating produced more than the declared size (and stopped there).
        case inflatesBeyondSize(declared: Int)
        case inflatesShort(produced: Int, declared: Int)
        /// The deflate stream runs out before its final block ends.
        case deflateTruncated
        case deflateCorrupt(zlibMessage: String)
    }

    public let problem: Problem
    /// The member's name, for problems of one member.
    public let member: String?
    /// Where in the archive the record at fault starts (for a member, its central record).
    public let byteOffset: Int?

    public init(_ problem: Problem, member: String? = nil, byteOffset: Int? = nil) {
        self.problem = problem
        self.member = member
        self.byteOffset = byteOffset
    }

    public var kind: Kind {
        switch problem {
        case .noEndRecord(let startsLikeAnArchive): return startsLikeAnArchive ? .truncated : .notAZip
        case .dataPastEnd, .deflateTruncated: return .truncated
        case .encrypted, .unsupportedMethod: return .unsupported
        case .tooLarge: return .tooLarge
        default: return .corrupt
        }
    }

    /// What is wrong, without the location and without advice.
    public var reason: String {
        switch problem {
        case .noEndRecord(let startsLikeAnArchive):
            return startsLikeAnArchive
                ? "the zip archive has no end-of-central-directory record; it is cut short"
                : "not a zip archive (no end-of-central-directory record)"
        case .zip64EndRecordMissing:
            return "the zip64 end record is missing or outside the file"
        case let .directoryOutsideFile(size, offset, fileSize):
            return "the zip central directory (\(size) bytes at byte offset \(offset)) lies outside the "
                + "\(fileSize)-byte file"
        case let .recordMissing(record, declared):
            return "central directory record \(record) of \(declared) is missing or damaged"
        case let .nameNotUTF8(record):
            return "the name in central directory record \(record) is not UTF-8"
        case let .extraRecords(declared):
            return "the central directory goes on past the \(declared) records its end record declares"
        case .extraFieldDamaged:
            return "the member's extra fields are damaged"
        case .encrypted:
            return "the member is encrypted"
        case let .unsupportedMethod(method):
            return "the member uses compression method \(method); only stored (0) and deflated (8) "
                + "members are read"
        case let .storedSizesDisagree(compressed, uncompressed):
            return "the member is stored, but its sizes disagree (\(compressed) bytes stored, "
                + "\(uncompressed) declared)"
        case let .impossibleSize(compressed, uncompressed):
            return "the member declares \(uncompressed) bytes, more than deflate can produce from its "
                + "\(compressed) compressed bytes"
        case let .localHeaderMissing(offset):
            return "the member's local header is not at byte offset \(offset), where the central "
                + "directory places it"
        case let .localNameDiffers(localName, offset):
            return "the member's local header (at byte offset \(offset)) names it '\(UntrustedText.printable(localName))'"
        case let .dataPastEnd(size, start, fileSize):
            return "the member's \(size) bytes at byte \(start) run past the end of the file "
                + "(\(fileSize) bytes)"
        case .duplicateName:
            return "the archive holds this member twice"
        case let .overlaps(other):
            return "the member's bytes overlap " + (other.map { "those of '\(UntrustedText.printable($0))'" } ?? "the central directory")
        case let .checksumMismatch(expected, actual):
            return "CRC-32 mismatch (the directory says 0x\(String(expected, radix: 16)), the data "
                + "gives 0x\(String(actual, radix: 16)))"
        case let .tooLarge(size, limit):
            return "the member would inflate to \(size) bytes, more than the limit of \(limit) bytes"
        case let .inflatesBeyondSize(declared):
            return "the member inflates beyond its declared \(declared) bytes"
        case let .inflatesShort(produced, declared):
            return "the member inflates to \(produced) bytes, not the declared \(declared)"
        case .deflateTruncated:
            return "the member's deflate stream is cut short (it does not end)"
        case let .deflateCorrupt(message):
            return "corrupt deflate data (zlib: \(message))"
        }
    }

    public var description: String {
        var location = ""
        if let member { location += "member '\(UntrustedText.printable(member))'" }
        if let byteOffset { location += (location.isEmpty ? "" : " ") + "at byte \(byteOffset)" }
        return location.isEmpty ? reason : "\(location): \(reason)"
    }
}
