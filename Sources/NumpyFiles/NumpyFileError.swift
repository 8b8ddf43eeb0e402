import Foundation
import UntrustedInput
import ZipArchive

/// A .npy or .npz file that could not be read or written.
///
/// `description` is one line: the file, the .npz member when there is one, the byte offset when
/// one helps (counted from the start of the .npy bytes for a member, of the file otherwise),
/// then what is wrong and, where it helps, what to do.
public struct NumpyFileError: Error, Equatable, CustomStringConvertible {
    /// The file as the caller named it.
    public let file: String
    /// The .npz member (e.g. `mu.npy`), or nil for a whole file.
    public let member: String?
    /// Where in the file (or member) the problem was found, when that is meaningful.
    public let offset: Int?
    /// What is wrong, without the location.
    public let reason: String

    public init(file: String, member: String? = nil, offset: Int? = nil, reason: String) {
        self.file = file
        self.member = member
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        var location = file
        if let member { location += " member '\(UntrustedText.printable(member))'" }
        if let offset { location += " at byte \(offset)" }
        return "\(location): \(reason)"
    }
}

// MARK: - Helpers shared by the readers and writers

/// Where an error is being reported: a file and optionally one of its .npz members.
struct NumpyLocation {
    let file: String
    let member: String?

    func error(_ reason: String, at offset: Int? = nil) -> NumpyFileError {
        NumpyFileError(file: file, member: member, offset: offset, reason: reason)
    }
}

/// The zip reader's failure as an .npz error. Byte offsets are given only outside members
/// (inside one they count from the start of its .npy bytes).
extension NumpyFileError {
    init(_ failure: ZipError, file: String) {
        let reason: String
        switch (failure.problem, failure.kind) {
        case (.noEndRecord, _):
            reason = "not a zip archive (no end-of-central-directory record); the file is truncated "
                + "or is not an .npz"
        case (.checksumMismatch, _): reason = failure.reason + ": the member is corrupt"
        case (.duplicateName, _): reason = failure.reason
        case (_, .tooLarge): reason = failure.reason + " (FIDVIZ_MAX_NPZ_MEMBER_BYTES)"
        case (_, .unsupported): reason = failure.reason + " (numpy writes stored or deflated members)"
        case (_, .truncated): reason = "truncated zip: " + failure.reason
        case (_, .corrupt), (_, .notAZip): reason = "corrupt zip: " + failure.reason
        }
        self.init(file: file, member: failure.member, offset: failure.member == nil ? failure.byteOffset : nil,
                  reason: reason)
    }
}

/// A short, human description of a Foundation file error ("no such file", "permission denied").
func fileSystemReason(_ error: Error) -> String {
    switch (error as? CocoaError)?.code {
    case .fileReadNoSuchFile?, .fileNoSuchFile?: return "no such file"
    case .fileReadNoPermission?, .fileWriteNoPermission?: return "permission denied"
    case .fileWriteOutOfSpace?: return "no space left on the device"
    default: return (error as NSError).localizedDescription
    }
}
