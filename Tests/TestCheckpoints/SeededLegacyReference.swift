// seeded-0-legacy.pth without its 95 MB: the team's torch.save of the seed-0 stand-in weights, as
// Tests/Fixtures/pth/seeded-0-legacy.json records it (made by make_seeded_legacy_fixture.py from
// the file itself). Its values are the formula's; what no formula gives is recorded: the storage
// keys (memory addresses in the process that saved it) and FNV-1a 64 fingerprints of the whole
// file, of its pickles and of each storage. A test writes the file from the formula with those
// keys and checks it against the fingerprints: the file it then reads is torch.save's, byte for
// byte, so no test needs ../shared.

import Foundation
import _SeededWeights
import TestSupport

public struct SeededLegacyReference: Decodable {
    /// The file's size in bytes.
    public let bytes: Int
    /// FNV-1a 64 of the whole file.
    public let fnv1a64: String
    /// The size of the five pickles before the storages (magic, protocol, sys_info, the state
    /// dict, the storage key list), and their FNV-1a 64.
    public let pickleBytes: Int
    public let picklesFNV1a64: String
    /// State-dict key -> [storage key, FNV-1a 64 of the storage's raw bytes].
    private let storages: [String: [String]]

    private enum CodingKeys: String, CodingKey {
        case bytes, fnv1a64, storages
        case pickleBytes = "pickle_bytes"
        case picklesFNV1a64 = "pickles_fnv1a64"
    }

    /// The record in Tests/Fixtures/pth/seeded-0-legacy.json.
    public static func load() throws -> SeededLegacyReference {
        try JSONDecoder().decode(SeededLegacyReference.self, from: Fixtures.data("pth/seeded-0-legacy.json"))
    }

    /// State-dict key -> the storage key torch.save wrote for it.
    public var storageKeys: [String: String] { storages.mapValues { $0[0] } }

    /// The seed-0 weights written by `SeededCheckpointWriter` in the legacy layout with the
    /// reference's storage keys: seeded-0-legacy.pth itself when `differences` finds none.
    public func checkpoint() -> Data {
        SeededCheckpointWriter.checkpoint(parameters: SeededWeights.parameters(seed: 0), format: .legacy,
                                          storageKeys: storageKeys)
    }

    /// Writes `checkpoint()` to `url` after checking it against the record: throws, naming the
    /// parts that differ, unless the file is seeded-0-legacy.pth byte for byte.
    public func writeCheckpoint(to url: URL) throws {
        let file = checkpoint()
        let parts = differences(file)
        guard parts.isEmpty else { throw Mismatch(parts: parts) }
        try file.write(to: url)
    }

    /// The seeded checkpoint written is not torch.save's file.
    public struct Mismatch: Error, CustomStringConvertible {
        public let parts: [String]
        public var description: String {
            "the seeded legacy checkpoint differs from torch.save's seeded-0-legacy.pth in: "
                + parts.joined(separator: "; ")
        }
    }

    /// Where `file` differs from the reference, one line per part ("the pickles", "storage of
    /// <key>", "the whole file"); empty when every fingerprint and the size match.
    public func differences(_ file: Data) -> [String] {
        guard file.count == bytes else { return ["size: \(file.count) bytes, torch.save's file has \(bytes)"] }
        return file.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [String] in
            var found: [String] = []
            if TestSupport.fnv1a64(raw[0 ..< pickleBytes]) != picklesFNV1a64 { found.append("the pickles") }
            // The storages follow in sorted storage-key order, each an int64 element count and its values.
            let byStorageKey = Dictionary(uniqueKeysWithValues: storages.map { ($0.value[0], ($0.key, $0.value[1])) })
            var offset = pickleBytes
            for storageKey in byStorageKey.keys.sorted() {
                let (key, fingerprint) = byStorageKey[storageKey]!
                guard offset + 8 <= raw.count else {
                    found.append("the file ends before the storage of \(key)")
                    return found
                }
                let count = Int(raw.loadUnaligned(fromByteOffset: offset, as: Int64.self).littleEndian)
                let width = key.hasSuffix("num_batches_tracked") ? 8 : 4
                guard count >= 0, count <= (raw.count - offset - 8) / width else {
                    found.append("storage of \(key): \(count) elements run past the end of the file")
                    return found
                }
                let end = offset + 8 + count * width
                if TestSupport.fnv1a64(raw[(offset + 8) ..< end]) != fingerprint { found.append("storage of \(key)") }
                offset = end
            }
            if offset != raw.count { found.append("\(raw.count - offset) bytes after the last storage") }
            if TestSupport.fnv1a64(raw) != fnv1a64 { found.append("the whole file") }
            return found
        }
    }

    /// seeded-0-legacy.pth itself when it is on this machine: $FIDVIZ_SEEDED_PTH, else the team's
    /// reference bundle beside the repository (../shared/reference). Tests compare against it as well
    /// when it is there, and never need it.
    public static var sharedFile: URL? {
        var candidates = [Fixtures.repository.deletingLastPathComponent()
            .appendingPathComponent("shared/reference/seeded-0-legacy.pth")]
        if let path = ProcessInfo.processInfo.environment["FIDVIZ_SEEDED_PTH"] {
            candidates.insert(URL(fileURLWithPath: path), at: 0)
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
