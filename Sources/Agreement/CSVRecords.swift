// MARK: - CSV text as records

/// One record of a CSV file: its fields and the line it starts on (1-based).
struct CSVRecord: Equatable {
    let line: Int
    let fields: [String]
}

/// Splits CSV bytes into records (RFC 4180): fields separated by commas, records by LF or CRLF;
/// a field in double quotes may hold commas, line breaks and doubled quotes (`""` is one `"`);
/// a quote inside an unquoted field is an ordinary character. A UTF-8 byte order mark at the start
/// is dropped, a final line break is optional, and empty lines are skipped. The bytes must be
/// UTF-8 as a whole.
enum CSVRecords {
    /// What is wrong with the bytes, and on which line.
    enum Problem: Error, Equatable {
        case notUTF8(line: Int)
        case unclosedQuote(line: Int)
        case textAfterQuote(line: Int)
    }

    static func parse(_ data: [UInt8]) throws -> [CSVRecord] {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        try checkUTF8(bytes)

        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1, quoteLine = 1
        var quoted = false, wasQuoted = false, i = bytes.startIndex

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        func endRecord() {
            let blank = fields.isEmpty && field.isEmpty && !wasQuoted
            endField()
            if !blank { records.append(CSVRecord(line: recordLine, fields: fields)) }
            fields.removeAll()
        }

        while i < bytes.endIndex {
            let byte = bytes[i]
            i += 1
            if quoted {
                if byte == quote {
                    if i < bytes.endIndex && bytes[i] == quote {
                        field.append(quote)
                        i += 1
                    } else {
                        quoted = false
                        wasQuoted = true
                    }
                } else {
                    if byte == newline { line += 1 }
                    field.append(byte)
                }
                continue
            }
            let atLineEnd = byte == newline
                || (byte == carriageReturn && i < bytes.endIndex && bytes[i] == newline)
            if wasQuoted && byte != comma && !atLineEnd { throw Problem.textAfterQuote(line: line) }
            if byte == quote && field.isEmpty && !wasQuoted {
                quoted = true
                quoteLine = line
            } else if byte == comma {
                endField()
            } else if atLineEnd {
                if byte == carriageReturn { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            } else {
                field.append(byte)
            }
        }
        if quoted { throw Problem.unclosedQuote(line: quoteLine) }
        endRecord()
        return records
    }

    /// Throws `notUTF8` with the line of the first byte that is not part of valid UTF-8.
    private static func checkUTF8(_ bytes: ArraySlice<UInt8>) throws {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var line = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar):
                if scalar.count == 1 && scalar.first == UInt8(ascii: "\n") { line += 1 }
            case .emptyInput:
                return
            case .error:
                throw Problem.notUTF8(line: line)
            }
        }
    }
}
