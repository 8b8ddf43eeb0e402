// Text from a file (a member name, a pickled global, a header key) quoted in a one-line message.

/// Makes text from outside safe to quote in an error message.
public enum UntrustedText {
    /// `text` as one printable line of at most `maxCharacters` characters: control, format and
    /// line-separator characters become `\n`, `\t`, `\r` or `\u{...}` (so a hostile name can
    /// neither break the line nor reorder the terminal's text), and a longer text is cut with
    /// "…" and its full length in bytes.
    public static func printable(_ text: some StringProtocol, maxCharacters: Int = 100) -> String {
        var result = ""
        var characters = 0
        for scalar in text.unicodeScalars {
            if characters == maxCharacters {
                return result + "…(\(text.utf8.count) bytes)"
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned:
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                default:
                    result.unicodeScalars.append(scalar)
                }
            }
            characters += 1
        }
        return result
    }
}
