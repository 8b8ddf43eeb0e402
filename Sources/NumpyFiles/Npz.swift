import Foundation
import ZipArchive

/// Reads and writes numpy .npz archives: zip files whose members are `<key>.npy`.
///
/// Reading accepts `np.savez` (stored) and `np.savez_compressed` (deflated) archives, including
/// numpy's zip64 local headers; sizes come from the central directory. Members whose names do
/// not end in ".npy" are skipped (numpy only writes .npy members). `NpzArchive` decodes members
/// one at a time; `read(contentsOf:keys:)` decodes only the members asked for. `encode` streams
/// an archive to any sink, one member in memory at a time (fidviz's output files go through
/// `NpzFile`, which streams it through the one atomic writer).
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

    /// `arrays` as the bytes of an .npz archive, in memory (see `encode`).
    public static func encoded(_ arrays: [(name: String, array: NpyArray)], compressed: Bool = false) throws -> Data {
        var data = Data()
        try encode(arrays, compressed: compressed) { data.append(contentsOf: $0) }
        return data
    }

    /// Streams `arrays` as an .npz archive to `sink`, which receives the bytes in order: one
    /// `<name>.npy` member per array, in order, stored (as `np.savez` writes) or, with
    /// `compressed`, deflated (`np.savez_compressed`). Only one member's bytes are held at a time
    /// (twice, deflated). Names must be non-empty and distinct; errors thrown by `sink` are
    /// passed on unchanged.
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
