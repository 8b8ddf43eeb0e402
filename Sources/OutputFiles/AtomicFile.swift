import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - The one way fidviz writes a file

/// Writes output files so that a reader never sees a half-written file and a crash or full disk
/// never replaces a good file with a bad one: the bytes go to a temporary file in the same
/// folder (".<name>.tmp-<pid>-<random>"), which is flushed to disk (`fsync`), renamed over the
/// destination (`rename(2)` is atomic within one file system) and then the folder itself is
/// flushed, so that the rename survives a power cut. Every output goes through here: statistics
/// and feature files, report files, the weights download.
///
/// The temporary file is removed on any failure, and on Ctrl-C or SIGTERM (`Interrupts`); the
/// destination is then exactly as it was. Errors are `OutputError.write`, naming the path, the
/// step that failed and the system's reason ("No space left on device").
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try write(to: url) { file in try bytes.withUnsafeBytes { try file.write($0) } }
    }

    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { file in try data.withUnsafeBytes { try file.write($0) } }
    }

    /// `text` as UTF-8.
    public static func write(_ text: String, to url: URL) throws {
        try write(Array(text.utf8), to: url)
    }

    /// Streams a file: `produce` appends to the writer as it goes. Nothing is visible at `url`
    /// until `produce` returns and the file is complete. Errors name `name` (default: the path).
    public static func write(to url: URL, named name: String? = nil, _ produce: (Writer) throws -> Void) throws {
        let writer = try Writer(destination: url, named: name)
        do {
            try produce(writer)
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
    }

    // MARK: - Streaming writer

    /// A file being written: `write` appends, `commit` makes it appear at the destination,
    /// `abandon` (or deinit without `commit`) removes it.
    public final class Writer {
        public let destination: URL
        /// How errors name the file: its path, or what the caller chose (a report names the file
        /// as it will be once the report is in place, not its staging copy).
        public let name: String
        let temporary: String
        private var descriptor: Int32
        private var finished = false

        /// Creates the temporary file beside `destination`; errors name `name` (default: the path).
        public init(destination: URL, named name: String? = nil) throws {
            self.destination = destination
            let path = destination.path
            self.name = name ?? path
            let folder = (path as NSString).deletingLastPathComponent
            let name = (path as NSString).lastPathComponent
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            temporary = (folder.isEmpty ? "" : folder + "/") + ".\(name).tmp-\(getpid())-\(suffix)"
            let temporaryURL = URL(fileURLWithPath: temporary)
            descriptor = -1
            try Interrupts.critical {
                let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw OutputError.write(path: self.name, step: "create", code: errno) }
                descriptor = fd
                Interrupts.removeOnInterrupt(temporaryURL)
            }
        }

        deinit { abandon() }

        /// Appends `bytes`, retrying after signals and short writes.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            precondition(!finished, "AtomicFile.Writer: write after commit or abandon")
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw OutputError.write(path: name, step: "write", code: errno)
                }
                offset += written
            }
        }

        /// `write` for `Data`.
        public func write(_ data: Data) throws {
            try data.withUnsafeBytes { try write($0) }
        }

        /// Flushes the file, renames it over the destination and flushes the folder.
        public func commit() throws {
            precondition(!finished, "AtomicFile.Writer: commit after commit or abandon")
            let path = destination.path
            if fsync(descriptor) != 0 { throw OutputError.write(path: name, step: "sync", code: errno) }
            let closed = close(descriptor)
            descriptor = -1
            if closed != 0 { throw OutputError.write(path: name, step: "close", code: errno) }
            try Interrupts.critical {
                if rename(temporary, path) != 0 { throw OutputError.write(path: name, step: "rename", code: errno) }
                finished = true
                Interrupts.forget(URL(fileURLWithPath: temporary))
            }
            try Self.syncFolder(of: path, named: name)
        }

        /// Removes the temporary file; the destination keeps what it had.
        public func abandon() {
            guard !finished else { return }
            finished = true
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
            Interrupts.critical {
                unlink(temporary)
                Interrupts.forget(URL(fileURLWithPath: temporary))
            }
        }

        /// fsync of the folder holding `path`, so that a rename into it is durable. File systems
        /// that cannot sync a folder (EINVAL) are left as they are.
        static func syncFolder(of path: String, named name: String) throws {
            let folder = (path as NSString).deletingLastPathComponent
            let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { return }
            defer { close(fd) }
            if fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
                throw OutputError.write(path: name, step: "sync the folder", code: errno)
            }
        }
    }
}
