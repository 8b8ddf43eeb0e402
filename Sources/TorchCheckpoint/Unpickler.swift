// The opcode machine of the restricted unpickler (values and rules are in Pickle.swift).
//
// It reads the binary opcodes of pickle protocols 2-5 that torch.save and plain containers use.
// Opcodes that construct arbitrary objects (INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT*) are refused;
// GLOBAL, REDUCE, BUILD and BINPERSID go through the resolver, which builds symbolic values only.
// Every length is checked against the bytes that remain before anything is read or allocated.

import UntrustedInput

/// Reads one pickle (up to its STOP opcode) from a byte buffer.
///
/// Edge cases: the memo is a dictionary, so a huge memo key allocates nothing; marks behave like
/// Python's metastack (a pop never reaches below the newest mark); the number of values and the
/// nesting depth are bounded (`Limits.maxPickleValues`, `maxPickleDepth`), so a hostile pickle
/// cannot exhaust memory or the stack. Containers are values, so appending to one that is shared
/// (DUP, a memo copy, an element of another) copies it; copied elements count as values, so a
/// pickle cannot make memory grow with the square of its length.
struct Unpickler<Resolver: PickleResolver> {
    /// Deepest container nesting accepted; a state dict needs about 5.
    let maximumDepth: Int
    /// Most values (stack pushes, memo entries, elements copied) accepted; a 566-tensor state
    /// dict needs ~20k.
    let maximumValues: Int

    private struct StackEntry {
        var value: PickleValue
        /// The memo slot holding a copy of this value, kept in step when the value is mutated.
        var memoKey: Int?
    }

    private let bytes: UnsafeRawBufferPointer
    /// Offset of the next unread byte in `bytes`.
    private(set) var position: Int
    private(set) var resolver: Resolver
    private var stack: [StackEntry] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var valuesCreated = 0
    private var opcodeOffset = 0
    private var opcode: UInt8 = 0

    init(bytes: UnsafeRawBufferPointer, position: Int = 0, resolver: Resolver, limits: Limits = .current) {
        precondition(position >= 0 && position <= bytes.count, "start \(position) outside 0...\(bytes.count)")
        self.bytes = bytes
        self.position = position
        self.resolver = resolver
        self.maximumDepth = limits.maxPickleDepth
        self.maximumValues = limits.maxPickleValues
    }

    /// Runs from `position` to the STOP opcode and returns the pickled object; afterwards
    /// `position` is just past STOP. Throws `PickleFailure` (offsets index `bytes`).
    mutating func load() throws -> PickleValue {
        while true {
            opcodeOffset = position
            opcode = try read(1, what: "an opcode")[0]
            do {
                if let result = try execute() { return result }
            } catch let refusal as PickleRefusal {
                throw PickleFailure(kind: refusal.kind, offset: opcodeOffset, message: refusal.message)
            }
        }
    }

    // MARK: - Opcodes

    /// Executes `opcode`; returns the result at STOP, nil otherwise.
    private mutating func execute() throws -> PickleValue? {
        switch opcode {
        case 0x80:  // PROTO
            let version = try readInteger(UInt8.self)
            guard version >= 2 && version <= 5 else {
                throw failure(.unsupported, "pickle protocol \(version) is not supported (expected 2 to 5)")
            }
        case 0x95:  // FRAME: a length hint; only checked, frames need no buffering here
            let length = try readInteger(UInt64.self)
            guard length <= UInt64(bytes.count - position) else {
                throw truncated(needing: length, what: "a pickle frame")
            }
        case 0x2e:  // STOP
            return try pop()
        case 0x28:  // MARK
            marks.append(stack.count)
        case 0x30:  // POP (pops the mark itself when nothing is above it, as Python does)
            if stack.count == markBase, !marks.isEmpty { marks.removeLast() } else { _ = try pop() }
        case 0x31:  // POP_MARK
            _ = try popToMark()
        case 0x32:  // DUP
            try push(try top())

        // MARK: Scalars
        case 0x4e: try push(.pythonNone)                                       // NONE
        case 0x88: try push(.bool(true))                                       // NEWTRUE
        case 0x89: try push(.bool(false))                                      // NEWFALSE
        case 0x4b: try push(.int(Int64(try readInteger(UInt8.self))))          // BININT1
        case 0x4d: try push(.int(Int64(try readInteger(UInt16.self))))         // BININT2
        case 0x4a: try push(.int(Int64(try readInteger(Int32.self))))          // BININT
        case 0x8a: try push(try readLong(length: Int(try readInteger(UInt8.self))))  // LONG1
        case 0x8b:                                                             // LONG4
            let length = try readInteger(Int32.self)
            guard length >= 0 else { throw failure(.malformed, "negative LONG4 length \(length)") }
            try push(try readLong(length: Int(length)))
        case 0x47:  // BINFLOAT: big-endian IEEE double
            try push(.float(Double(bitPattern: UInt64(bigEndian: try readRaw(UInt64.self)))))
        case 0x8c: try push(.string(try readString(length: UInt64(try readInteger(UInt8.self)))))   // SHORT_BINUNICODE
        case 0x58: try push(.string(try readString(length: UInt64(try readInteger(UInt32.self)))))  // BINUNICODE
        case 0x8d: try push(.string(try readString(length: try readInteger(UInt64.self))))          // BINUNICODE8
        case 0x43: try push(.bytes(Array(try read(UInt64(try readInteger(UInt8.self)), what: "bytes"))))   // SHORT_BINBYTES
        case 0x42: try push(.bytes(Array(try read(UInt64(try readInteger(UInt32.self)), what: "bytes"))))  // BINBYTES
        case 0x8e: try push(.bytes(Array(try read(try readInteger(UInt64.self), what: "bytes"))))           // BINBYTES8

        // MARK: Containers
        case 0x29: try push(.tuple(PickleSequence()))                          // EMPTY_TUPLE
        case 0x85, 0x86, 0x87:                                                 // TUPLE1, TUPLE2, TUPLE3
            let count = Int(opcode - 0x84)
            guard stack.count - markBase >= count else { throw underflow() }
            let items = stack[(stack.count - count)...].map(\.value)
            stack.removeLast(count)
            try push(.tuple(PickleSequence(items)))
        case 0x74: try push(.tuple(PickleSequence(try popToMark())))           // TUPLE
        case 0x5d: try push(.list(PickleSequence()))                           // EMPTY_LIST
        case 0x6c: try push(.list(PickleSequence(try popToMark())))            // LIST
        case 0x7d: try push(.dict(PickleDictionary()))                         // EMPTY_DICT
        case 0x64:                                                             // DICT
            let flat = try popToMark()
            try Self.checkPairs(flat, offset: opcodeOffset)
            var dictionary = PickleDictionary()
            dictionary.append(pairs: flat[...])
            try push(.dict(dictionary))
        case 0x61:                                                             // APPEND
            let item = try pop()
            try appendToTop(CollectionOfOne(item))
        case 0x65:                                                             // APPENDS
            let items = try popToMark()
            try appendToTop(items)
        case 0x73:                                                             // SETITEM
            let value = try pop(), key = try pop()
            try setItemsOfTop([key, value])
        case 0x75:                                                             // SETITEMS
            try setItemsOfTop(try popToMark())

        // MARK: Memo
        case 0x71: try memoize(key: Int(try readInteger(UInt8.self)))          // BINPUT
        case 0x72: try memoize(key: Int(try readInteger(UInt32.self)))         // LONG_BINPUT
        case 0x94: try memoize(key: memo.count)                                // MEMOIZE
        case 0x68: try recall(key: Int(try readInteger(UInt8.self)))           // BINGET
        case 0x6a: try recall(key: Int(try readInteger(UInt32.self)))          // LONG_BINGET

        // MARK: Through the resolver
        case 0x63:                                                             // GLOBAL
            let module = try readLine(), name = try readLine()
            try push(try resolver.resolveGlobal(module: module, name: name))
        case 0x93:                                                             // STACK_GLOBAL
            let name = try pop(), module = try pop()
            guard let moduleName = module.string, let globalName = name.string else {
                throw failure(.malformed, "STACK_GLOBAL needs two strings, got \(module.kindName) and \(name.kindName)")
            }
            try push(try resolver.resolveGlobal(module: moduleName, name: globalName))
        case 0x51:                                                             // BINPERSID
            try push(try resolver.persistentLoad(try pop()))
        case 0x52:                                                             // REDUCE
            let arguments = try pop(), callable = try pop()
            guard let items = arguments.tupleItems else {
                throw failure(.malformed, "REDUCE needs an argument tuple, got \(arguments.kindName)")
            }
            try push(try resolver.reduce(callable, arguments: items))
        case 0x62:                                                             // BUILD
            let state = try pop(), object = try pop()
            try push(try resolver.build(object, state: state))

        case 0x69, 0x6f, 0x81, 0x92, 0x82, 0x83, 0x84:  // INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1, EXT2, EXT4
            throw failure(.forbidden, "refusing pickle opcode 0x\(hex(opcode)): it constructs arbitrary "
                + "objects, which a state dict never needs; the file may be malicious")
        default:
            throw failure(.unsupported, "unsupported pickle opcode 0x\(hex(opcode)); fidviz reads the binary "
                + "pickles torch.save writes (protocol 2 or later)")
        }
        return nil
    }

    // MARK: - Stack

    /// Index of the first stack slot above the newest mark.
    private var markBase: Int { marks.last ?? 0 }

    private mutating func push(_ value: PickleValue) throws {
        try count(1)
        guard value.depth <= maximumDepth else { throw tooDeep() }
        stack.append(StackEntry(value: value))
    }

    /// Counts `values` more values created (or elements copied) against `maximumValues`.
    private mutating func count(_ values: Int) throws {
        valuesCreated += values
        guard valuesCreated <= maximumValues else {
            throw failure(.unsupported, "the pickle holds more than \(maximumValues) values, far more "
                + "than a state dict needs; refusing to continue")
        }
    }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > markBase else { throw underflow() }
        return stack.removeLast().value
    }

    private func top() throws -> PickleValue {
        guard stack.count > markBase else { throw underflow() }
        return stack[stack.count - 1].value
    }

    /// Removes the newest mark and returns the values above it, oldest first.
    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else {
            throw failure(.malformed, "opcode 0x\(hex(opcode)) needs a MARK but none is open")
        }
        let items = stack[mark...].map(\.value)
        stack.removeSubrange(mark...)
        return items
    }

    // MARK: - Mutating containers

    /// Appends to the list on top of the stack (APPEND, APPENDS).
    private mutating func appendToTop(_ items: some Collection<PickleValue>) throws {
        let offset = opcodeOffset
        var copied = 0
        try mutateTop { value in
            guard case .list(var sequence) = value else {
                throw PickleFailure(kind: .malformed, offset: offset, message: "cannot append to \(value.kindName)")
            }
            value = .pythonNone  // drop the second reference so the append happens in place
            copied = sequence.append(contentsOf: items)
            value = .list(sequence)
        }
        try count(copied)
    }

    /// Adds `[k0, v0, k1, v1, ...]` to the dict on top of the stack (SETITEM, SETITEMS).
    private mutating func setItemsOfTop(_ flat: [PickleValue]) throws {
        let offset = opcodeOffset
        try Self.checkPairs(flat, offset: offset)
        var copied = 0
        try mutateTop { value in
            guard case .dict(var dictionary) = value else {
                throw PickleFailure(kind: .malformed, offset: offset, message: "cannot set items of \(value.kindName)")
            }
            value = .pythonNone  // drop the second reference so the items are added in place
            copied = dictionary.append(pairs: flat[...])
            value = .dict(dictionary)
        }
        try count(copied)
    }

    private static func checkPairs(_ flat: [PickleValue], offset: Int) throws {
        guard flat.count % 2 == 0 else {
            throw PickleFailure(kind: .malformed, offset: offset,
                                message: "dict items must come in key-value pairs, got \(flat.count) values")
        }
    }

    /// Mutates the top value in place (no copy of a big container per opcode) and keeps its
    /// memo copy, if any, in step, as Python's shared objects would be.
    private mutating func mutateTop(_ body: (inout PickleValue) throws -> Void) throws {
        guard stack.count > markBase else { throw underflow() }
        let index = stack.count - 1
        let memoKey = stack[index].memoKey
        var value = stack[index].value
        stack[index].value = .pythonNone
        if let memoKey { memo.removeValue(forKey: memoKey) }
        try body(&value)
        guard value.depth <= maximumDepth else { throw tooDeep() }
        stack[index].value = value
        if let memoKey { memo[memoKey] = value }
    }

    // MARK: - Memo

    private mutating func memoize(key: Int) throws {
        guard stack.count > markBase else { throw underflow() }
        guard memo.count < maximumValues else {
            throw failure(.unsupported, "the pickle memoizes more than \(maximumValues) values; refusing to continue")
        }
        memo[key] = stack[stack.count - 1].value
        stack[stack.count - 1].memoKey = key
    }

    private mutating func recall(key: Int) throws {
        guard let value = memo[key] else { throw failure(.malformed, "memo slot \(key) is read before it is set") }
        try push(value)
        stack[stack.count - 1].memoKey = key
    }

    // MARK: - Reading bytes

    /// The next `count` bytes; a truncation error if fewer remain.
    private mutating func read(_ count: UInt64, what: String) throws -> UnsafeRawBufferPointer {
        guard count <= UInt64(bytes.count - position) else { throw truncated(needing: count, what: what) }
        let start = position
        position += Int(count)
        return UnsafeRawBufferPointer(rebasing: bytes[start ..< position])
    }

    /// A fixed-width integer in the machine's byte order (callers convert).
    private mutating func readRaw<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try read(UInt64(MemoryLayout<T>.size), what: "an opcode argument").loadUnaligned(as: T.self)
    }

    /// A little-endian fixed-width integer.
    private mutating func readInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        T(littleEndian: try readRaw(type))
    }

    /// A LONG1/LONG4 payload: little-endian two's complement of `length` bytes.
    private mutating func readLong(length: Int) throws -> PickleValue {
        let digits = try read(UInt64(length), what: "a long integer")
        guard length > 0 else { return .int(0) }
        let negative = digits[length - 1] & 0x80 != 0
        let fill: UInt8 = negative ? 0xff : 0x00
        // Bytes beyond the eighth that only repeat the sign fold into an Int64.
        if length > 8, digits[8...].contains(where: { $0 != fill }) || (digits[7] & 0x80 != 0) != negative {
            return .bigInt(Array(digits))
        }
        var pattern: UInt64 = negative ? ~0 : 0
        for index in 0 ..< min(length, 8) {
            let shift = UInt64(8 * index)
            pattern = pattern & ~(0xff << shift) | UInt64(digits[index]) << shift
        }
        return .int(Int64(bitPattern: pattern))
    }

    private mutating func readString(length: UInt64) throws -> String {
        let utf8 = try read(length, what: "a string")
        guard let string = String(bytes: utf8, encoding: .utf8) else {
            throw failure(.malformed, "a pickled string is not valid UTF-8")
        }
        return string
    }

    /// A newline-terminated ASCII line (GLOBAL's module and name), at most 256 bytes.
    private mutating func readLine() throws -> String {
        let limit = min(bytes.count, position + 256)
        guard let newline = bytes[position ..< limit].firstIndex(of: 0x0a) else {
            if limit == bytes.count { throw truncated(needing: UInt64(limit - position + 1), what: "a GLOBAL name") }
            throw failure(.malformed, "a GLOBAL name is longer than 256 bytes")
        }
        let line = try read(UInt64(newline - position), what: "a GLOBAL name")
        position += 1
        guard let string = String(bytes: line, encoding: .utf8) else {
            throw failure(.malformed, "a GLOBAL name is not valid UTF-8")
        }
        return string
    }

    // MARK: - Errors

    private func failure(_ kind: PickleFailure.Kind, _ message: String) -> PickleFailure {
        PickleFailure(kind: kind, offset: opcodeOffset, message: message)
    }

    private func truncated(needing count: UInt64, what: String) -> PickleFailure {
        let remaining = bytes.count - position
        return PickleFailure(kind: .truncated, offset: position,
                             message: "the pickle is cut off in \(what) (\(count) byte\(count == 1 ? "" : "s") "
                                + "needed, \(remaining) left); the file is truncated, download it again")
    }

    private func underflow() -> PickleFailure {
        failure(.malformed, "pickle opcode 0x\(hex(opcode)) finds too few values on the stack; the file is corrupt")
    }

    private func tooDeep() -> PickleFailure {
        failure(.unsupported, "the pickle nests containers deeper than \(maximumDepth) levels; "
            + "a state dict never does")
    }
}

/// Two lowercase hex digits.
private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
}
