import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Atomic output files

/// Writes output files so that a reader never sees a half-written file: the bytes go to a
/// temporary file in the same folder (".<name>.tmp-<pid>-<random>"), which is then renamed
/// over the destination (`rename(2)` is atomic within one file system). On any failure the
/// temporary file is removed and a `HeatmapError.fileWrite` names the path and the failing
/// step. The data is not fsync'ed: the guarantee is atomic replacement, not durability
/// across a power cut.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try bytes.withUnsafeBytes { try write(buffer: $0, to: url.path) }
    }

    public static func write(_ data: Data, to url: URL) throws {
        try data.withUnsafeBytes { try write(buffer: $0, to: url.path) }
    }

    /// `text` as UTF-8.
    public static func write(_ text: String, to url: URL) throws {
        try write(Array(text.utf8), to: url)
    }

    private static func write(buffer: UnsafeRawBufferPointer, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let temporary = (folder.isEmpty ? "" : folder + "/") + ".\(name).tmp-\(getpid())-\(suffix)"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "create", errno) }
        var offset = 0
        while offset < buffer.count {
            let written = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw failure(path, "write", code)
            }
            offset += written
        }
        if close(fd) != 0 {
            let code = errno
            unlink(temporary)
            throw failure(path, "close", code)
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw failure(path, "rename", code)
        }
    }

    private static func failure(_ path: String, _ step: String, _ code: Int32) -> HeatmapError {
        .fileWrite(path: path, step: step, reason: String(cString: strerror(code)))
    }
}
