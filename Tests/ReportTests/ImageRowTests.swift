import OutputFiles
import Foundation
import InceptionGraph
import Report
import TestSupport
import XCTest

/// The one order, the selection of explained images, per-class sums and images.csv.
final class ImageRowTests: XCTestCase {
    func testOrderIsWorstFirstNonFiniteLastTiesByName() {
        let rows = [Support.row("small.png", delta: 0.01), Support.row("nan.png", delta: .nan),
                    Support.row("big.png", delta: 2.5), Support.row("inf.png", delta: .infinity),
                    Support.row("negative.png", delta: -1), Support.row("also-small.png", delta: 0.01),
                    Support.row("minus-inf.png", delta: -.infinity)]
        XCTAssertEqual(RankedRows(rows, top: 0, best: 0).rows.map(\.file.description),
                       ["big.png", "also-small.png", "small.png", "negative.png", "inf.png", "minus-inf.png", "nan.png"])
        // The order does not depend on the input order.
        XCTAssertEqual(RankedRows(rows.reversed(), top: 0, best: 0).rows.map(\.file),
                       RankedRows(rows, top: 0, best: 0).rows.map(\.file))
    }

    func testSelectionTakesWorstAndBestWithoutOverlap() {
        let rows = (0 ..< 10).map { Support.row("i\($0).png", delta: Double(5 - $0)) } + [Support.row("nan.png", delta: .nan)]
        let pick = RankedRows(rows, top: 3, best: 2)
        let ranked = pick.rows
        XCTAssertEqual(pick.worst, [0, 1, 2])
        XCTAssertEqual(pick.best, [9, 8], "most negative first; the NaN row is never 'best'")
        XCTAssertEqual(ranked[9].ranking.delta, -4)
        let all = RankedRows(rows, top: 8, best: 5)
        XCTAssertEqual(all.worst, Array(0 ..< 8))
        XCTAssertEqual(all.best, [9, 8], "rows already among the worst are not repeated")
        XCTAssertEqual(RankedRows(rows, top: 0, best: 0).worst, [])
    }

    func testPerClassSumsAndMeans() {
        let rows = RankedRows([
            Support.row("a.png", delta: 1.5, label: "rugby ball", index: 768),
            Support.row("b.png", delta: -0.5, label: "rugby ball", index: 768),
            Support.row("c.png", delta: 0.25, label: "tabby", index: 282),
            Support.row("d.png", delta: .nan, label: "tabby", index: 282),
            Support.row("e.png", delta: 2, label: "sorrel", index: 340),
        ], top: 0, best: 0).rows
        let classes = ClassContribution.aggregate(rows)
        XCTAssertEqual(classes.map(\.index), [340, 768, 282])
        XCTAssertEqual(classes.map(\.count), [1, 2, 2])
        XCTAssertEqual(classes.map(\.deltaFIDSum), [2, 1, 0.25])
        XCTAssertEqual(classes[1].deltaFIDMean, 0.5)
        XCTAssertEqual(classes[2].deltaFIDMean, 0.125, "a non-finite ΔFID counts as an image but adds nothing")
        XCTAssertEqual(classes.map(\.worstRow), [0, 1, 2])
        XCTAssertEqual(classes[0].label, ImageNetLabels.label(340), "labels come from the network's table")
    }

    func testCSVRoundTripsHostileNamesAndNonFiniteNumbers() throws {
        let names = ["plain.png", "comma, name.png", "quote \"q\".png", "line\nbreak.png", "crlf\r\nname.png",
                     "<script>alert(1)</script>.png", "\u{202E}gnp.exe"]
        let rows = RankedRows(names.enumerated().map { Support.row($1, delta: Double($0)) }
                              + [Support.row("nan.png", delta: .nan)], top: 0, best: 0).rows
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("images.csv")
        try AtomicFile.write(to: url) { try ImagesCSV.write(rows, to: $0) }
        let records = parseCSV(try String(contentsOf: url, encoding: .utf8))
        XCTAssertEqual(records.first, ["rank", "file", "top1_index", "top1_label", "top1_probability", "fid_before",
                                       "fid_after", "delta_fid"], "the documented header of images.csv")
        XCTAssertEqual(records.count, rows.count + 1)
        for (i, row) in rows.enumerated() {
            let record = records[i + 1]
            XCTAssertEqual(record.count, 8, "\(record)")
            XCTAssertEqual(record[0], String(i + 1))
            XCTAssertEqual(record[1], row.file.exactText)
            XCTAssertEqual(Int(record[2]), row.top1?.index)
            XCTAssertEqual(record[3], row.top1?.label)
            XCTAssertEqual(Double(record[4]), row.top1?.probability)
            if row.ranking.delta.isFinite {
                XCTAssertEqual(Double(record[5]), row.ranking.before)
                XCTAssertEqual(Double(record[6]), row.ranking.after)
                XCTAssertEqual(Double(record[7]), row.ranking.delta)
            } else {
                XCTAssertEqual(record[7], "", "a NaN ΔFID is an empty field")
            }
        }
    }
}
