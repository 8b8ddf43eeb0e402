import Foundation
import ZIPFoundation

/// Reads and writes numpy .npz archives: zip files whose members are `<key>.npy`.
///
/// Reading accepts `np.savez` (stored) and `np.savez_compressed` (deflated) archives, including
/// numpy's zip64 local headers; sizes come from the central directory. Members whose names do
/// not end in ".npy" are skipped (numpy only writes .npy members). `NpzArchive` decodes members
/// one at a time; `read(contentsOf:keys:)` decodes only the members asked for. Writing is atomic: the
/// archive is built in a temporary file next to the destination, flushed, then renamed over it.
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
        let names = arrays.map(\.name)
        precondition(names.allSatisfy { !$0.isEmpty }, "Npz.write: empty array name in \(names)")
        precondition(
            Set(names).count == names.count, "Npz.write: duplicate array names in \(names)")
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
        do {
            try writeArchive(arrays, to: temporary, compressed: compressed, label: url.path)
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw NumpyFileError(file: url.path, reason: "cannot replace the file (\(reason))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? NumpyFileError { throw error }
            throw NumpyFileError(
                file: url.path, reason: "cannot write (\(fileSystemReason(error)))")
        }
    }

    /// Builds the whole archive at `temporary`; the archive is closed when this returns.
    private static func writeArchive(
        _ arrays: [(name: String, array: NpyArray)], to temporary: URL, compressed: Bool,
        label: String
    ) throws {
        let archive: Archive
        do {
            archive = try Archive(url: temporary, accessMode: .create)
        } catch {
            throw NumpyFileError(
                file: label,
                reason: "cannot create the archive (\(error)); check folder permissions")
        }
        for (name, array) in arrays {
            let bytes = Npy.encode(array)
            do {
                try archive.addEntry(
                    with: name + ".npy", type: .file, uncompressedSize: Int64(bytes.count),
                    compressionMethod: compressed ? .deflate : .none, bufferSize: 1 << 20
                ) { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            } catch {
                throw NumpyFileError(
                    file: label, member: name + ".npy",
                    reason: "cannot write the member (\(fileSystemReason(error)))")
            }
        }
    }
}
