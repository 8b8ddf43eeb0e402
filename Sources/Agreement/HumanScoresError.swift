import UntrustedInput

// MARK: - Errors from a human-scores CSV file

/// Everything wrong with a human-scores CSV file. `source` is the file's path (or the name given
/// to `HumanScores.init(csv:name:)`), `line` the 1-based line of the file. Each description is one
/// line: where, what, and what to do.
public enum HumanScoresError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(source: String, reason: String)
    /// The file holds more bytes than `Limits.maxCSVBytes`.
    case tooLarge(source: String, bytes: Int, limit: Int)
    /// The file is not UTF-8; `line` holds the first invalid byte.
    case notUTF8(source: String, line: Int)
    /// The file has no header (nothing but empty lines, or nothing at all).
    case empty(source: String)
    /// The header has no rows after it.
    case noRows(source: String, line: Int)
    /// A quoted field opened on `line` is never closed.
    case unclosedQuote(source: String, line: Int)
    /// A closing quote is followed by something other than a comma or the line's end.
    case textAfterQuote(source: String, line: Int)
    /// The header lacks a column its layout needs.
    case missingColumn(source: String, line: Int, column: String, header: [String])
    /// The header names a needed column twice.
    case duplicateColumn(source: String, line: Int, column: String)
    /// A row has another number of fields than the header.
    case fieldCount(source: String, line: Int, found: Int, expected: Int)
    /// A field that must hold a number does not hold what is expected.
    case badValue(source: String, line: Int, column: String, text: String, expected: String)
    /// A row names no file.
    case emptyFileName(source: String, line: Int)
    /// Two rows name the same file.
    case duplicateFile(source: String, line: Int, file: String, firstLine: Int)

    public var description: String {
        func file(_ source: String) -> String { UntrustedText.printable(source, maxCharacters: 200) }
        func at(_ source: String, _ line: Int) -> String { "\(file(source)): line \(line)" }
        switch self {
        case .unreadable(let source, let reason):
            return "\(file(source)): cannot read the human scores: "
                + UntrustedText.printable(reason)
        case .tooLarge(let source, let bytes, let limit):
            return "\(file(source)): \(bytes) bytes, more than the \(limit) "
                + "a human-scores CSV may hold; raise FIDVIZ_MAX_CSV_BYTES if the file is right"
        case .notUTF8(let source, let line):
            return "\(at(source, line)): not UTF-8 text; save the CSV as UTF-8"
        case .empty(let source):
            return "\(file(source)): empty; a human-scores CSV needs a header "
                + "(image_path, soft_label, number_guesses, or file, score) and one row per image"
        case .noRows(let source, let line):
            return "\(at(source, line)): a header and no rows; the file scores no image"
        case .unclosedQuote(let source, let line):
            return "\(at(source, line)): a quoted field is never closed"
        case .textAfterQuote(let source, let line):
            return "\(at(source, line)): text after a closing quote; a quote inside a quoted field is written twice (\"\")"
        case .missingColumn(let source, let line, let column, let header):
            let found = header.map { UntrustedText.printable($0, maxCharacters: 40) }.joined(separator: ", ")
            return "\(at(source, line)): no column '\(column)' (the header has: \(found)); a human-scores CSV needs "
                + "the columns image_path, soft_label and number_guesses (dgm-eval's layout) or file and score"
        case .duplicateColumn(let source, let line, let column):
            return "\(at(source, line)): the header names column '\(column)' twice"
        case .fieldCount(let source, let line, let found, let expected):
            return "\(at(source, line)): \(found) fields, but the header has \(expected); "
                + "quote fields that hold commas"
        case .badValue(let source, let line, let column, let text, let expected):
            return "\(at(source, line)): \(column) is '\(UntrustedText.printable(text, maxCharacters: 40))', "
                + "not \(expected)"
        case .emptyFileName(let source, let line):
            return "\(at(source, line)): the row names no file"
        case .duplicateFile(let source, let line, let file, let firstLine):
            return "\(at(source, line)): '\(UntrustedText.printable(file))' is scored again (first on line "
                + "\(firstLine)); give each image one row"
        }
    }
}
