import OutputFiles
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The output folder of a report, written all-or-nothing.
///
/// Everything is written into a hidden staging folder beside the destination; only when the
/// report is complete does it replace the destination (two renames). An interrupted run
/// (error or Ctrl-C, see `Interrupts`) removes the staging folder and leaves any previous
/// report untouched. Files are written through `write`, so none is half-written when Ctrl-C
/// comes.
/// A destination that exists, is not empty and was not made by fidviz is refused unless `force`.
public final class ReportFolder {
    public static let marker = ".fidviz-report"

    public let destination: URL
    public let staging: URL

    /// Refuses, before any work starts, an output that cannot become a report folder (see
    /// `OutputPath.checkFolder`).
    public static func check(path: String, force: Bool) throws {
        try OutputPath.checkFolder(path, flag: "-o", marker: marker, force: force)
    }

    /// Checks the destination (`check`) and creates the staging folder beside it.
    public init(path: String, force: Bool) throws {
        destination = try OutputPath.checkFolder(path, flag: "-o", marker: Self.marker, force: force)
        let fm = FileManager.default
        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        self.staging = staging
        try Interrupts.critical {
            try? fm.removeItem(at: staging)
            Interrupts.removeOnInterrupt(staging)
            do {
                try fm.createDirectory(at: staging, withIntermediateDirectories: false)
                try AtomicFile.write("written by fidviz\n", to: staging.appendingPathComponent(Self.marker))
            } catch {
                try? fm.removeItem(at: staging)
                Interrupts.forget(staging)
                throw OutputError("-o \(path): cannot create files in \(parent.path) (\(error.localizedDescription))")
            }
        }
    }

    /// A file inside the staging folder.
    public func url(_ relativePath: String) -> URL { staging.appendingPathComponent(relativePath) }

    /// Writes `bytes` to `relativePath` inside the staging folder (atomically, creating its
    /// folder if needed), never while an interrupt is cleaning up.
    public func write(_ bytes: [UInt8], to relativePath: String) throws {
        try write(to: relativePath) { file in try bytes.withUnsafeBytes { try file.write($0) } }
    }

    /// Streams `relativePath` inside the staging folder through `AtomicFile`. Errors name the
    /// file as it will be once the report is in place (`destination/relativePath`).
    public func write(to relativePath: String, _ produce: (AtomicFile.Writer) throws -> Void) throws {
        try Interrupts.critical {
            let url = self.url(relativePath)
            let name = destination.appendingPathComponent(relativePath).path
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
            } catch {
                throw OutputError("Could not write '\(name)' (cannot create its folder: \(error.localizedDescription))")
            }
            try AtomicFile.write(to: url, named: name, produce)
        }
    }

    /// `write` for `Data`.
    public func write(_ data: Data, to relativePath: String) throws {
        try write([UInt8](data), to: relativePath)
    }

    /// `write` for text, as UTF-8.
    public func write(_ text: String, to relativePath: String) throws {
        try write(Array(text.utf8), to: relativePath)
    }

    /// Moves the finished report into place, replacing the previous one; an interrupt waits
    /// until the swap is done. The swap (previous report aside, this one in, previous removed)
    /// holds an exclusive lock on the parent folder (`flock`), so two fidviz runs finishing at
    /// once swap one after the other: the last one's report stays, whole, and neither fails.
    public func commit() throws {
        try Interrupts.critical {
            let parent = open(destination.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if parent >= 0 {
                while flock(parent, LOCK_EX) != 0 && errno == EINTR {}
            }
            defer { if parent >= 0 { close(parent) } }  // closing releases the lock
            let fm = FileManager.default
            let old = destination.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
            let hadPrevious = fm.fileExists(atPath: destination.path)
            if hadPrevious {
                do {
                    try fm.moveItem(at: destination, to: old)
                } catch {
                    throw OutputError("\(destination.path): cannot move the previous report aside (\(error.localizedDescription))")
                }
            }
            do {
                try fm.moveItem(at: staging, to: destination)
            } catch {
                if hadPrevious { try? fm.moveItem(at: old, to: destination) }
                throw OutputError("\(destination.path): cannot move the finished report into place (\(error.localizedDescription))")
            }
            Interrupts.forget(staging)
            if hadPrevious { try? fm.removeItem(at: old) }
        }
    }

    /// A whole report at `path`: `body` fills a new staging folder, which then replaces the
    /// destination (`commit`). If `body` or the commit throws, the staging folder is removed
    /// (`discard`) and the error rethrown, so nothing half-written is ever in place.
    public static func writing<T>(path: String, force: Bool, _ body: (ReportFolder) throws -> T) throws
        -> (destination: URL, result: T)
    {
        let folder = try ReportFolder(path: path, force: force)
        do {
            let result = try body(folder)
            try folder.commit()
            return (folder.destination, result)
        } catch {
            folder.discard()
            throw error
        }
    }

    /// Removes the staging folder (after an error).
    public func discard() {
        Interrupts.critical {
            try? FileManager.default.removeItem(at: staging)
            Interrupts.forget(staging)
        }
    }
}
