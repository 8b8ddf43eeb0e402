// Writes pickle protocol 2 opcode by opcode, for building .pth files in tests: hand-assembled
// hostile files (exact bytes, exact offsets) and full state dicts laid out as Python's pickler
// lays them out (memo puts and gets included), so they can be compared with torch.save's output.

// MARK: - Opcodes

/// The protocol-2 opcodes the writers emit.
public enum PickleOpcode {
    public static let proto: UInt8 = 0x80, stop: UInt8 = 0x2e
    public static let mark: UInt8 = 0x28, none: UInt8 = 0x4e, newTrue: UInt8 = 0x88, newFalse: UInt8 = 0x89
    public static let binInt: UInt8 = 0x4a, binInt1: UInt8 = 0x4b, binInt2: UInt8 = 0x4d, long1: UInt8 = 0x8a
    public static let binUnicode: UInt8 = 0x58, global: UInt8 = 0x63
    public static let emptyTuple: UInt8 = 0x29, tuple: UInt8 = 0x74
    public static let tuple1: UInt8 = 0x85, tuple2: UInt8 = 0x86, tuple3: UInt8 = 0x87
    public static let emptyList: UInt8 = 0x5d, append: UInt8 = 0x61, appends: UInt8 = 0x65
    public static let emptyDict: UInt8 = 0x7d, setItem: UInt8 = 0x73, setItems: UInt8 = 0x75
    public static let reduce: UInt8 = 0x52, binPersId: UInt8 = 0x51
    public static let binPut: UInt8 = 0x71, longBinPut: UInt8 = 0x72, binGet: UInt8 = 0x68, longBinGet: UInt8 = 0x6a
}

// MARK: - Writer

/// A pickle under construction: `bytes` starts with PROTO 2; callers append opcodes and the STOP.
///
/// Two integer encodings: `int` (BININT1, else an 8-byte LONG1; compact enough for hand-built
/// files whose byte offsets tests pin down) and `pythonInt` (the opcode CPython's pickler picks).
public struct PickleWriter {
    public private(set) var bytes: [UInt8] = [PickleOpcode.proto, 2]
    /// The next memo index `memoize()` assigns.
    public private(set) var memoCount = 0

    public init() {}

    public mutating func raw(_ opcodes: [UInt8]) { bytes += opcodes }

    /// BININT1 for 0...255, else LONG1 with 8 bytes.
    public mutating func int(_ value: Int) {
        if (0 ..< 256).contains(value) {
            bytes += [PickleOpcode.binInt1, UInt8(value)]
        } else {
            bytes += [PickleOpcode.long1, 8] + littleEndianBytes(Int64(value))
        }
    }

    /// As CPython's pickler writes an int: BININT1 (0...0xff), BININT2 (...0xffff), BININT
    /// (signed 32-bit), else LONG1 with the fewest two's-complement bytes.
    public mutating func pythonInt(_ value: Int) {
        switch value {
        case 0 ... 0xff: bytes += [PickleOpcode.binInt1, UInt8(value)]
        case 0 ... 0xffff: bytes += [PickleOpcode.binInt2] + littleEndianBytes(UInt16(value))
        case Int(Int32.min) ... Int(Int32.max): bytes += [PickleOpcode.binInt] + littleEndianBytes(Int32(value))
        default:
            var digits = littleEndianBytes(Int64(value))
            // Drop redundant sign-extension bytes, keeping the sign bit of the last one right.
            while digits.count > 1 {
                let last = digits[digits.count - 1], previous = digits[digits.count - 2]
                guard (last == 0 && previous < 0x80) || (last == 0xff && previous >= 0x80) else { break }
                digits.removeLast()
            }
            bytes += [PickleOpcode.long1, UInt8(digits.count)] + digits
        }
    }

    /// BINUNICODE (what protocol 2 uses for every str).
    public mutating func string(_ text: String) {
        bytes += [PickleOpcode.binUnicode] + littleEndianBytes(UInt32(text.utf8.count)) + Array(text.utf8)
    }

    /// GLOBAL `module\nname\n`.
    public mutating func global(_ module: String, _ name: String) {
        bytes += [PickleOpcode.global] + Array("\(module)\n\(name)\n".utf8)
    }

    /// MARK, each value as `int`, TUPLE (no memo, no short tuple opcodes).
    public mutating func intTuple(_ values: [Int]) {
        bytes += [PickleOpcode.mark]
        values.forEach { int($0) }
        bytes += [PickleOpcode.tuple]
    }

    // MARK: - Memo

    /// BINPUT (LONG_BINPUT from index 256 on) of the object on top of the stack; returns its index.
    @discardableResult
    public mutating func memoize() -> Int {
        let index = memoCount
        memoCount += 1
        if index < 256 {
            bytes += [PickleOpcode.binPut, UInt8(index)]
        } else {
            bytes += [PickleOpcode.longBinPut] + littleEndianBytes(UInt32(index))
        }
        return index
    }

    /// BINGET (LONG_BINGET from index 256 on).
    public mutating func get(_ index: Int) {
        if index < 256 {
            bytes += [PickleOpcode.binGet, UInt8(index)]
        } else {
            bytes += [PickleOpcode.longBinGet] + littleEndianBytes(UInt32(index))
        }
    }

    /// Writes an object CPython memoizes, or fetches it if this pickle has written it before:
    /// `memo[name]` remembers the index. Globals and strings shared by identity in Python
    /// (the rebuild function, storage classes, 'storage', 'cpu') go through here.
    public mutating func once(_ name: String, in memo: inout [String: Int], write: (inout PickleWriter) -> Void) {
        if let index = memo[name] {
            get(index)
        } else {
            write(&self)
            memo[name] = memoize()
        }
    }

    /// A tuple of ints as CPython pickles it: EMPTY_TUPLE (not memoized), TUPLE1/2/3, or MARK ...
    /// TUPLE, then BINPUT.
    public mutating func pythonIntTuple(_ values: [Int]) {
        if values.isEmpty {
            bytes += [PickleOpcode.emptyTuple]
            return
        }
        if values.count > 3 { bytes += [PickleOpcode.mark] }
        values.forEach { pythonInt($0) }
        switch values.count {
        case 1: bytes += [PickleOpcode.tuple1]
        case 2: bytes += [PickleOpcode.tuple2]
        case 3: bytes += [PickleOpcode.tuple3]
        default: bytes += [PickleOpcode.tuple]
        }
        memoize()
    }

    // MARK: - Hand-built tensors

    /// `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel, None), offset, size, stride,
    /// False, OrderedDict())`, unmemoized, with `int` encodings (the hostile tests' building block).
    public mutating func tensor(type: String = "FloatStorage", key: String, numel: Int, offset: Int = 0,
                                size: [Int], stride: [Int]) {
        global("torch._utils", "_rebuild_tensor_v2")
        bytes += [PickleOpcode.mark, PickleOpcode.mark]  // arguments, persistent id
        string("storage")
        global("torch", type)
        string(key)
        string("cpu")
        int(numel)
        bytes += [PickleOpcode.none, PickleOpcode.tuple, PickleOpcode.binPersId]
        int(offset)
        intTuple(size)
        intTuple(stride)
        bytes += [PickleOpcode.newFalse]
        global("collections", "OrderedDict")
        bytes += [PickleOpcode.emptyTuple, PickleOpcode.reduce, PickleOpcode.tuple, PickleOpcode.reduce]
    }
}

// MARK: - Bytes

/// The little-endian bytes of an integer.
public func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian, Array.init)
}
