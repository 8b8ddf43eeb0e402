import Foundation

/// Checks, before any work starts, that an output can be created where the user asked, so that
/// a long run never ends on "cannot write". Errors are one line: the flag, the path, the reason.
public enum OutputPath {
    /// A file that will be created or replaced (`-o stats.npz`): its folder must exist, be a
    /// folder and be writable, and the path itself must not be a folder.
    @discardableResult
    public static func checkFile(_ path: String, flag: String) throws -> URL {
        let url = try checkParent(of: path, flag: flag)
        if exists(url, asFolder: true) {
            throw OutputError("\(flag) \(path): is a folder; give a file name")
        }
        return url
    }

    /// A folder that will be created or replaced as a whole (`-o report/`): its parent must be a
    /// writable folder, and the path must not be a file. An existing folder must be empty or
    /// hold `marker` (a file fidviz leaves in every folder it writes), unless `force`.
    @discardableResult
    public static func checkFolder(_ path: String, flag: String, marker: String, force: Bool) throws -> URL {
        let url = try checkParent(of: path, flag: flag)
        guard !exists(url, asFolder: false) else {
            throw OutputError("\(flag) \(path): exists and is not a folder")
        }
        if exists(url, asFolder: true) {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            if !contents.isEmpty && !contents.contains(marker) && !force {
                throw OutputError("\(flag) \(path): the folder is not empty and was not written by fidviz; "
                    + "choose another folder or pass --force to replace it")
            }
        }
        return url
    }

    /// The standardised URL of `path`, after checking that its parent is a writable folder.
    private static func checkParent(of path: String, flag: String) throws -> URL {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let parent = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder) else {
            throw OutputError("\(flag) \(path): the folder \(parent) does not exist")
        }
        guard isFolder.boolValue else {
            throw OutputError("\(flag) \(path): \(parent) is a file, not a folder")
        }
        guard access(parent, W_OK) == 0 else {
            throw OutputError("\(flag) \(path): the folder \(parent) is not writable")
        }
        return url
    }

    private static func exists(_ url: URL, asFolder: Bool) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue == asFolder
    }
}
