import Foundation
import UntrustedInput

// The .npy header is a Python dict literal, e.g.
//   {'descr': '<f8', 'fortran_order': False, 'shape': (2048, 2048), }
// padded with spaces and a final '\n' so that the data starts on a 64-byte boundary.
// This file parses the small literal subset numpy writes (no eval) and formats headers back.

// MARK: - Element types

/// The element types fidviz reads, from a header's 'descr'.
enum NpyElementType: Equatable {
    case float32, float64, int64, int32, uint8
    /// '<U<n>': n UTF-32LE code units per element.
    case unicode(width: Int)

    /// Bytes per element.
    var itemSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8: return 1
        case .unicode(let width): return 4 * width
        }
    }

    /// The numpy type string fidviz writes for this type.
    var descr: String {
        switch self {
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int64: return "<i8"
        case .int32: return "<i4"
        case .uint8: return "|u1"
        case .unicode(let width): return "<U\(width)"
        }
    }

    static let supportedList = "'<f4', '<f8', '<i8', '<i4', '|u1' and '<U<n>'"

    /// The widest '<U<n>' numpy can make: its item size (4n bytes) is a C int.
    static let maxUnicodeWidth = Int(Int32.max) / 4

    /// Maps a 'descr' string to an element type, or returns why it is refused.
    static func parse(_ descr: String) -> Result<NpyElementType, DescrRefusal> {
        switch descr {
        case "<f4": return .success(.float32)
        case "<f8": return .success(.float64)
        case "<i8": return .success(.int64)
        case "<i4": return .success(.int32)
        case "|u1", "<u1": return .success(.uint8)
        default: break
        }
        if descr.hasPrefix("<U"), let width = Int(descr.dropFirst(2)), width >= 0,
            String(width) == descr.dropFirst(2)
        {
            guard width <= maxUnicodeWidth else {
                return .failure(DescrRefusal("string dtype '\(UntrustedText.printable(descr))' is wider than numpy "
                    + "allows (at most \(maxUnicodeWidth) characters); the file is corrupt or hostile"))
            }
            return .success(.unicode(width: width))
        }
        if descr.dropFirst().hasPrefix("O") {
            return .failure(
                DescrRefusal(
                    "object arrays ('\(UntrustedText.printable(descr))') are refused: reading them needs pickle, which can "
                        + "run arbitrary code; save the data with a numeric or string dtype"))
        }
        if descr.hasPrefix(">") {
            return .failure(
                DescrRefusal(
                    "big-endian dtype '\(UntrustedText.printable(descr))' is not supported; save it little-endian "
                        + "(a.astype('<\(UntrustedText.printable(descr.dropFirst()))'))"))
        }
        return .failure(
            DescrRefusal("unsupported dtype '\(UntrustedText.printable(descr))' (fidviz reads \(supportedList))"))
    }

    struct DescrRefusal: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

// MARK: - Header

/// The three entries of a .npy header.
struct NpyHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// The dict literal numpy itself writes, without padding.
    var dictLiteral: String {
        let order = fortranOrder ? "True" : "False"
        return
            "{'descr': '\(descr)', 'fortran_order': \(order), 'shape': \(Self.shapeLiteral(shape)), }"
    }

    /// A shape as the Python tuple numpy prints: "()", "(3,)", "(2, 3)".
    static func shapeLiteral(_ shape: [Int]) -> String {
        let sides = shape.map(String.init)
        return sides.count == 1 ? "(\(sides[0]),)" : "(\(sides.joined(separator: ", ")))"
    }

    /// Magic, version, length and the padded header: everything that precedes the data. Uses
    /// version 1.0 unless the header needs more than 65535 bytes (then 2.0). The total is a
    /// multiple of 64, as numpy writes it, so the data is aligned.
    func encoded() -> [UInt8] {
        let literal = Array(dictLiteral.utf8)
        let useVersion2 = literal.count + 1 + 10 > 65535
        let prefixCount = useVersion2 ? 12 : 10
        let unpadded = prefixCount + literal.count + 1
        let headerCount = literal.count + (64 - unpadded % 64) % 64 + 1
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [useVersion2 ? 2 : 1, 0]
        let length = UInt32(headerCount)
        let lengthBytes = useVersion2 ? 4 : 2
        for k in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: length >> (8 * k))) }
        out += literal
        out += [UInt8](repeating: 0x20, count: headerCount - literal.count - 1)
        out.append(0x0A)
        return out
    }

    /// Parses a header dict. Throws `HeaderSyntaxError` with a byte position inside `text`.
    static func parse(_ text: [UInt8]) throws -> NpyHeader {
        var parser = LiteralParser(bytes: text)
        let literal = try parser.parseTopLevel()
        guard case .dict(let entries) = literal else {
            throw HeaderSyntaxError(position: 0, reason: "the header is not a dict literal")
        }
        var descr: String?
        var fortranOrder: Bool?
        var shape: [Int]?
        for (key, value, position) in entries {
            switch (key, value) {
            case ("descr", .string(let s)): descr = s
            case ("descr", .list):
                throw HeaderSyntaxError(
                    position: position,
                    reason: "structured dtypes are not supported (descr is a list of fields)")
            case ("fortran_order", .bool(let b)): fortranOrder = b
            case ("shape", .tuple(let items)):
                shape = try items.map { item -> Int in
                    guard case .int(let side) = item, side >= 0 else {
                        throw HeaderSyntaxError(
                            position: position, reason: "shape must be a tuple of integers >= 0")
                    }
                    return side
                }
            case ("descr", _), ("fortran_order", _), ("shape", _):
                throw HeaderSyntaxError(position: position, reason: "'\(UntrustedText.printable(key))' has the wrong type")
            default:
                throw HeaderSyntaxError(
                    position: position, reason: "unexpected header key '\(UntrustedText.printable(key))'")
            }
        }
        guard let descr, let fortranOrder, let shape else {
            let missing = [
                ("descr", descr == nil), ("fortran_order", fortranOrder == nil),
                ("shape", shape == nil),
            ].filter { $0.1 }.map { "'\($0.0)'" }
            throw HeaderSyntaxError(
                position: 0, reason: "the header lacks \(missing.joined(separator: ", "))")
        }
        return NpyHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }
}

struct HeaderSyntaxError: Error {
    let position: Int
    let reason: String
}

// MARK: - Literal parser

/// Values of the Python literal subset found in .npy headers.
private indirect enum Literal {
    case string(String)
    case bool(Bool)
    case int(Int)
    case none
    case tuple([Literal])
    case list([Literal])
    case dict([(key: String, value: Literal, position: Int)])
}

/// A recursive-descent parser over the header bytes; never evaluates anything.
private struct LiteralParser {
    let bytes: [UInt8]
    var index = 0

    mutating func parseTopLevel() throws -> Literal {
        let value = try parseValue(depth: 0)
        skipSpace()
        guard index == bytes.count else { throw failure("unexpected text after the header dict") }
        return value
    }

    private mutating func parseValue(depth: Int) throws -> Literal {
        guard depth < 16 else { throw failure("the header nests too deeply") }
        skipSpace()
        guard index < bytes.count else { throw failure("the header ends early") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseDict(depth: depth)
        case UInt8(ascii: "("):
            return .tuple(try parseSequence(close: UInt8(ascii: ")"), depth: depth))
        case UInt8(ascii: "["):
            return .list(try parseSequence(close: UInt8(ascii: "]"), depth: depth))
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try parseInt())
        default:
            for (word, value) in [
                ("True", Literal.bool(true)), ("False", .bool(false)),
                ("None", .none),
            ] where matches(word) {
                index += word.utf8.count
                return value
            }
            throw failure("unexpected character '\(UntrustedText.printable(String(Unicode.Scalar(bytes[index]))))'")
        }
    }

    private mutating func parseDict(depth: Int) throws -> Literal {
        index += 1
        var entries: [(key: String, value: Literal, position: Int)] = []
        var keys: Set<String> = []  // a header may hold many keys: no linear search per key
        while true {
            skipSpace()
            if consume(UInt8(ascii: "}")) { return .dict(entries) }
            let position = index
            guard case .string(let key) = try parseValue(depth: depth + 1) else {
                throw HeaderSyntaxError(position: position, reason: "header keys must be strings")
            }
            skipSpace()
            guard consume(UInt8(ascii: ":")) else { throw failure("expected ':' after '\(UntrustedText.printable(key))'") }
            let value = try parseValue(depth: depth + 1)
            guard keys.insert(key).inserted else {
                throw HeaderSyntaxError(position: position, reason: "duplicate header key '\(UntrustedText.printable(key))'")
            }
            entries.append((key, value, position))
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { throw failure("expected ',' or '}'") }
            return .dict(entries)
        }
    }

    private mutating func parseSequence(close: UInt8, depth: Int) throws -> [Literal] {
        index += 1
        var items: [Literal] = []
        while true {
            skipSpace()
            if consume(close) { return items }
            items.append(try parseValue(depth: depth + 1))
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(close) else {
                throw failure("expected ',' or '\(Character(Unicode.Scalar(close)))'")
            }
            return items
        }
    }

    private mutating func parseString() throws -> String {
        let quote = bytes[index]
        index += 1
        var content: [UInt8] = []
        while index < bytes.count, bytes[index] != quote {
            if bytes[index] == UInt8(ascii: "\\") {
                throw failure("escapes in header strings are not supported")
            }
            content.append(bytes[index])
            index += 1
        }
        guard index < bytes.count else { throw failure("unterminated string") }
        index += 1
        return String(decoding: content, as: UTF8.self)
    }

    private mutating func parseInt() throws -> Int {
        let start = index
        let negative = consume(UInt8(ascii: "-"))
        var value = 0
        var digits = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
            guard !o1, !o2 else {
                throw HeaderSyntaxError(position: start, reason: "integer too large in header")
            }
            value = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw failure("expected digits") }
        _ = consume(UInt8(ascii: "L"))  // Python 2 era headers wrote long integers as 3L
        return negative ? -value : value
    }

    // MARK: Scanning helpers

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private func matches(_ word: String) -> Bool {
        let w = Array(word.utf8)
        return index + w.count <= bytes.count && Array(bytes[index..<index + w.count]) == w
    }

    private func failure(_ reason: String) -> HeaderSyntaxError {
        HeaderSyntaxError(position: index, reason: reason)
    }
}
