// MARK: - ImageDecodingError

/// A picture that could not be read. `description` is one line: the file, then what is wrong.
public struct ImageDecodingError: Error, Equatable, CustomStringConvertible {
    /// The file as the caller named it (a path or a display name).
    public let file: String
    /// What is wrong, without the file name.
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
