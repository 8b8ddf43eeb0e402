// MARK: - Errors from the outside world

/// Failures that come from outside the program (the file system, the Cairo library, a PNG
/// handed in by a caller). Each `description` says what failed, where, and what to do.
/// Programmer errors (wrong shapes) are preconditions instead.
public enum HeatmapError: Error, CustomStringConvertible, Equatable {
    /// Cairo refused an operation; `operation` names it with its sizes, `status` is
    /// `cairo_status_to_string` of the failure.
    case cairo(operation: String, status: String)
    /// Writing an output file failed at `step` (create, write, sync, rename); `reason` is the
    /// system's message for errno.
    case fileWrite(path: String, step: String, reason: String)

    public var description: String {
        switch self {
        case let .cairo(operation, status):
            return "Cairo failed to \(operation): \(status). "
                + "Check that the image is not empty or larger than 32767 pixels on a side "
                + "and that the machine has memory left."
        case let .fileWrite(path, step, reason):
            return "Could not write '\(path)' (\(step) failed: \(reason)). "
                + "Check that the folder exists, is writable and has free space."
        }
    }
}
