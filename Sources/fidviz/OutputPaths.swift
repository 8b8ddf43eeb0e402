import Foundation

/// Checks, before any work starts, that an output file can be created where the user asked.
func checkWritableOutput(_ path: String, flag: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
        throw InputError("\(flag) \(path): the folder \(folder) does not exist")
    }
    guard isDirectory.boolValue else {
        throw InputError("\(flag) \(path): \(folder) is a file, not a folder")
    }
    guard access(folder, W_OK) == 0 else {
        throw InputError("\(flag) \(path): the folder \(folder) is not writable")
    }
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw InputError("\(flag) \(path): is a folder; give a file name")
    }
}
