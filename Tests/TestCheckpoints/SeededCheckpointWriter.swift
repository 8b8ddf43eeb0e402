// Writes the seeded stand-in weights as a full-size .pth laid out like pytorch-fid's real file,
// so the loader and the command line can be exercised end to end without the 95 MB download.
//
// Both torch.save layouts (see TorchCheckpoint+Legacy.swift and TorchCheckpoint+Zip.swift):
// - legacy: magic, protocol 1001, sys_info, the state dict, the sorted storage key list, then per
//   key an int64 element count and the raw little-endian values;
// - zip: archive/data.pkl, archive/data/<key> (stored, 64-byte aligned), archive/byteorder,
//   archive/version, archive/.format_version, archive/.storage_alignment.
// The state dict is a plain dict with sorted keys; every pickle is written as CPython's pickler
// writes it (memo included). Conv weights are HWIO storages viewed as OIHW, fc.weight is stored
// transposed, num_batches_tracked is a 0-d int64.

import Foundation
import InceptionGraph
import _SeededWeights
import TorchCheckpoint

public enum SeededCheckpointWriter {
    public enum Format: String, CaseIterable, Sendable {
        case legacy, zip
    }

    /// Writes `SeededWeights.parameters(seed:)` to `url` in `format`.
    /// `storageKeys` maps state-dict keys to storage keys; by default the zip layout numbers
    /// storages "0", "1", ... in key order, as torch.save does, and the legacy layout uses
    /// 14-digit stand-ins for the memory addresses torch.save wrote there (so the file has the
    /// real one's size, and its sorted storage key list is not in state-dict order).
    public static func write(seed: UInt64 = 0, format: Format, to url: URL,
                             storageKeys: [String: String]? = nil) throws {
        try checkpoint(parameters: SeededWeights.parameters(seed: seed), format: format, storageKeys: storageKeys)
            .write(to: url, options: .atomic)
    }

    /// The whole `.pth` file for `parameters` (row-major values; keys ending in
    /// `num_batches_tracked` are written as int64).
    public static func checkpoint(parameters: [String: NamedParameter], format: Format,
                                  storageKeys: [String: String]? = nil) -> Data {
        let keys = parameters.keys.sorted()
        let tensors = keys.enumerated().map { index, key in
            StoredTensor(key: key, storageKey: storageKeys?[key] ?? defaultStorageKey(index, format),
                         parameter: parameters[key]!)
        }
        switch format {
        case .legacy: return legacyFile(tensors)
        case .zip: return zipFile(tensors)
        }
    }

    /// "<index>" (zip), or a distinct 14-digit number that looks like an address (legacy):
    /// 94e12 + index * 736481923177 mod 1e12 (a bijection, the multiplier being prime to 1e12).
    private static func defaultStorageKey(_ index: Int, _ format: Format) -> String {
        switch format {
        case .zip: return String(index)
        case .legacy: return String(94_000_000_000_000 + index * 736_481_923_177 % 1_000_000_000_000)
        }
    }

    // MARK: - Legacy layout

    private static func legacyFile(_ tensors: [StoredTensor]) -> Data {
        var file: [UInt8] = []
        file.reserveCapacity(tensors.reduce(1 << 20) { $0 + 8 + $1.storage.count })
        // Magic number 0x1950a86a20f9469cfc6c as LONG1.
        file += [PickleOpcode.proto, 2, PickleOpcode.long1, 10,
                 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, PickleOpcode.stop]
        var version = PickleWriter()
        version.pythonInt(1001)
        file += version.bytes + [PickleOpcode.stop]
        file += systemInfoPickle()
        file += stateDictPickle(tensors, legacy: true)

        let byKey = Dictionary(uniqueKeysWithValues: tensors.map { ($0.storageKey, $0) })
        let storageKeys = byKey.keys.sorted()
        var list = PickleWriter()
        list.raw([PickleOpcode.emptyList])
        list.memoize()
        batched(storageKeys, into: &list, one: PickleOpcode.append, many: PickleOpcode.appends) {
            $0.string($1)
            $0.memoize()
        }
        file += list.bytes + [PickleOpcode.stop]
        for key in storageKeys {
            let tensor = byKey[key]!
            file += littleEndianBytes(Int64(tensor.elementCount)) + tensor.storage
        }
        return Data(file)
    }

    /// `{'protocol_version': 1001, 'little_endian': True, 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}`
    private static func systemInfoPickle() -> [UInt8] {
        var pickle = PickleWriter()
        pickle.raw([PickleOpcode.emptyDict])
        pickle.memoize()
        pickle.raw([PickleOpcode.mark])
        pickle.string("protocol_version"); pickle.memoize(); pickle.pythonInt(1001)
        pickle.string("little_endian"); pickle.memoize(); pickle.raw([PickleOpcode.newTrue])
        pickle.string("type_sizes"); pickle.memoize()
        pickle.raw([PickleOpcode.emptyDict])
        pickle.memoize()
        pickle.raw([PickleOpcode.mark])
        for (name, size) in [("short", 2), ("int", 4), ("long", 4)] {
            pickle.string(name); pickle.memoize(); pickle.pythonInt(size)
        }
        pickle.raw([PickleOpcode.setItems, PickleOpcode.setItems, PickleOpcode.stop])
        return pickle.bytes
    }

    // MARK: - Zip layout

    private static func zipFile(_ tensors: [StoredTensor]) -> Data {
        var files: [(name: String, bytes: [UInt8])] = [
            ("archive/data.pkl", stateDictPickle(tensors, legacy: false)),
            ("archive/.format_version", Array("1".utf8)),
            ("archive/.storage_alignment", Array("64".utf8)),
            ("archive/byteorder", Array("little".utf8)),
        ]
        files += tensors.map { ("archive/data/\($0.storageKey)", $0.storage) }
        files.append(("archive/version", Array("3\n".utf8)))
        return storedZip(files, alignment: 64)
    }

    // MARK: - The state dict

    /// `{key: _rebuild_tensor_v2(persistent_id, 0, size, stride, False, OrderedDict()), ...}` with
    /// persistent ids `('storage', torch.<Type>Storage, storage key, 'cpu', numel[, None])`
    /// (the trailing None, view_metadata, only in the legacy layout).
    private static func stateDictPickle(_ tensors: [StoredTensor], legacy: Bool) -> [UInt8] {
        var pickle = PickleWriter()
        var shared: [String: Int] = [:]
        pickle.raw([PickleOpcode.emptyDict])
        pickle.memoize()
        batched(tensors, into: &pickle, one: PickleOpcode.setItem, many: PickleOpcode.setItems) { pickle, tensor in
            pickle.string(tensor.key)
            pickle.memoize()
            pickle.once("_rebuild_tensor_v2", in: &shared) { $0.global("torch._utils", "_rebuild_tensor_v2") }
            pickle.raw([PickleOpcode.mark, PickleOpcode.mark])
            pickle.once("'storage'", in: &shared) { $0.string("storage") }
            pickle.once(tensor.storageType, in: &shared) { $0.global("torch", tensor.storageType) }
            pickle.string(tensor.storageKey)
            pickle.memoize()
            pickle.once("'cpu'", in: &shared) { $0.string("cpu") }
            pickle.pythonInt(tensor.elementCount)
            if legacy { pickle.raw([PickleOpcode.none]) }
            pickle.raw([PickleOpcode.tuple])
            pickle.memoize()
            pickle.raw([PickleOpcode.binPersId])
            pickle.pythonInt(0)
            pickle.pythonIntTuple(tensor.size)
            pickle.pythonIntTuple(tensor.stride)
            pickle.raw([PickleOpcode.newFalse])
            pickle.once("OrderedDict", in: &shared) { $0.global("collections", "OrderedDict") }
            pickle.raw([PickleOpcode.emptyTuple, PickleOpcode.reduce])
            pickle.memoize()
            pickle.raw([PickleOpcode.tuple])
            pickle.memoize()
            pickle.raw([PickleOpcode.reduce])
            pickle.memoize()
        }
        return pickle.bytes + [PickleOpcode.stop]
    }

    /// CPython's batching of dict items and list appends: groups of 1000, each `MARK ... many`,
    /// or the item and `one` for a group of one.
    private static func batched<Item>(_ items: [Item], into pickle: inout PickleWriter, one: UInt8, many: UInt8,
                                      write: (inout PickleWriter, Item) -> Void) {
        var start = 0
        while start < items.count {
            let group = items[start ..< min(start + 1000, items.count)]
            if group.count > 1 { pickle.raw([PickleOpcode.mark]) }
            for item in group { write(&pickle, item) }
            pickle.raw([group.count > 1 ? many : one])
            start += group.count
        }
    }
}

// MARK: - Storage layout

/// One tensor as the real file stores it: its storage bytes and the view that reads them as the
/// row-major tensor.
private struct StoredTensor {
    let key: String
    let storageKey: String
    let storageType: String
    let elementCount: Int
    let size: [Int]
    let stride: [Int]
    /// Raw little-endian storage bytes.
    let storage: [UInt8]

    /// 4-d [O, I, H, W] -> HWIO storage, stride (1, O, W*I*O, I*O); 2-d [R, C] -> transposed
    /// storage, stride (1, R); 3-d and 1-d contiguous; `num_batches_tracked` -> 0-d int64.
    init(key: String, storageKey: String, parameter: NamedParameter) {
        self.key = key
        self.storageKey = storageKey
        let shape = parameter.shape, values = parameter.values
        size = shape
        elementCount = values.count
        if key.hasSuffix("num_batches_tracked") {
            precondition(shape.isEmpty, "\(key) has shape \(shape), expected a 0-d counter")
            storageType = "LongStorage"
            stride = []
            storage = values.flatMap { littleEndianBytes(Int64($0)) }
            return
        }
        storageType = "FloatStorage"
        var order = [Int](0 ..< values.count)  // storage element -> row-major index
        switch shape.count {
        case 4:
            let (o, i, h, w) = (shape[0], shape[1], shape[2], shape[3])
            stride = [1, o, w * i * o, i * o]
            var s = 0
            for y in 0 ..< h { for x in 0 ..< w { for c in 0 ..< i { for n in 0 ..< o {
                order[s] = ((n * i + c) * h + y) * w + x
                s += 1
            } } } }
        case 2:
            let (rows, columns) = (shape[0], shape[1])
            stride = [1, rows]
            for column in 0 ..< columns { for row in 0 ..< rows { order[column * rows + row] = row * columns + column } }
        case 3:
            stride = [shape[1] * shape[2], shape[2], 1]
        case 1:
            stride = [1]
        default:
            preconditionFailure("\(key): no stored layout for shape \(shape)")
        }
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for (s, index) in order.enumerated() {
                raw.storeBytes(of: values[index].bitPattern.littleEndian, toByteOffset: s * 4, as: UInt32.self)
            }
        }
        storage = bytes
    }
}
