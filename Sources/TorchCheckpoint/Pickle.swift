// Values and rules of the restricted unpickler (see Unpickler.swift for the opcode machine).
//
// Python's pickle is a small stack language whose GLOBAL/REDUCE opcodes can call any function;
// `torch.load` on an untrusted file is therefore arbitrary code execution. fidviz never calls
// anything: the machine resolves globals, persistent ids and calls through a `PickleResolver`
// that knows a handful of names and builds symbolic values for them.

import UntrustedInput

// MARK: - Values

/// One value on the unpickler's stack.
///
/// Containers are immutable snapshots with value semantics, so a hostile pickle cannot build a
/// cycle; each container stores its nesting depth so the machine can bound it without walking.
enum PickleValue {
    /// Python's None (named so it cannot be confused with `Optional.none`).
    case pythonNone
    case bool(Bool)
    case int(Int64)
    /// A LONG1/LONG4 integer wider than 64 bits: little-endian two's complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleSequence)
    case list(PickleSequence)
    case dict(PickleDictionary)
    /// A global the resolver allowed, as "module.name". It is a name, never a callable.
    case global(String)
    /// What a storage persistent id stands for (see TorchCheckpoint+Pickle.swift).
    case storage(TorchStorageReference)
    /// What `torch._utils._rebuild_tensor_v2(...)` would have built.
    case tensor(TorchTensorReference)

    /// Nesting depth: 0 for scalars, 1 + the deepest element for containers.
    var depth: Int {
        switch self {
        case .tuple(let sequence), .list(let sequence): return sequence.depth
        case .dict(let dictionary): return dictionary.depth
        default: return 0
        }
    }

    /// A short name for error messages; never prints contents (they may be huge or hostile).
    var kindName: String {
        switch self {
        case .pythonNone: return "None"
        case .bool: return "a bool"
        case .int, .bigInt: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .tuple(let sequence): return "a tuple of \(sequence.items.count)"
        case .list: return "a list"
        case .dict: return "a dict"
        case .global(let name): return "the global '\(UntrustedText.printable(name))'"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }

    /// The payload of `.int`, or nil.
    var integer: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The payload of `.string`, or nil.
    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The items of a tuple, or nil.
    var tupleItems: [PickleValue]? {
        if case .tuple(let sequence) = self { return sequence.items }
        return nil
    }
}

/// Items of a tuple or list with their nesting depth.
struct PickleSequence {
    private(set) var items: [PickleValue]
    private(set) var depth: Int

    init(_ items: [PickleValue] = []) {
        self.items = items
        self.depth = 1 + (items.lazy.map(\.depth).max() ?? 0)
    }

    /// Appends `newItems`; returns how many items already held were copied to make room (all of
    /// them when the storage was shared with another value or had to grow, else 0).
    @discardableResult
    mutating func append(contentsOf newItems: some Collection<PickleValue>) -> Int {
        let held = items.count
        let storage = items.withUnsafeBufferPointer { $0.baseAddress }
        items.append(contentsOf: newItems)
        depth = max(depth, 1 + (newItems.lazy.map(\.depth).max() ?? 0))
        return items.withUnsafeBufferPointer { $0.baseAddress } == storage ? 0 : held
    }
}

/// Key-value pairs of a dict in insertion order (a later duplicate key wins when read).
struct PickleDictionary {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private(set) var depth = 1

    /// Appends pairs taken from a flat `[k0, v0, k1, v1, ...]` slice of even length; returns how
    /// many entries already held were copied to make room (see `PickleSequence.append`).
    @discardableResult
    mutating func append(pairs flat: ArraySlice<PickleValue>) -> Int {
        precondition(flat.count % 2 == 0, "dict items come in pairs, got \(flat.count) values")
        let held = entries.count
        let storage = entries.withUnsafeBufferPointer { $0.baseAddress }
        var index = flat.startIndex
        while index < flat.endIndex {
            let key = flat[index], value = flat[index + 1]
            entries.append((key, value))  // amortised growth: no reserveCapacity per batch
            depth = max(depth, 1 + max(key.depth, value.depth))
            index += 2
        }
        return entries.withUnsafeBufferPointer { $0.baseAddress } == storage ? 0 : held
    }
}

// MARK: - Rules

/// Decides what GLOBAL, BINPERSID, REDUCE and BUILD mean. Anything it does not recognise it
/// refuses by throwing `PickleRefusal`; the machine adds the byte offset.
protocol PickleResolver {
    /// The value for `module.name` (GLOBAL, STACK_GLOBAL).
    mutating func resolveGlobal(module: String, name: String) throws -> PickleValue
    /// The value a persistent id stands for (BINPERSID).
    mutating func persistentLoad(_ id: PickleValue) throws -> PickleValue
    /// The value of `callable(*arguments)` (REDUCE), built symbolically.
    mutating func reduce(_ callable: PickleValue, arguments: [PickleValue]) throws -> PickleValue
    /// The value of `object.__setstate__(state)` (BUILD), built symbolically.
    mutating func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue
}

/// A resolver for pickles that may hold plain values only (torch's header pickles).
struct PlainValuesOnly: PickleResolver {
    func resolveGlobal(module: String, name: String) throws -> PickleValue {
        throw PickleRefusal(.forbidden, "refusing to load global '\(UntrustedText.printable("\(module).\(name)"))' in a header pickle, "
            + "which may hold plain values only; the file may be malicious")
    }
    func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        throw PickleRefusal(.malformed, "unexpected persistent id in a header pickle; the file is corrupt")
    }
    func reduce(_ callable: PickleValue, arguments: [PickleValue]) throws -> PickleValue {
        throw PickleRefusal(.malformed, "unexpected call (REDUCE) in a header pickle; the file is corrupt")
    }
    func build(_ object: PickleValue, state: PickleValue) throws -> PickleValue {
        throw PickleRefusal(.malformed, "unexpected BUILD in a header pickle; the file is corrupt")
    }
}

// MARK: - Errors

/// A resolver's refusal; the machine turns it into a `PickleFailure` at the current opcode.
struct PickleRefusal: Error {
    let kind: PickleFailure.Kind
    let message: String
    init(_ kind: PickleFailure.Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// Why a pickle could not be read, at which byte offset of the buffer given to the machine.
struct PickleFailure: Error {
    enum Kind { case truncated, forbidden, malformed, unsupported }
    let kind: Kind
    let offset: Int
    let message: String
}
