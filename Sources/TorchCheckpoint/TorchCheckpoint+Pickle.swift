// What a state-dict pickle may say: the few globals torch.save uses for a dict of tensors,
// built symbolically into storage and tensor references. Nothing is ever called.

import UntrustedInput

// MARK: - References

/// Element types of torch storages, keyed by their legacy storage class name (`torch.FloatStorage`).
enum TorchScalarType: String, CaseIterable {
    case float32 = "FloatStorage", float64 = "DoubleStorage", float16 = "HalfStorage"
    case bfloat16 = "BFloat16Storage", int64 = "LongStorage", int32 = "IntStorage"
    case int16 = "ShortStorage", int8 = "CharStorage", uint8 = "ByteStorage", bool = "BoolStorage"

    var byteWidth: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// The types fidviz turns into values; the others are named in a clear error.
    var isSupported: Bool { [.float32, .float64, .float16, .int64].contains(self) }
}

/// A storage named by a persistent id: `elementCount` elements of `scalarType` whose bytes are
/// found under `key` (the legacy file's storage key, or the zip's `<archive>/data/<key>`).
struct TorchStorageReference: Equatable {
    let key: String
    let scalarType: TorchScalarType
    let elementCount: Int

    /// `elementCount * byteWidth`, or nil if that overflows.
    var byteCount: Int? {
        let (bytes, overflow) = elementCount.multipliedReportingOverflow(by: scalarType.byteWidth)
        return overflow ? nil : bytes
    }
}

/// What `_rebuild_tensor_v2(storage, storage_offset, size, stride, ...)` describes: element
/// `[i0, i1, ...]` of the tensor is storage element `storageOffset + sum_k i_k * strides[k]`.
/// Not yet checked against the storage (see TorchCheckpoint+Strided.swift).
struct TorchTensorReference {
    let storage: TorchStorageReference
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
}

// MARK: - Resolver

/// Resolves a state-dict pickle: allows `collections.OrderedDict`, `torch._utils._rebuild_tensor`,
/// `_rebuild_tensor_v2`, `_rebuild_parameter(_with_state)` and `torch.<Type>Storage`; refuses
/// everything else. Collects the storages the persistent ids declare.
struct StateDictResolver: PickleResolver {
    /// Every storage declared so far, by key.
    private(set) var storages: [String: TorchStorageReference] = [:]

    private static let callables: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
    ]

    /// Most dimensions accepted for one tensor.
    static var maximumRank: Int { 16 }

    func resolveGlobal(module: String, name: String) throws -> PickleValue {
        let qualified = "\(module).\(name)"
        if Self.callables.contains(qualified) || (module == "torch" && TorchScalarType(rawValue: name) != nil) {
            return .global(qualified)
        }
        throw PickleRefusal(.forbidden, "refusing to load global '\(UntrustedText.printable(qualified))': a state dict needs only "
            + "collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.*Storage, so this file "
            + "may be malicious (do not open it with torch.load either)")
    }

    /// `('storage', torch.<Type>Storage, key, location, numel)` (zip) or the same with a sixth
    /// `view_metadata` that must be None (legacy).
    mutating func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard let items = id.tupleItems, items.first?.string == "storage", items.count == 5 || items.count == 6
        else {
            throw PickleRefusal(.malformed, "a persistent id is \(id.kindName), not a ('storage', type, key, "
                + "location, numel) tuple; the file is corrupt")
        }
        guard case .global(let typeName) = items[1], typeName.hasPrefix("torch."),
              let scalarType = TorchScalarType(rawValue: String(typeName.dropFirst(6))),
              let key = items[2].string, items[3].string != nil,
              let elementCount = items[4].integer, elementCount >= 0
        else {
            throw PickleRefusal(.malformed, "a storage persistent id has the wrong field types; the file is corrupt")
        }
        if items.count == 6 {
            guard case .pythonNone = items[5] else {
                throw PickleRefusal(.unsupported, "storage '\(UntrustedText.printable(key))' is a storage view (view_metadata), written "
                    + "only by very old PyTorch; re-save the state dict with a current torch.save")
            }
        }
        let storage = TorchStorageReference(key: key, scalarType: scalarType, elementCount: Int(elementCount))
        if let earlier = storages[key], earlier != storage {
            throw PickleRefusal(.malformed, "storage '\(UntrustedText.printable(key))' is declared twice with different types or sizes; "
                + "the file is corrupt or hostile")
        }
        storages[key] = storage
        return .storage(storage)
    }

    func reduce(_ callable: PickleValue, arguments: [PickleValue]) throws -> PickleValue {
        guard case .global(let name) = callable else {
            throw PickleRefusal(.malformed, "the pickle calls \(callable.kindName); the file is corrupt")
        }
        switch name {
        case "collections.OrderedDict":
            guard arguments.isEmpty else {
                throw PickleRefusal(.unsupported, "OrderedDict is called with arguments; torch.save never does that")
            }
            return .dict(PickleDictionary())
        case "torch._utils._rebuild_tensor_v2" where (6...7).contains(arguments.count),
             "torch._utils._rebuild_tensor" where arguments.count == 4:
            return .tensor(try Self.tensor(arguments))
        case "torch._utils._rebuild_parameter" where arguments.count == 3,
             "torch._utils._rebuild_parameter_with_state" where arguments.count == 4:
            guard case .tensor = arguments[0] else {
                throw PickleRefusal(.malformed, "\(name) wraps \(arguments[0].kindName), not a tensor")
            }
            return arguments[0]
        default:
            throw PickleRefusal(.malformed, "cannot call \(name) with \(arguments.count) arguments; "
                + "the file is corrupt or not a state dict")
        }
    }

    /// BUILD sets an OrderedDict's attributes (torch stores `_metadata` there): ignored.
    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue {
        guard case .dict = object else {
            throw PickleRefusal(.malformed, "BUILD on \(object.kindName) is not part of a state dict")
        }
        return object
    }

    /// A tensor reference from `(storage, storage_offset, size, stride, ...)`.
    private static func tensor(_ arguments: [PickleValue]) throws -> TorchTensorReference {
        guard case .storage(let storage) = arguments[0], let offset = arguments[1].integer,
              let shape = integers(arguments[2]), let strides = integers(arguments[3])
        else {
            throw PickleRefusal(.malformed, "a tensor is rebuilt from arguments of the wrong types "
                + "(expected storage, offset, size tuple, stride tuple); the file is corrupt")
        }
        guard shape.count <= maximumRank else {
            throw PickleRefusal(.unsupported, "a tensor has \(shape.count) dimensions, more than \(maximumRank)")
        }
        return TorchTensorReference(storage: storage, storageOffset: Int(offset), shape: shape, strides: strides)
    }

    /// The items of a tuple of ints, or nil.
    private static func integers(_ value: PickleValue) -> [Int]? {
        guard let items = value.tupleItems else { return nil }
        var integers: [Int] = []
        integers.reserveCapacity(items.count)
        for item in items {
            guard let integer = item.integer else { return nil }
            integers.append(Int(integer))
        }
        return integers
    }
}

// MARK: - The state dict

extension TorchCheckpoint {
    /// The (key, tensor) pairs of an unpickled state dict, in pickle order.
    static func stateDictEntries(_ object: PickleValue) throws -> [(key: String, tensor: TorchTensorReference)] {
        guard case .dict(let dictionary) = object else {
            throw CheckpointProblem(.unsupported, "the checkpoint holds \(object.kindName), not a state dict "
                + "(a dict of tensors); save it with torch.save(model.state_dict(), path)")
        }
        return try dictionary.entries.map { entry in
            guard let key = entry.key.string else {
                throw CheckpointProblem(.unsupported, "a state-dict key is \(entry.key.kindName), not a string")
            }
            guard case .tensor(let tensor) = entry.value else {
                throw CheckpointProblem(.unsupported, key: key, "holds \(entry.value.kindName), not a tensor; "
                    + "fidviz reads plain state dicts saved with torch.save(model.state_dict(), path)")
            }
            return (key, tensor)
        }
    }

    /// Unpickles one pickle at `position`, mapping failures to checkpoint problems.
    static func unpickle<Resolver: PickleResolver>(
        _ bytes: UnsafeRawBufferPointer, at position: Int, resolver: Resolver, entry: String? = nil,
        limits: Limits = .current
    ) throws -> (value: PickleValue, end: Int, resolver: Resolver) {
        var unpickler = Unpickler(bytes: bytes, position: position, resolver: resolver, limits: limits)
        do {
            let value = try unpickler.load()
            return (value, unpickler.position, unpickler.resolver)
        } catch let failure as PickleFailure {
            throw CheckpointProblem(failure, entry: entry)
        }
    }
}
