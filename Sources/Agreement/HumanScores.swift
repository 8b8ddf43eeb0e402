import Foundation
import UntrustedInput

// MARK: - People's judgements of the images, from a CSV file

/// One score per image from people: higher means more people judged the image fake. Read from a
/// CSV file in one of two layouts, told apart by the header (column order free, other columns
/// ignored):
/// - dgm-eval's per-image human study files (Stein et al. 2023): `image_path`, `soft_label` (the
///   share of people who called the image fake, the score) and `number_guesses`. Rows with
///   `number_guesses` 0 have no judgement; they are skipped and counted (`skippedNoGuesses`).
/// - a plain `file,score`.
///
/// The CSV may be quoted (RFC 4180), with LF or CRLF line ends and a UTF-8 byte order mark. Every
/// problem throws a `HumanScoresError` naming the file and the line.
public struct HumanScores: Equatable, Sendable {
    /// Which of the two layouts the header has.
    public enum Layout: String, Equatable, Sendable {
        case dgmEval = "dgm-eval"
        case fileScore = "file,score"

        /// The columns the layout needs: the name, the score, and (dgm-eval) the number of guesses.
        var columns: [String] {
            switch self {
            case .dgmEval: return ["image_path", "soft_label", "number_guesses"]
            case .fileScore: return ["file", "score"]
            }
        }
    }

    /// One scored image as the CSV names it.
    public struct Row: Equatable, Sendable {
        /// The name exactly as in the CSV (dgm-eval's are absolute paths on another machine).
        public let file: String
        public let score: Double
        /// The line the row starts on.
        public let line: Int
    }

    /// The file's path, or the name given to `init(csv:name:)`.
    public let source: String
    public let layout: Layout
    /// The rows with a score, in file order.
    public let rows: [Row]
    /// dgm-eval rows with `number_guesses` 0, skipped.
    public let skippedNoGuesses: Int

    /// Reads the CSV file at `url`; a file larger than `limits.maxCSVBytes` is refused before it
    /// is read (and reading stops past the limit, should the file grow or not say its size).
    public init(contentsOf url: URL, limits: Limits = .current) throws {
        let source = url.path
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: source)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= limits.maxCSVBytes else {
                throw HumanScoresError.tooLarge(source: source, bytes: size, limit: limits.maxCSVBytes)
            }
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: limits.maxCSVBytes + 1) ?? Data()
        } catch let error as HumanScoresError {
            throw error
        } catch {
            throw HumanScoresError.unreadable(source: source, reason: error.localizedDescription)
        }
        try self.init(csv: data, name: source, limits: limits)
    }

    /// Reads CSV bytes; `name` stands for the file in errors.
    public init(csv data: Data, name: String, limits: Limits = .current) throws {
        source = name
        guard data.count <= limits.maxCSVBytes else {
            throw HumanScoresError.tooLarge(source: name, bytes: data.count, limit: limits.maxCSVBytes)
        }
        let records: [CSVRecord]
        do {
            records = try CSVRecords.parse([UInt8](data))
        } catch let problem as CSVRecords.Problem {
            switch problem {
            case .notUTF8(let line): throw HumanScoresError.notUTF8(source: name, line: line)
            case .unclosedQuote(let line): throw HumanScoresError.unclosedQuote(source: name, line: line)
            case .textAfterQuote(let line): throw HumanScoresError.textAfterQuote(source: name, line: line)
            }
        }
        guard let header = records.first else { throw HumanScoresError.empty(source: name) }
        let (layout, columns) = try Self.columns(of: header, source: name)
        self.layout = layout
        guard records.count > 1 else { throw HumanScoresError.noRows(source: name, line: header.line) }

        var rows: [Row] = []
        var skipped = 0
        var firstLine: [String: Int] = [:]
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                throw HumanScoresError.fieldCount(source: name, line: record.line, found: record.fields.count,
                                                  expected: header.fields.count)
            }
            let file = record.fields[columns[0]]
            if layout == .dgmEval {
                let guesses = try Self.number(record, column: columns[2], name: "number_guesses", source: name)
                guard guesses >= 0 else {
                    throw HumanScoresError.badValue(source: name, line: record.line, column: "number_guesses",
                                                    text: record.fields[columns[2]], expected: "a count of 0 or more")
                }
                if guesses == 0 {
                    skipped += 1
                    continue
                }
            }
            guard !file.isEmpty else { throw HumanScoresError.emptyFileName(source: name, line: record.line) }
            if let earlier = firstLine[file] {
                throw HumanScoresError.duplicateFile(source: name, line: record.line, file: file, firstLine: earlier)
            }
            firstLine[file] = record.line
            let score = try Self.number(record, column: columns[1], name: layout.columns[1], source: name)
            rows.append(Row(file: file, score: score, line: record.line))
        }
        self.rows = rows
        skippedNoGuesses = skipped
    }

    // MARK: - Reading the header and the numbers

    /// The layout the header names and the field index of each of its columns.
    private static func columns(of header: CSVRecord, source: String) throws -> (Layout, [Int]) {
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let dgmEval = Layout.dgmEval.columns
        // A header naming any of dgm-eval's columns, or neither layout's, is held to dgm-eval's.
        let namesFileScore = names.contains { Layout.fileScore.columns.contains($0) }
        let layout: Layout = names.contains { dgmEval.contains($0) } || !namesFileScore ? .dgmEval : .fileScore
        let indices = try layout.columns.map { column -> Int in
            let found = names.indices.filter { names[$0] == column }
            guard let first = found.first else {
                throw HumanScoresError.missingColumn(source: source, line: header.line, column: column, header: names)
            }
            guard found.count == 1 else {
                throw HumanScoresError.duplicateColumn(source: source, line: header.line, column: column)
            }
            return first
        }
        return (layout, indices)
    }

    /// The finite number in `record`'s field `column` (spaces around it allowed).
    private static func number(_ record: CSVRecord, column: Int, name: String, source: String) throws -> Double {
        let text = record.fields[column]
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
            throw HumanScoresError.badValue(source: source, line: record.line, column: name, text: text, expected: "a number")
        }
        guard value.isFinite else {
            throw HumanScoresError.badValue(source: source, line: record.line, column: name, text: text,
                                            expected: "a finite number")
        }
        return value
    }

    // MARK: - Matching rows to images

    /// Each image's score, matching CSV names to `imageFiles` (the images' paths as the run lists
    /// them). A CSV name matches the image whose path it equals; failing that, the image whose last
    /// path component (after the last `/`) equals the name's, when that last component belongs to
    /// exactly one CSV name and exactly one image (dgm-eval's names are absolute paths on another
    /// machine). Everything left over on either side is named in the result.
    public func match(_ imageFiles: [String]) -> HumanMatch {
        var scores = [Double?](repeating: nil, count: imageFiles.count)
        var imageByPath: [String: Int] = [:]
        for (index, path) in imageFiles.enumerated() where imageByPath[path] == nil { imageByPath[path] = index }
        let imageBaseCounts = Dictionary(imageFiles.map { (Self.lastComponent($0), 1) }, uniquingKeysWith: +)
        let rowBaseCounts = Dictionary(rows.map { (Self.lastComponent($0.file), 1) }, uniquingKeysWith: +)
        var imageByBase: [Substring: Int] = [:]
        for (index, path) in imageFiles.enumerated() where imageBaseCounts[Self.lastComponent(path)] == 1 {
            imageByBase[Self.lastComponent(path)] = index
        }

        var unmatched: [String] = []
        for row in rows {
            let base = Self.lastComponent(row.file)
            let index = imageByPath[row.file] ?? (rowBaseCounts[base] == 1 ? imageByBase[base] : nil)
            if let index, scores[index] == nil {
                scores[index] = row.score
            } else {
                unmatched.append(row.file)
            }
        }
        return HumanMatch(imageFiles: imageFiles, scores: scores, unmatchedRows: unmatched,
                          skippedNoGuesses: skippedNoGuesses)
    }

    static func lastComponent(_ path: String) -> Substring {
        path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
    }
}
