import Foundation

/// The output folder of a report, written all-or-nothing.
///
/// Everything is written into a hidden staging folder beside the destination; only when the
/// report is complete does it replace the destination (two renames). An interrupted run
/// (error or Ctrl-C) removes the staging folder and leaves any previous report untouched.
/// A destination that exists, is not empty and was not made by fidviz is refused unless `force`.
final class ReportFolder {
    static let marker = ".fidviz-report"

    let destination: URL
    let staging: URL

    init(path: String, force: Bool) throws {
        let fm = FileManager.default
        destination = URL(fileURLWithPath: path).standardizedFileURL
        let parent = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError("-o \(path): the folder \(parent.path) does not exist")
        }
        guard access(parent.path, W_OK) == 0 else {
            throw InputError("-o \(path): the folder \(parent.path) is not writable")
        }
        if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw InputError("-o \(path): exists and is not a folder") }
            let contents = (try? fm.contentsOfDirectory(atPath: destination.path)) ?? []
            let ours = contents.contains(Self.marker)
            if !contents.isEmpty && !ours && !force {
                throw InputError("-o \(path): the folder is not empty and was not written by fidviz; choose another folder or pass --force to replace it")
            }
        }
        staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
            try Data("written by fidviz \(FidvizVersion.string)\n".utf8).write(to: staging.appendingPathComponent(Self.marker))
        } catch {
            throw InputError("-o \(path): cannot create files in \(parent.path) (\(error.localizedDescription))")
        }
        InterruptCleanup.register(staging)
    }

    /// A file inside the staging folder.
    func url(_ relativePath: String) -> URL { staging.appendingPathComponent(relativePath) }

    /// Moves the finished report into place, replacing the previous one.
    func commit() throws {
        let fm = FileManager.default
        let old = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
        let hadPrevious = fm.fileExists(atPath: destination.path)
        if hadPrevious { try fm.moveItem(at: destination, to: old) }
        do {
            try fm.moveItem(at: staging, to: destination)
        } catch {
            if hadPrevious { try? fm.moveItem(at: old, to: destination) }
            throw InputError("\(destination.path): cannot move the finished report into place (\(error.localizedDescription))")
        }
        InterruptCleanup.unregister()
        if hadPrevious { try? fm.removeItem(at: old) }
    }

    /// Removes the staging folder (after an error).
    func discard() {
        try? FileManager.default.removeItem(at: staging)
        InterruptCleanup.unregister()
    }
}

/// On Ctrl-C (SIGINT) or SIGTERM, removes the registered staging folder before exiting.
enum InterruptCleanup {
    private static var path: [CChar]?

    static func register(_ url: URL) {
        path = url.path.cString(using: .utf8)
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    static func unregister() {
        path = nil
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    private static let handler: @convention(c) (Int32) -> Void = { signalNumber in
        if let path = InterruptCleanup.path {
            // Not async-signal-safe in general, but the process exits right after.
            try? FileManager.default.removeItem(atPath: String(cString: path))
        }
        FileHandle.standardError.write("\nfidviz: interrupted; the previous report (if any) is untouched\n".data(using: .utf8)!)
        _exit(128 + signalNumber)
    }
}
