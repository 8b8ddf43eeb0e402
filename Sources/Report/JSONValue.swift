import Foundation
import InceptionGraph
import Pixels

// MARK: - JSON output

/// A JSON document being written: every JSON fidviz prints or saves (report.json, `fid --json`,
/// `features --json`, `classes --json`) is built from these and serialised by `serialized`, so
/// all of them follow one rule for numbers: finite values are written in the shortest form that
/// reads back to the same Double (or Float), and NaN and ±infinity are written as `null`.
/// Object keys are sorted, so output is deterministic.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case float(Float)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// `value`, or `null` when nil.
    public static func optional(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }

    /// `value`, or `null` when nil.
    public static func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }

    /// UTF-8 text, indented with two spaces per level when `pretty`, ending in a newline when
    /// `pretty`.
    public func serialized(pretty: Bool = false) -> Data {
        var out = ""
        write(into: &out, pretty: pretty, depth: 0)
        if pretty { out += "\n" }
        return Data(out.utf8)
    }

    private func write(into out: inout String, pretty: Bool, depth: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .number(let value): out += value.isFinite ? Self.text(value) : "null"
        case .float(let value): out += value.isFinite ? Self.text(value) : "null"
        case .string(let value): Self.quote(value, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            // Arrays of numbers (map rows) stay on one line.
            let flat = !pretty || items.allSatisfy(\.isScalar)
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += flat && pretty ? ", " : "," }
                if !flat { Self.newline(&out, depth + 1) }
                item.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            if !flat { Self.newline(&out, depth) }
            out += "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                if pretty { Self.newline(&out, depth + 1) }
                Self.quote(key, into: &out)
                out += pretty ? ": " : ":"
                members[key]!.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            if pretty { Self.newline(&out, depth) }
            out += "}"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private static func newline(_ out: inout String, _ depth: Int) {
        out += "\n" + String(repeating: "  ", count: depth)
    }

    /// Swift's shortest round-trip form, which is valid JSON for finite values ("1e-05", "0.25").
    private static func text<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T) -> String {
        "\(value)"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; everything
    /// else (including non-ASCII text) written as UTF-8.
    private static func quote(_ text: String, into out: inout String) {
        out += "\""
        ScalarEscaping.append(text, to: &out) { scalar in
            if let escape = stringEscapes[scalar] { return escape }
            let c = scalar.value
            return c < 0x20 || c == 0x2028 || c == 0x2029 ? String(format: "\\u%04x", c) : nil
        }
        out += "\""
    }

    /// JSON's two-character escapes; other control characters, and U+2028 and U+2029 (line
    /// breaks to JavaScript), are written as `\uXXXX`.
    private static let stringEscapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"]
}

// MARK: - fidviz's values as JSON

extension ClassScore {
    /// `{"index": 282, "label": "tabby", "probability": 0.61}`.
    public var json: JSONValue {
        .object(["index": .int(index), "label": .string(label), "probability": .number(probability)])
    }
}

extension ImagePath {
    /// The name as JSON members: `file`, the exact name when it is UTF-8 (JSON carries any
    /// Unicode text, line breaks included). JSON cannot carry bytes that are not UTF-8, so such
    /// a name has `file` as people see it (those bytes as `\xNN`) and `file_base64`, its exact
    /// bytes in base64: a program opens `file_base64` when it is there, else `file`.
    public var jsonMembers: [String: JSONValue] {
        if let exact = exactText { return ["file": .string(exact)] }
        return ["file": .string(description), "file_base64": .string(Data(bytes).base64EncodedString())]
    }
}

extension SpatialMap {
    /// The map as [H][W] rows, top row first.
    public var json: JSONValue {
        .array(rows.map { .array($0.map { .float($0) }) })
    }
}
