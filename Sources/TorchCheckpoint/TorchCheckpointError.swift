// Why a .pth file could not be read: one line that says what, where and what to do.

import UntrustedInput
import ZipArchive

/// A checkpoint that could not be read. Thrown for every outside-world problem, never a trap.
///
/// `description` is the single line the CLI prints, e.g.
/// `weights.pth, byte offset 139: refusing to load global 'posix.system': ...`. Only the
/// checkpoint readers make one (`CheckpointProblem.inFile`).
public struct TorchCheckpointError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Neither a torch.save zip archive nor a legacy torch.save pickle stream.
        case notACheckpoint
        /// The file ends before the data it announces.
        case truncated
        /// The pickle asks for code fidviz will not run (a global or opcode outside the state-dict set).
        case forbidden
        /// Sizes, offsets or structure contradict each other (a damaged or hostile file).
        case corrupt
        /// A well-formed feature fidviz does not read (a dtype, a big-endian file, old storage views).
        case unsupported
        /// The file could not be read at all.
        case unreadable
    }

    public let kind: Kind
    /// The file as the caller named it (its path for `load(contentsOf:)`).
    public let file: String
    /// The zip member the problem is in, for zip checkpoints.
    public let entry: String?
    /// The state-dict key the problem concerns, when there is one.
    public let key: String?
    /// Byte offset of the problem in the file (legacy) or in `entry` (zip).
    public let byteOffset: Int?
    /// What is wrong and what to do about it.
    public let problem: String

    /// `<file>[ (<entry>)][, key '<key>'][, byte offset <n>]: <problem>`
    public var description: String {
        var place = file
        if let entry { place += " (\(UntrustedText.printable(entry)))" }
        if let key { place += ", key '\(UntrustedText.printable(key))'" }
        if let byteOffset { place += ", byte offset \(byteOffset)" }
        return "\(place): \(problem)"
    }
}

// MARK: - Before the file name is known

/// A `TorchCheckpointError` without its file name; the readers throw this and
/// `TorchCheckpoint.load` names the file.
struct CheckpointProblem: Error {
    var kind: TorchCheckpointError.Kind
    var entry: String? = nil
    var key: String? = nil
    var byteOffset: Int? = nil
    var problem: String

    init(_ kind: TorchCheckpointError.Kind, entry: String? = nil, key: String? = nil,
         byteOffset: Int? = nil, _ problem: String) {
        self.kind = kind
        self.entry = entry
        self.key = key
        self.byteOffset = byteOffset
        self.problem = problem
    }

    /// A pickle failure at `failure.offset` bytes from the start of the file or of `entry`.
    init(_ failure: PickleFailure, entry: String? = nil) {
        let kind: TorchCheckpointError.Kind
        switch failure.kind {
        case .truncated: kind = .truncated
        case .forbidden: kind = .forbidden
        case .malformed: kind = .corrupt
        case .unsupported: kind = .unsupported
        }
        self.init(kind, entry: entry, byteOffset: failure.offset, failure.message)
    }

    /// A zip reader failure, worded for a checkpoint; `fileSize` locates a missing end record.
    /// Offsets are given only for problems outside an entry (inside one they count from its start).
    init(_ failure: ZipError, fileSize: Int, key: String? = nil) {
        let entry = failure.member
        switch failure.problem {
        case .noEndRecord(startsLikeAnArchive: true):
            self.init(.truncated, byteOffset: fileSize, "the zip archive has no end-of-central-directory "
                + "record; the file is truncated, download it again")
        case .noEndRecord(startsLikeAnArchive: false):
            self.init(.notACheckpoint, "not a PyTorch checkpoint: the file starts with a zip signature but is "
                + "no zip archive (its first entry is garbled and it has no central directory)")
        case .encrypted, .unsupportedMethod:
            self.init(.unsupported, entry: entry, "the entry is compressed or encrypted, but torch.save stores "
                + "entries uncompressed; re-save the state dict with torch.save")
        case .checksumMismatch:
            self.init(.corrupt, entry: entry, key: key, "the entry fails its CRC-32 check; the file is corrupt, "
                + "download it again")
        default:
            let truncated = failure.kind == .truncated
            self.init(truncated ? .truncated : .corrupt, entry: entry, key: key,
                      byteOffset: entry == nil ? failure.byteOffset : nil,
                      failure.reason + (truncated ? "; the file is truncated or hostile" : "; the file is corrupt or hostile"))
        }
    }

    func inFile(_ file: String) -> TorchCheckpointError {
        TorchCheckpointError(kind: kind, file: file, entry: entry, key: key, byteOffset: byteOffset, problem: problem)
    }
}
