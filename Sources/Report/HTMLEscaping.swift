// MARK: - Making user strings safe in HTML

/// Escaping for the report. Every string that comes from outside (file names, paths, labels,
/// provenance text) passes through one of these before it reaches the page.
public enum HTMLEscaping {
    /// `text` safe as element content and inside quoted attribute values: `&`, `<`, `>`, `"`
    /// and `'` become entities. Nothing else changes (UTF-8 text stays readable).
    public static func text(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        ScalarEscaping.append(text, to: &out) { entities[$0] }
        return out
    }

    /// The five characters HTML reserves in text and quoted attributes, and their entities.
    static let entities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]

    /// A relative file path as a URL reference for `src`/`href`: split at "/", each component
    /// percent-encoded as UTF-8 keeping only RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~),
    /// joined with "/". So `<img src=x onerror=alert(1)>.png` becomes
    /// `%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.png`, and a colon can never start a scheme
    /// ("javascript:x" becomes "javascript%3Ax"). The result needs no further escaping.
    public static func relativeURL(_ path: String) -> String {
        precondition(!path.hasPrefix("/"), "HTMLEscaping.relativeURL needs a relative path, got '\(path)'")
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { percentEncode(String($0)) }
            .joined(separator: "/")
    }

    static func percentEncode(_ component: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in component.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
