// MARK: - ImageDecodingError

/// A picture that could not be read. `description` is one line: the file, then what is wrong.
/// Every format's decoder throws it.
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

// MARK: - The pixel limit

extension ImageDecodingError {
    /// Throws unless width*height <= `maxPixels`: the one decompression-bomb check, run on every
    /// format's header and again on the size its library reads, before any pixel memory exists.
    /// Sides are below 2^31 in every format read, so the product cannot overflow.
    static func checkPixelCount(width: Int, height: Int, maxPixels: Int, file: String) throws {
        precondition(maxPixels > 0, "maxPixels must be positive, got \(maxPixels)")
        if width * height > maxPixels {
            throw ImageDecodingError(
                file: file,
                reason: "\(width)x\(height) pixels exceeds the limit of \(maxPixels) pixels "
                    + "(a decompression-bomb guard, as in PIL; FIDVIZ_MAX_IMAGE_PIXELS raises it)")
        }
    }

    /// A C shim's NUL-terminated `message` field (a fixed-size char tuple) as the reason.
    init<Message>(file: String, cMessage: Message) {
        let reason = withUnsafeBytes(of: cMessage) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        self.init(file: file, reason: reason)
    }
}
