// The legacy torch.save layout (torch < 1.6, and the real pytorch-fid weights):
//
//   pickle  magic number 0x1950a86a20f9469cfc6c
//   pickle  protocol version 1001
//   pickle  sys_info {'protocol_version': 1001, 'little_endian': True, 'type_sizes': {...}}
//   pickle  the object (a state dict whose tensors name storages by persistent id)
//   pickle  the storage keys, a list of strings
//   then per key, in that order: int64 LE element count, count * width raw LE bytes (unaligned)

import UntrustedInput

extension TorchCheckpoint {
    /// torch.save's magic number as LONG1 bytes (little-endian two's complement).
    private static let legacyMagic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

    /// Reads a whole legacy file. Storages are viewed in place; only tensors are allocated,
    /// after every size in the file has been checked against the bytes that are really there.
    /// Each storage's bytes go to `release` once the tensor viewing them is built.
    static func readLegacy(_ bytes: UnsafeRawBufferPointer, limits: Limits,
                           release: (UnsafeRawBufferPointer) -> Void) throws -> [String: CheckpointTensor] {
        var position = try readLegacyHeader(bytes, limits: limits)

        let object = try unpickle(bytes, at: position, resolver: StateDictResolver(), limits: limits)
        let entries = try stateDictEntries(object.value)
        let storages = object.resolver.storages
        position = object.end

        let keyList = try unpickle(bytes, at: position, resolver: PlainValuesOnly(), limits: limits)
        guard case .list(let sequence) = keyList.value else {
            throw CheckpointProblem(.corrupt, byteOffset: position, "the storage key list is "
                + "\(keyList.value.kindName), not a list; the file is corrupt")
        }
        position = keyList.end

        // The first state-dict key of each storage, to name it in errors.
        var firstKey: [String: String] = [:]
        for entry in entries where firstKey[entry.tensor.storage.key] == nil {
            firstKey[entry.tensor.storage.key] = entry.key
        }

        var ranges: [String: Range<Int>] = [:]
        for item in sequence.items {
            guard let storageKey = item.string else {
                throw CheckpointProblem(.corrupt, byteOffset: position, "the storage key list holds "
                    + "\(item.kindName), not a key; the file is corrupt")
            }
            guard let storage = storages[storageKey], ranges[storageKey] == nil else {
                let reason = storages[storageKey] == nil ? "no tensor uses it" : "it is listed twice"
                throw CheckpointProblem(.corrupt, byteOffset: position, "the storage key list names "
                    + "'\(UntrustedText.printable(storageKey))', but \(reason); the file is corrupt")
            }
            let key = firstKey[storageKey]
            guard bytes.count - position >= 8 else {
                throw CheckpointProblem(.truncated, key: key, byteOffset: position, "the file ends inside the "
                    + "element count of storage '\(UntrustedText.printable(storageKey))'; it is truncated, download it again")
            }
            let count = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
            let start = position + 8
            guard count == storage.elementCount, let byteCount = storage.byteCount else {
                throw CheckpointProblem(.corrupt, key: key, byteOffset: position, "storage '\(UntrustedText.printable(storageKey))' "
                    + "claims \(count) elements, but its pickle declared \(storage.elementCount) and only "
                    + "\(bytes.count - start) bytes follow; the file is corrupt or hostile")
            }
            guard byteCount <= bytes.count - start else {
                throw CheckpointProblem(.truncated, key: key, byteOffset: start, "storage '\(UntrustedText.printable(storageKey))' needs "
                    + "\(byteCount) bytes but the file ends after \(bytes.count - start); it is truncated, "
                    + "download it again")
            }
            ranges[storageKey] = start ..< start + byteCount
            position = start + byteCount
        }

        var tensors: [String: CheckpointTensor] = [:]
        tensors.reserveCapacity(entries.count)
        var budget = TensorElementBudget(limits: limits)
        for (key, tensor) in entries {
            guard let range = ranges[tensor.storage.key] else {
                throw CheckpointProblem(.corrupt, key: key, "storage '\(UntrustedText.printable(tensor.storage.key))' has no data in "
                    + "the file (it is missing from the storage key list); the file is corrupt")
            }
            let storage = UnsafeRawBufferPointer(rebasing: bytes[range])
            tensors[key] = try materialize(tensor, key: key, storage: storage, budget: &budget)
            release(storage)
        }
        return tensors
    }

    /// Checks the magic number, protocol version and sys_info pickles; returns the offset of
    /// the object pickle.
    private static func readLegacyHeader(_ bytes: UnsafeRawBufferPointer, limits: Limits) throws -> Int {
        let magic: (value: PickleValue, end: Int, resolver: PlainValuesOnly)
        do {
            magic = try unpickle(bytes, at: 0, resolver: PlainValuesOnly(), limits: limits)
        } catch let problem as CheckpointProblem where problem.kind == .corrupt || problem.kind == .unsupported {
            throw CheckpointProblem(.notACheckpoint, byteOffset: problem.byteOffset, "not a PyTorch checkpoint: "
                + "the file starts like a pickle but not like torch.save (\(problem.problem))")
        }
        guard case .bigInt(let digits) = magic.value, digits == legacyMagic else {
            throw CheckpointProblem(.notACheckpoint, byteOffset: 0, "not a PyTorch checkpoint: the file is a "
                + "pickle without torch.save's magic number; save the state dict with torch.save")
        }

        let version = try unpickle(bytes, at: magic.end, resolver: PlainValuesOnly(), limits: limits)
        guard version.value.integer == 1001 else {
            let found = version.value.integer.map(String.init) ?? version.value.kindName
            throw CheckpointProblem(.unsupported, byteOffset: magic.end, "the legacy torch.save protocol version "
                + "is \(found), not 1001; re-save the file with a current torch.save")
        }

        let systemInfo = try unpickle(bytes, at: version.end, resolver: PlainValuesOnly(), limits: limits)
        guard case .dict(let info) = systemInfo.value else {
            throw CheckpointProblem(.corrupt, byteOffset: version.end, "the sys_info header is "
                + "\(systemInfo.value.kindName), not a dict; the file is corrupt")
        }
        for entry in info.entries where entry.key.string == "little_endian" {
            guard case .bool(true) = entry.value else {
                throw CheckpointProblem(.unsupported, byteOffset: version.end, "the file was written on a "
                    + "big-endian machine; re-save it on a little-endian one")
            }
        }
        return systemInfo.end
    }
}
