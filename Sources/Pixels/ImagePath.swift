import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - A file named by its exact bytes

/// Where an image file is, as the exact bytes of its path. A file name on Linux is any bytes
/// but '/' and NUL, so it need not be UTF-8; `String` and `URL` cannot hold such a name (they
/// replace the bytes with U+FFFD and then name another, missing file), so the pipeline carries
/// paths as bytes and opens files by them.
///
/// `description` is the name people see (messages, reports, features files): valid UTF-8 as it
/// is, and each byte that is not part of valid UTF-8, each C0 control character (newline, tab,
/// escape) and DEL written as `\xNN`. So `bad\xffname.png` names the file whose name holds the
/// byte 0xFF, and a name with a newline still gives a one-line message. A valid UTF-8 name that
/// literally contains the text `\xff` displays the same as one holding the byte.
public struct ImagePath: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The path's bytes (no NUL).
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(!bytes.contains(0), "ImagePath: a path cannot contain NUL")
        self.bytes = bytes
    }

    /// The path of a string (its UTF-8).
    public init(_ path: String) { self.init(bytes: Array(path.utf8)) }

    /// The path of a file URL.
    public init(_ url: URL) { self.init(url.path) }

    /// `self/component`.
    public func appending(_ component: [UInt8]) -> ImagePath {
        ImagePath(bytes: bytes.last == UInt8(ascii: "/") || bytes.isEmpty ? bytes + component
                                                                         : bytes + [UInt8(ascii: "/")] + component)
    }

    /// The last component's extension, lower-cased ("" when there is none or it is not UTF-8).
    public var lowercasedExtension: String {
        let name = bytes.split(separator: UInt8(ascii: "/")).last ?? []
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else { return "" }
        return validUTF8(name[(dot + 1)...])?.lowercased() ?? ""
    }

    /// Byte order (the order `LC_ALL=C ls` lists names in), which is deterministic for any bytes.
    public static func < (a: ImagePath, b: ImagePath) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    public var description: String { Self.displayName(bytes) }

    /// `bytes` as people see them: valid UTF-8 scalars as they are, anything else and control
    /// characters as `\xNN` (see `ImagePath`).
    public static func displayName<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = ""
        decodeUTF8(bytes, scalar: { scalar in
            if scalar.value >= 0x20 && scalar.value != 0x7F {
                out.unicodeScalars.append(scalar)
            } else {
                out += Self.hexEscape(UInt8(scalar.value))
            }
        }, invalidByte: { out += Self.hexEscape($0) })
        return out
    }

    /// The name exactly, when its bytes are valid UTF-8 (control characters and all).
    public var exactText: String? { validUTF8(bytes) }

    /// Walks `bytes` as UTF-8: each well-formed scalar goes to `scalar`, each byte that is not part
    /// of one (a name need not be UTF-8) to `invalidByte`. Such a byte is always 0x80 or above.
    public static func decodeUTF8<Bytes: Collection>(_ bytes: Bytes, scalar: (Unicode.Scalar) -> Void,
                                                     invalidByte: (UInt8) -> Void) where Bytes.Element == UInt8 {
        var rest = Array(bytes)[...]
        while let first = rest.first {
            let length = first < 0x80 ? 1 : first >= 0xC2 && first <= 0xDF ? 2 : first >= 0xE0 && first <= 0xEF ? 3
                : first >= 0xF0 && first <= 0xF4 ? 4 : 0
            if length > 0, rest.count >= length, let decoded = validUTF8(rest.prefix(length))?.unicodeScalars.first {
                scalar(decoded)
                rest = rest.dropFirst(length)
            } else {
                invalidByte(first)
                rest = rest.dropFirst()
            }
        }
    }

    private static func hexEscape(_ byte: UInt8) -> String {
        "\\x" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
    }

    // MARK: - Reading

    /// The path as a `URL`, when `URL` can hold it (its bytes are valid UTF-8).
    public var url: URL? {
        validUTF8(bytes).map { URL(fileURLWithPath: $0) }
    }

    /// Whether the file exists and this process may read it.
    public var isReadable: Bool { access(cString, R_OK) == 0 }

    /// The bytes, NUL-terminated, for C calls.
    var cString: [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    /// Runs `body` with a file URL that reads this file: the path itself when it is UTF-8, else
    /// the descriptor of the file opened by its exact bytes (`/dev/fd/N`, open while `body`
    /// runs). `ImageDecodingError`s that `body` throws name `description`.
    public func withReadableURL<T>(_ body: (URL) throws -> T) throws -> T {
        if let url { return try body(url) }
        let fd = open(cString, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImageDecodingError(file: description,
                                     reason: "cannot read the file (\(String(cString: strerror(errno)))); check the path")
        }
        defer { close(fd) }
        do {
            return try body(URL(fileURLWithPath: "/dev/fd/\(fd)"))
        } catch let error as ImageDecodingError {
            throw ImageDecodingError(file: description, reason: error.reason)
        }
    }
}

extension ImageDecoder {
    /// Decodes the image at `path` (see `decode(contentsOf:)`); errors name `path.description`.
    public static func decode(_ path: ImagePath, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        try path.withReadableURL { try decode(contentsOf: $0, maxPixels: maxPixels) }
    }

    /// Checks the header of the image at `path` (see `checkHeader(contentsOf:)`).
    @discardableResult
    public static func checkHeader(_ path: ImagePath, maxPixels: Int = defaultMaxPixels) throws
        -> (width: Int, height: Int) {
        try path.withReadableURL { try checkHeader(contentsOf: $0, maxPixels: maxPixels) }
    }
}

/// `bytes` as a string if they are valid UTF-8, else nil.
private func validUTF8<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
    let text = String(decoding: bytes, as: UTF8.self)
    return text.utf8.elementsEqual(bytes) ? text : nil
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
