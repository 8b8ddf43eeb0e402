import Foundation

// MARK: - images.csv

/// One line per image in the report's order, for spreadsheets and pandas:
/// `rank,file,top1_index,top1_label,top1_probability,fid_before,fid_after,delta_fid`.
/// Fields are quoted as RFC 4180 says (when they hold a comma, a quote or a line break; quotes
/// doubled); numbers are written in their shortest round-trip form, and numbers that are not
/// finite as empty fields.
public enum ImagesCSV {
    public static let header = "rank,file,top1_index,top1_label,top1_probability,fid_before,fid_after,delta_fid"

    /// Writes the file through `writer`, a line at a time.
    public static func write(_ ranked: [ImageRow], to writer: AtomicFile.Writer) throws {
        var chunk = header + "\r\n"
        for (position, row) in ranked.enumerated() {
            chunk += line(rank: position + 1, row)
            if chunk.utf8.count > 1 << 16 {
                try writer.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        try writer.write(Data(chunk.utf8))
    }

    static func line(rank: Int, _ row: ImageRow) -> String {
        [String(rank), field(row.file), String(row.top1.index), field(row.top1.label),
         number(row.top1.probability), number(row.fidBefore), number(row.fidAfter), number(row.deltaFID)]
            .joined(separator: ",") + "\r\n"
    }

    /// `text` as a CSV field.
    static func field(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }
}
