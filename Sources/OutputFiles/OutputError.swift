import Foundation

/// Why an output could not be written, as one line naming the path: a folder that is missing,
/// not writable or not fidviz's, or a system call that failed (a full disk, a read-only file
/// system).
public struct OutputError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// Writing `path` failed at `step` (create, write, sync, rename) with errno `code`.
    static func write(path: String, step: String, code: Int32) -> OutputError {
        OutputError("Could not write '\(path)' (\(step) failed: \(String(cString: strerror(code)))). "
            + "Check that the folder exists, is writable and has free space.")
    }
}
