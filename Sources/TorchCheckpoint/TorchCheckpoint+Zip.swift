// The zip torch.save layout (torch >= 1.6):
//
//   <archive>/data.pkl       the object; storages are persistent ids ('storage', type, key, location, numel)
//   <archive>/data/<key>     each storage's raw little-endian bytes (stored, aligned via extra fields)
//   <archive>/byteorder      "little" (absent in older files, which are little-endian)
//   <archive>/version, .format_version, .storage_alignment, .data/serialization_id
//
// The archive is read in place by ZipArchive's `ZipReader`, which checks every offset and size
// before use; every entry used is checked against its CRC-32. torch.save stores every entry, so
// an archive with a compressed entry is refused.

import Foundation
import UntrustedInput
import ZipArchive

extension TorchCheckpoint {
    /// The zip archive in `bytes`, its directory checked.
    static func openArchive(_ bytes: UnsafeRawBufferPointer) throws -> ZipReader {
        do {
            return try ZipReader(bytes)
        } catch let error as ZipError {
            throw CheckpointProblem(error, fileSize: bytes.count)
        }
    }

    /// The archive's `<archive>/data.pkl`, the state dict's pickle.
    static func pickleEntry(of archive: ZipReader) throws -> ZipMember {
        guard let entry = archive.members.first(where: {
            let parts = $0.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }) else {
            throw CheckpointProblem(.notACheckpoint, "not a PyTorch checkpoint: the zip archive has no "
                + "<archive>/data.pkl, so torch.save did not write it")
        }
        return entry
    }

    /// The state dict's keys in a zip checkpoint, from its pickle alone (no storage is read), or
    /// nil when `bytes` is not a zip archive.
    static func zipKeys(_ bytes: UnsafeRawBufferPointer, limits: Limits) throws -> [String]? {
        guard bytes.prefix(4).elementsEqual([0x50, 0x4b, 0x03, 0x04]) else { return nil }
        let archive = try openArchive(bytes)
        let entry = try pickleEntry(of: archive)
        let pickle: UnsafeRawBufferPointer
        do {
            pickle = try archive.storedContents(of: entry, in: bytes)
        } catch let error as ZipError {
            throw CheckpointProblem(error, fileSize: bytes.count)
        }
        let object = try unpickle(pickle, at: 0, resolver: StateDictResolver(), entry: entry.name, limits: limits)
        return try stateDictEntries(object.value).map(\.key)
    }

    /// Reads a whole zip checkpoint. Storages are viewed in place; only tensors are allocated.
    /// Each storage's bytes go to `release` once the tensor viewing them is built.
    static func readZip(_ bytes: UnsafeRawBufferPointer, limits: Limits,
                        release: (UnsafeRawBufferPointer) -> Void) throws -> [String: CheckpointTensor] {
        let archive = try openArchive(bytes)
        if let compressed = archive.members.first(where: { $0.method != .stored }) {
            throw CheckpointProblem(ZipError(.unsupportedMethod(compressed.method.rawValue), member: compressed.name),
                                    fileSize: bytes.count)
        }
        /// The stored, CRC-checked bytes of `entry`, in place.
        func contents(of entry: ZipMember, key: String? = nil) throws -> UnsafeRawBufferPointer {
            do {
                return try archive.storedContents(of: entry, in: bytes)
            } catch let error as ZipError {
                throw CheckpointProblem(error, fileSize: bytes.count, key: key)
            }
        }

        let pickleEntry = try Self.pickleEntry(of: archive)
        let top = String(pickleEntry.name.dropLast("/data.pkl".count))

        if let byteOrder = archive["\(top)/byteorder"] {
            let text = String(decoding: try contents(of: byteOrder), as: UTF8.self)
            guard text.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw CheckpointProblem(.unsupported, entry: byteOrder.name, "the file was written on a "
                    + "big-endian machine; re-save it on a little-endian one")
            }
        }

        let pickle = try contents(of: pickleEntry)
        let object = try unpickle(pickle, at: 0, resolver: StateDictResolver(), entry: pickleEntry.name, limits: limits)
        let stateDict = try stateDictEntries(object.value)

        var storages: [String: UnsafeRawBufferPointer] = [:]
        var tensors: [String: CheckpointTensor] = [:]
        tensors.reserveCapacity(stateDict.count)
        var budget = TensorElementBudget(limits: limits)
        for (key, tensor) in stateDict {
            let storage = tensor.storage
            if storages[storage.key] == nil {
                let name = "\(top)/data/\(storage.key)"
                guard let entry = archive[name] else {
                    throw CheckpointProblem(.corrupt, key: key, "storage '\(UntrustedText.printable(storage.key))' "
                        + "has no entry \(UntrustedText.printable(name)) in the archive; the file is corrupt")
                }
                guard let byteCount = storage.byteCount, byteCount == entry.data.count else {
                    throw CheckpointProblem(.corrupt, entry: name, key: key, "the entry holds "
                        + "\(entry.data.count) bytes, but its storage declares \(storage.elementCount) "
                        + "elements of \(storage.scalarType.byteWidth) bytes; the file is corrupt or hostile")
                }
                storages[storage.key] = try contents(of: entry, key: key)
            }
            tensors[key] = try materialize(tensor, key: key, storage: storages[storage.key]!, budget: &budget)
            release(storages[storage.key]!)
        }
        return tensors
    }
}
