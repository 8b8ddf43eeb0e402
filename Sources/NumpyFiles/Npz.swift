import Foundation
import ZipArchive

/// Reads and writes numpy .npz archives: zip files whose members are `<key>.npy`.
///
/// Reading accepts `np.savez` (stored) and `np.savez_compressed` (deflated) archives, including
/// numpy's zip64 local headers; sizes come from the central directory. Members whose names do
/// not end in ".npy" are skipped (numpy only writes .npy members). `NpzArchive` decodes members
/// one at a time; `read(contentsOf:keys:)` decodes only the members asked for. `encode` streams
/// an archive to any sink, one member in memory at a time. `write` is atomic: the archive is
/// streamed to a temporary file next to the destination, flushed, then renamed over it.
public enum Npz {

    // MARK: - Reading

    /// All arrays in the archive at `url`, keyed by member name without ".npy".
    public static func read(contentsOf url: URL) throws -> [String: NpyArray] {
        let archive = try NpzArchive(contentsOf: url)
        return try archive.arrays(archive.keys)
    }

    /// Only the arrays named in `keys` (those the archive has; absent keys are left out). The
    /// other members are not read or decoded, though the whole directory is still checked
    /// (see `NpzArchive`): a multi-gigabyte or corrupt member that is not asked for costs nothing.
    public static func read(contentsOf url: URL, keys: Set<String>) throws -> [String: NpyArray] {
        try NpzArchive(contentsOf: url).arrays(keys)
    }

    /// All arrays in the archive held in `data`; `name` labels errors.
    public static func read(data: Data, name: String) throws -> [String: NpyArray] {
        let archive = try NpzArchive(data: data, name: name)
        return try archive.arrays(archive.keys)
    }

    // MARK: - Writing

    /// Writes `arrays` as `<name>.npy` members, in order, like `np.savez` (or
    /// `np.savez_compressed` when `compressed`). Names must be non-empty and distinct.
    ///
    /// The destination is replaced atomically: on any failure the temporary file is removed and
    /// whatever was at `url` before is left untouched.
    public static func write(
        _ arrays: [(name: String, array: NpyArray)], to url: URL, compressed: Bool = false
    ) throws {
        let folder = url.deletingLastPathComponent()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw NumpyFileError(
                file: url.path, reason: "cannot write: the folder \(folder.path) does not exist")
        }
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(UUID().uuidString).partial")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o666)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw NumpyFileError(
                file: url.path,
                reason: "cannot create the archive (\(reason)); check folder permissions")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try encode(arrays, compressed: compressed) { try handle.write(contentsOf: $0) }
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw NumpyFileError(file: url.path, reason: "cannot replace the file (\(reason))")
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? NumpyFileError { throw error }
            throw NumpyFileError(
                file: url.path, reason: "cannot write (\(fileSystemReason(error)))")
        }
    }

    /// Streams `arrays` as an .npz archive (as `write` lays it out) to `sink`, which receives
    /// the bytes in order. Only one member's bytes are held at a time (twice, deflated). Names
    /// must be non-empty and distinct; errors thrown by `sink` are passed on unchanged.
    public static func encode(
        _ arrays: [(name: String, array: NpyArray)], compressed: Bool = false,
        into sink: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let names = arrays.map(\.name)
        precondition(names.allSatisfy { !$0.isEmpty }, "Npz.encode: empty array name in \(names)")
        precondition(
            Set(names).count == names.count, "Npz.encode: duplicate array names in \(names)")
        var writer = ZipWriter(into: sink)
        for (name, array) in arrays {
            try Npy.encode(array).withUnsafeBytes {
                try writer.add(name + ".npy", contents: $0, method: compressed ? .deflated : .stored)
            }
        }
        try writer.finish()
    }
}
