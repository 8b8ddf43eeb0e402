import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Pixels
import UntrustedInput

// MARK: - Every file under a folder

/// The entries under a folder, recursively, read with `opendir`/`readdir` so that every name is
/// kept as the bytes the file system holds (`ImagePath`): `FileManager`'s walk turns a name that
/// is not UTF-8 into another, missing name, and so drops the file without a word.
///
/// `files` are regular files and links to them; `others` are every other entry that is not a
/// folder (a link to a folder, which is not followed, so a link cannot make the walk loop; a
/// broken link; a socket or fifo), so that callers can name everything they do not read. A
/// folder that cannot be read ends the walk with an error naming it, and so does the walk
/// finding more than `limit` entries (`maxFiles`).
struct FolderWalk {
    private(set) var files: [ImagePath] = []
    private(set) var others: [ImagePath] = []

    /// The most entries one run's folder walks may find: `Limits.maxFolderFiles`, which
    /// `$FIDVIZ_MAX_FILES` overrides (like every limit, a value that is not a positive whole
    /// number is ignored with a warning).
    static var maxFiles: Int { Limits.current.maxFolderFiles }

    /// Walks `root` (a folder). Earlier walks of the run found `alreadyFound` entries, and all of
    /// them together may find `limit`; `name` is the folder as the user gave it, for errors (with
    /// `prefix`, e.g. "--ref ").
    init(_ root: ImagePath, alreadyFound: Int, limit: Int, name: String, prefix: String) throws {
        var pending = [root]
        while let folder = pending.popLast() {
            guard let stream = opendir(Self.cPath(folder)) else {
                throw InputError("\(prefix)\(folder): cannot read this folder (\(String(cString: strerror(errno))))")
            }
            defer { closedir(stream) }
            while let entry = readdir(stream) {
                let component = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                if component == [UInt8(ascii: ".")] || component == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
                let path = folder.appending(component)
                var info = stat(), link = stat()
                let target = stat(Self.cPath(path), &info) == 0 ? info.st_mode & S_IFMT : 0
                if target == S_IFDIR, lstat(Self.cPath(path), &link) == 0, link.st_mode & S_IFMT == S_IFDIR {
                    pending.append(path)
                    continue
                }
                if target == S_IFREG { files.append(path) } else { others.append(path) }
                if alreadyFound + files.count + others.count > limit {
                    throw InputError("\(prefix)\(name): the folder walk found more than \(limit) files, the limit; "
                        + "set $FIDVIZ_MAX_FILES to allow more, or give a smaller folder")
                }
            }
        }
    }

    /// `path` as a NUL-terminated C string.
    private static func cPath(_ path: ImagePath) -> [CChar] {
        path.bytes.map { CChar(bitPattern: $0) } + [0]
    }
}
