import Foundation
import Frechet
import OutputFiles
import Pixels

// MARK: - images.csv

/// One line per image in the report's order, for spreadsheets and pandas:
/// `rank,file,top1_index,top1_label,top1_probability,fid_before,fid_after,delta_fid` (each
/// further feature space adds `<key>_before,<key>_after,delta_<key>`; see `header`). Fields are quoted as RFC
/// 4180 says (when they hold a comma, a quote or a line break; quotes doubled). `file` is the
/// name's exact bytes, so a name that is not UTF-8 stays as it is (pandas reads it with
/// `encoding_errors="surrogateescape"`). Numbers are written in their shortest round-trip form;
/// numbers that are not finite, and the class of an image without logits, as empty fields.
public enum ImagesCSV {
    /// The header line for rows with these feature spaces: with two, each space's `rank_<key>`
    /// and `disagreement` follow the distances; `human_score` comes last when people scored the
    /// images.
    public static func header(_ spaces: [FeatureSpace], humanScores: Bool = false) -> String {
        var names = ["rank", "file", "top1_index", "top1_label", "top1_probability"]
            + spaces.flatMap { ["\($0.key)_before", "\($0.key)_after", "delta_\($0.key)"] }
        if spaces.count > 1 { names += spaces.map { "rank_\($0.key)" } + ["disagreement"] }
        if humanScores { names.append("human_score") }
        return names.joined(separator: ",")
    }

    /// Writes the file through `writer`, a line at a time.
    public static func write(_ ranked: [ImageRow], humanScores: Bool = false, to writer: AtomicFile.Writer) throws {
        var chunk = Array(header(ranked.first?.distances.map(\.space) ?? [.inceptionPool3], humanScores: humanScores).utf8)
            + Array("\r\n".utf8)
        for (position, row) in ranked.enumerated() {
            chunk += line(rank: position + 1, row, humanScores: humanScores)
            if chunk.count > 1 << 16 {
                try writer.write(Data(chunk))
                chunk = []
            }
        }
        try writer.write(Data(chunk))
    }

    static func line(rank: Int, _ row: ImageRow, humanScores: Bool = false) -> [UInt8] {
        var fields = [Array(String(rank).utf8), field(row.file.bytes)]
        fields += [row.top1.map { String($0.index) } ?? "", field(row.top1?.label ?? ""),
                   row.top1.map { number($0.probability) } ?? ""].map { Array($0.utf8) }
        for distance in row.distances {
            fields += [number(distance.before), number(distance.after), number(distance.delta)].map { Array($0.utf8) }
        }
        if row.distances.count > 1 {
            fields += row.distances.map { Array(($0.rank.map(String.init) ?? "").utf8) }
            fields.append(Array((row.disagreement.map(number) ?? "").utf8))
        }
        if humanScores { fields.append(Array((row.humanScore.map(number) ?? "").utf8)) }
        return Array(fields.joined(separator: [UInt8(ascii: ",")])) + Array("\r\n".utf8)
    }

    /// `bytes` as a CSV field.
    static func field(_ bytes: [UInt8]) -> [UInt8] {
        let quote = UInt8(ascii: "\"")
        guard bytes.contains(where: { $0 == UInt8(ascii: ",") || $0 == quote || $0 == 0x0A || $0 == 0x0D }) else {
            return bytes
        }
        return [quote] + bytes.flatMap { $0 == quote ? [quote, quote] : [$0] } + [quote]
    }

    static func field(_ text: String) -> String { String(decoding: field(Array(text.utf8)), as: UTF8.self) }

    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }
}
