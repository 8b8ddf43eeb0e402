// The zip torch.save layout (torch >= 1.6):
//
//   <archive>/data.pkl       the object; storages are persistent ids ('storage', type, key, location, numel)
//   <archive>/data/<key>     each storage's raw little-endian bytes (stored, aligned via extra fields)
//   <archive>/byteorder      "little" (absent in older files, which are little-endian)
//   <archive>/version, .format_version, .storage_alignment, .data/serialization_id
//
// Entries are read with ZIPFoundation, which takes each data offset from the entry's local
// header. Every size is checked before anything is extracted, and every extraction is bounded.

import Foundation
import ZIPFoundation

extension TorchCheckpoint {
    /// Largest data.pkl accepted; a state dict's pickle is a few hundred bytes per tensor.
    static var maximumPickleBytes: Int { 1 << 30 }

    /// Reads the zip checkpoint at `url`, whose bytes are `contents`.
    static func readZip(at url: URL, contents: Data) throws -> [String: CheckpointTensor] {
        try requireEndOfCentralDirectory(contents)
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw CheckpointProblem(.corrupt, "the zip archive cannot be opened (\(error)); the file is corrupt, "
                + "download it again")
        }
        var entries: [String: Entry] = [:]
        var pickleEntry: Entry?
        for entry in archive where entries[entry.path] == nil {
            entries[entry.path] = entry
            let parts = entry.path.split(separator: "/", omittingEmptySubsequences: false)
            if pickleEntry == nil, parts.count == 2, parts[1] == "data.pkl" { pickleEntry = entry }
        }
        guard let pickleEntry else {
            throw CheckpointProblem(.notACheckpoint, "not a PyTorch checkpoint: the zip archive has no "
                + "<archive>/data.pkl, so torch.save did not write it")
        }
        let top = String(pickleEntry.path.dropLast("/data.pkl".count))

        if let byteOrder = entries["\(top)/byteorder"] {
            let text = try extract(byteOrder, from: archive, byteCount: min(Int(clamping: byteOrder.uncompressedSize), 16),
                                   fileSize: contents.count)
            guard String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw CheckpointProblem(.unsupported, entry: byteOrder.path, "the file was written on a big-endian "
                    + "machine; re-save it on a little-endian one")
            }
        }

        guard pickleEntry.uncompressedSize <= UInt64(maximumPickleBytes) else {
            throw CheckpointProblem(.unsupported, entry: pickleEntry.path, "the pickle claims "
                + "\(pickleEntry.uncompressedSize) bytes, far more than a state dict needs")
        }
        let pickle = try extract(pickleEntry, from: archive, byteCount: Int(pickleEntry.uncompressedSize),
                                 fileSize: contents.count)
        let object = try pickle.withUnsafeBytes { bytes in
            try unpickle(bytes, at: 0, resolver: StateDictResolver(), entry: pickleEntry.path)
        }
        let stateDict = try stateDictEntries(object.value)

        var storages: [String: Data] = [:]
        var tensors: [String: CheckpointTensor] = [:]
        tensors.reserveCapacity(stateDict.count)
        for (key, tensor) in stateDict {
            let storage = tensor.storage
            if storages[storage.key] == nil {
                let path = "\(top)/data/\(storage.key)"
                guard let entry = entries[path] else {
                    throw CheckpointProblem(.corrupt, key: key, "storage '\(storage.key)' has no entry \(path) "
                        + "in the archive; the file is corrupt")
                }
                guard let byteCount = storage.byteCount, UInt64(byteCount) == entry.uncompressedSize else {
                    throw CheckpointProblem(.corrupt, entry: path, key: key, "the entry holds "
                        + "\(entry.uncompressedSize) bytes, but its storage declares \(storage.elementCount) "
                        + "elements of \(storage.scalarType.byteWidth) bytes; the file is corrupt or hostile")
                }
                storages[storage.key] = try extract(entry, from: archive, byteCount: byteCount,
                                                    fileSize: contents.count, key: key)
            }
            tensors[key] = try storages[storage.key]!.withUnsafeBytes { bytes in
                try materialize(tensor, key: key, storage: bytes)
            }
        }
        return tensors
    }

    // MARK: - Entries

    /// The `byteCount` bytes of a stored (uncompressed) `entry`, checked against its CRC-32.
    /// Never reads or allocates more than `byteCount`, which the caller bounds.
    private static func extract(_ entry: Entry, from archive: Archive, byteCount: Int, fileSize: Int,
                                key: String? = nil) throws -> Data {
        guard entry.type == .file else {
            throw CheckpointProblem(.corrupt, entry: entry.path, key: key, "the entry is not a regular file")
        }
        guard !entry.isCompressed else {
            throw CheckpointProblem(.unsupported, entry: entry.path, key: key, "the entry is compressed, but "
                + "torch.save stores entries uncompressed; re-save the state dict with torch.save")
        }
        guard entry.compressedSize == UInt64(byteCount), byteCount <= fileSize else {
            throw CheckpointProblem(.corrupt, entry: entry.path, key: key, "the entry's sizes disagree "
                + "(\(entry.compressedSize) stored, \(byteCount) expected, file \(fileSize) bytes); "
                + "the file is corrupt or hostile")
        }
        var data = Data(capacity: byteCount)
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, bufferSize: max(1, min(byteCount, 1 << 22))) { chunk in
                // An empty chunk means the file ended early; stop instead of looping on.
                guard !chunk.isEmpty || byteCount == 0, data.count + chunk.count <= byteCount else {
                    throw CheckpointProblem(.truncated, entry: entry.path, key: key, "the entry ends after "
                        + "\(data.count) of its \(byteCount) bytes; the file is truncated, download it again")
                }
                data.append(chunk)
            }
        } catch let problem as CheckpointProblem {
            throw problem
        } catch {
            throw CheckpointProblem(.corrupt, entry: entry.path, key: key, "the entry cannot be read (\(error)); "
                + "the file is corrupt, download it again")
        }
        guard data.count == byteCount else {
            throw CheckpointProblem(.truncated, entry: entry.path, key: key, "the entry ends after \(data.count) "
                + "of its \(byteCount) bytes; the file is truncated, download it again")
        }
        guard checksum == entry.checksum else {
            throw CheckpointProblem(.corrupt, entry: entry.path, key: key, "the entry fails its CRC-32 check; "
                + "the file is corrupt, download it again")
        }
        return data
    }

    /// Throws unless the end-of-central-directory signature lies in the last 64 KiB + 22 bytes,
    /// where the zip format puts it (ZIPFoundation would otherwise scan the whole file for it).
    /// Without it, a file whose first entry looks like a real zip entry is called truncated,
    /// anything else not a checkpoint.
    private static func requireEndOfCentralDirectory(_ contents: Data) throws {
        let signature = Data([0x50, 0x4b, 0x05, 0x06])
        let tail = contents.suffix(65_535 + 22)
        if tail.count >= 22, tail.dropLast(18).range(of: signature, options: .backwards) != nil { return }
        if startsWithPlausibleEntry(contents) {
            throw CheckpointProblem(.truncated, byteOffset: contents.count, "the zip archive has no "
                + "end-of-central-directory record; the file is truncated, download it again")
        }
        throw CheckpointProblem(.notACheckpoint, "not a PyTorch checkpoint: the file starts with a zip "
            + "signature but is no zip archive (its first entry is garbled and it has no central directory)")
    }

    /// Whether the first local file header's name fits in the file and is printable ASCII.
    private static func startsWithPlausibleEntry(_ contents: Data) -> Bool {
        let bytes = [UInt8](contents.prefix(30))
        guard bytes.count == 30 else { return false }
        let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8
        guard nameLength > 0, 30 + nameLength <= contents.count else { return false }
        let start = contents.startIndex + 30
        return contents[start ..< start + nameLength].allSatisfy { (0x20 ..< 0x7f).contains($0) }
    }
}
