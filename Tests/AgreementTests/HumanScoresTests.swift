@testable import Agreement
import Foundation
import TestSupport
import UntrustedInput
import XCTest

/// People's scores: reading both CSV layouts, matching rows to images, the correlations against
/// scipy's (golden.json), and every refusal's exact one-line message.
final class HumanScoresTests: XCTestCase {
    // MARK: - dgm-eval's layout against scipy

    func testDGMEvalFileMatchesAndCorrelatesAsScipyDoes() throws {
        let golden = try Golden.load()
        let scores = try HumanScores(contentsOf: Fixtures.url("agreement/human_dgm_eval.csv"))
        XCTAssertEqual(scores.layout, .dgmEval)
        XCTAssertEqual(scores.skippedNoGuesses, try XCTUnwrap(golden["skipped_no_guesses"] as? Int))
        let match = scores.match(try Golden.strings(golden["image_files"]))
        XCTAssertEqual(match.scores, try Golden.optionalDoubles(golden["scores"]))
        XCTAssertEqual(match.unmatchedRows, try Golden.strings(golden["unmatched_rows"]))
        XCTAssertEqual(match.unscoredImages, try Golden.strings(golden["unscored_images"]))
        XCTAssertEqual(match.scoredCount, 34)

        let deltaFID = try Golden.optionalDoubles(golden["delta_fid"]).map { $0 ?? .nan }
        let deltaDINO = try Golden.optionalDoubles(golden["delta_fd_dinov2"]).map { $0 ?? .nan }
        let fid = match.spearman(with: deltaFID), dino = match.spearman(with: deltaDINO)
        XCTAssertEqual(fid.rho, try XCTUnwrap(golden["spearman_fid_human"] as? Double), accuracy: 1e-12)
        XCTAssertEqual(dino.rho, try XCTUnwrap(golden["spearman_fd_dinov2_human"] as? Double), accuracy: 1e-12)
        XCTAssertEqual(fid.count, 33)  // 34 scored, one with a NaN ΔFID
        XCTAssertEqual(dino.count, 33)  // one with an infinite ΔFD_DINOv2
        let bootstrap = try XCTUnwrap(golden["bootstrap"] as? [String: [[String: Any]]])
        let expected = try XCTUnwrap(bootstrap["fid_human"]?.first)
        let interval = try XCTUnwrap(fid.interval)
        XCTAssertEqual(interval.lowerBound, try XCTUnwrap(expected["low"] as? Double), accuracy: 1e-12)
        XCTAssertEqual(interval.upperBound, try XCTUnwrap(expected["high"] as? Double), accuracy: 1e-12)

        let spaces = RankComparison(deltaA: deltaFID, deltaB: deltaDINO)
        XCTAssertEqual(spaces.spearman, try XCTUnwrap(golden["spearman_fid_fd_dinov2"] as? Double), accuracy: 1e-12)
    }

    func testSummaryNamesWhatDidNotMatch() throws {
        let golden = try Golden.load()
        let match = try Golden.humanMatch(golden)
        let unmatched = try Golden.strings(golden["unmatched_rows"])
        XCTAssertEqual(match.summary(), "human scores: 34 of 40 images scored; 4 CSV rows match no image (first: "
            + unmatched.prefix(3).joined(separator: ", ") + ", ...); 6 images have no score (first: gen/img_002.png, "
            + "gen/a/dup.png, gen/img_009.png, ...); 2 rows with number_guesses 0 skipped")
        let complete = HumanMatch(imageFiles: ["a.png"], scores: [0.5], unmatchedRows: [], skippedNoGuesses: 0)
        XCTAssertEqual(complete.summary(), "human scores: 1 of 1 images scored")
        let one = HumanMatch(imageFiles: ["a.png", "b\nc.png"], scores: [0.5, nil], unmatchedRows: ["x.png"], skippedNoGuesses: 1)
        XCTAssertEqual(one.summary(), "human scores: 1 of 2 images scored; 1 CSV row matches no image (x.png); "
            + "1 image has no score (b\\nc.png); 1 row with number_guesses 0 skipped")
    }

    /// The same scores as a plain file,score with a byte order mark and LF line ends.
    func testFileScoreLayoutGivesTheSameScores() throws {
        let golden = try Golden.load()
        let scores = try HumanScores(contentsOf: Fixtures.url("agreement/human_file_score.csv"))
        XCTAssertEqual(scores.layout, .fileScore)
        XCTAssertEqual(scores.rows.first?.file, "gen/img_000.png")  // the byte order mark is not part of the name
        let match = scores.match(try Golden.strings(golden["image_files"]))
        XCTAssertEqual(match.scores, try Golden.optionalDoubles(golden["scores"]))
        XCTAssertEqual(match.unmatchedRows, [])
    }

    // MARK: - Matching

    func testExactPathFirstThenAUniqueLastComponent() throws {
        let csv = "file,score\n/r/a.png,0.1\n/r/b.png,0.2\nc.png,0.3\n/s/c.png,0.4\n"
        let scores = try HumanScores(csv: Data(csv.utf8), name: "h.csv")
        let match = scores.match(["x/a.png", "y/b.png", "z/b.png", "c.png"])
        XCTAssertEqual(match.scores, [0.1, nil, nil, 0.3])
        XCTAssertEqual(match.unmatchedRows, ["/r/b.png", "/s/c.png"])  // b.png: two images; c.png: two rows
        XCTAssertEqual(match.unscoredImages, ["y/b.png", "z/b.png"])

        // Two rows ending in the same component match no image by it, even when one image does.
        let twoRows = try HumanScores(csv: Data("file,score\n/r/c.png,0.1\n/s/c.png,0.2\n".utf8), name: "h.csv")
        XCTAssertEqual(twoRows.match(["x/c.png"]).scores, [nil])
        XCTAssertEqual(twoRows.match(["x/c.png"]).unmatchedRows, ["/r/c.png", "/s/c.png"])
        XCTAssertEqual(twoRows.match(["/s/c.png"]).scores, [0.2])
    }

    // MARK: - CSV syntax

    func testQuotedFieldsCRLFAndSpacesAroundNumbers() throws {
        let csv = "score,file\r\n 0.25 ,\"a, \"\"b\"\".png\"\r\n0.5,\"two\r\nlines.png\"\r\n1,plain.png"
        let scores = try HumanScores(csv: Data(csv.utf8), name: "h.csv")
        XCTAssertEqual(scores.rows, [
            HumanScores.Row(file: "a, \"b\".png", score: 0.25, line: 2),
            HumanScores.Row(file: "two\r\nlines.png", score: 0.5, line: 3),
            HumanScores.Row(file: "plain.png", score: 1, line: 5),
        ])
    }

    func testRecordsKeepTheirFirstLineAndSkipEmptyLines() throws {
        let bytes = [UInt8]("\u{FEFF}a,b\n\n\"x\ny\",\"\"\r\n,\n".utf8)
        XCTAssertEqual(try CSVRecords.parse(bytes), [
            CSVRecord(line: 1, fields: ["a", "b"]),
            CSVRecord(line: 3, fields: ["x\ny", ""]),
            CSVRecord(line: 5, fields: ["", ""]),
        ])
    }

    // MARK: - Refusals, one line each

    func testEachProblemIsRefusedWithItsOwnLine() {
        let cases: [(csv: String, message: String)] = [
            ("", "h.csv: empty; a human-scores CSV needs a header (image_path, soft_label, number_guesses, or file, "
                + "score) and one row per image"),
            ("\n\r\n", "h.csv: empty; a human-scores CSV needs a header (image_path, soft_label, number_guesses, or "
                + "file, score) and one row per image"),
            ("file,score\n", "h.csv: line 1: a header and no rows; the file scores no image"),
            ("image_path,soft_label\na.png,0.5\n", "h.csv: line 1: no column 'number_guesses' (the header has: "
                + "image_path, soft_label); a human-scores CSV needs the columns image_path, soft_label and "
                + "number_guesses (dgm-eval's layout) or file and score"),
            ("file,value\na.png,0.5\n", "h.csv: line 1: no column 'score' (the header has: file, value); a "
                + "human-scores CSV needs the columns image_path, soft_label and number_guesses (dgm-eval's layout) "
                + "or file and score"),
            ("name,value\na.png,0.5\n", "h.csv: line 1: no column 'image_path' (the header has: name, value); a "
                + "human-scores CSV needs the columns image_path, soft_label and number_guesses (dgm-eval's layout) "
                + "or file and score"),
            ("file,score,score\na,1,2\n", "h.csv: line 1: the header names column 'score' twice"),
            ("file,score\na.png,high\n", "h.csv: line 2: score is 'high', not a number"),
            ("file,score\na.png,nan\n", "h.csv: line 2: score is 'nan', not a finite number"),
            ("file,score\na.png,-inf\n", "h.csv: line 2: score is '-inf', not a finite number"),
            ("file,score\na.png,\n", "h.csv: line 2: score is '', not a number"),
            ("file,score\na.png,0.1\nb.png,0.2\na.png,0.3\n",
             "h.csv: line 4: 'a.png' is scored again (first on line 2); give each image one row"),
            ("file,score\n\"a\nb.png\",0.1\n\"a\nb.png\",0.2\n",
             "h.csv: line 4: 'a\\nb.png' is scored again (first on line 2); give each image one row"),
            ("file,score\na,b.png,0.1\n", "h.csv: line 2: 3 fields, but the header has 2; quote fields that hold commas"),
            ("file,score\n\"a\nb.png\",0.1\nc.png\n", "h.csv: line 4: 1 fields, but the header has 2; quote fields "
                + "that hold commas"),
            ("file,score\n\"a.png,0.1\n", "h.csv: line 2: a quoted field is never closed"),
            ("file,score\n\"a\"x.png,0.1\n", "h.csv: line 2: text after a closing quote; a quote inside a quoted "
                + "field is written twice (\"\")"),
            ("file,score\n,0.5\n", "h.csv: line 2: the row names no file"),
            ("image_path,soft_label,number_guesses\na.png,0.5,-1\n",
             "h.csv: line 2: number_guesses is '-1', not a count of 0 or more"),
            ("image_path,soft_label,number_guesses\na.png,0.5,many\n",
             "h.csv: line 2: number_guesses is 'many', not a number"),
            ("image_path,soft_label,number_guesses\na.png,,3\n", "h.csv: line 2: soft_label is '', not a number"),
        ]
        for (csv, message) in cases {
            XCTAssertThrowsError(try HumanScores(csv: Data(csv.utf8), name: "h.csv"), csv.debugDescription) { error in
                XCTAssertEqual("\(error)", message, csv.debugDescription)
            }
        }
    }

    /// The fuzz regression input (Tests/Fixtures/fuzz/human): its refusal quotes the name escaped.
    func testADuplicateNameWithControlCharactersIsQuotedOnOneLine() throws {
        let data = try Fixtures.data("fuzz/human/duplicate-name-with-control-characters.csv")
        XCTAssertThrowsError(try HumanScores(csv: data, name: "h.csv")) { error in
            XCTAssertEqual("\(error)", "h.csv: line 4: 'a\\u{b}b\\r\\n.png' is scored again (first on line 2); "
                + "give each image one row")
        }
    }

    func testNotUTF8IsRefusedAtItsLine() {
        var bytes = Data("file,score\na.png,0.5\nb".utf8)
        bytes.append(contentsOf: [0xFF, 0x2E])
        bytes.append(contentsOf: Data("png,0.1\n".utf8))
        XCTAssertThrowsError(try HumanScores(csv: bytes, name: "h.csv")) { error in
            XCTAssertEqual(error as? HumanScoresError, .notUTF8(source: "h.csv", line: 3))
            XCTAssertEqual("\(error)", "h.csv: line 3: not UTF-8 text; save the CSV as UTF-8")
        }
    }

    func testAFileOverTheSizeLimitIsRefusedBeforeReading() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("agreement-\(UUID().uuidString).csv")
        try Data("file,score\na.png,0.5\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let limits = Limits(maxCSVBytes: 10)
        XCTAssertThrowsError(try HumanScores(contentsOf: url, limits: limits)) { error in
            XCTAssertEqual("\(error)", "\(url.path): 21 bytes, more than the 10 a human-scores CSV may hold; raise "
                + "FIDVIZ_MAX_CSV_BYTES if the file is right")
        }
        XCTAssertThrowsError(try HumanScores(csv: Data(count: 11), name: "h.csv", limits: limits)) { error in
            XCTAssertEqual(error as? HumanScoresError, .tooLarge(source: "h.csv", bytes: 11, limit: 10))
        }
        XCTAssertEqual(try HumanScores(contentsOf: url, limits: Limits(maxCSVBytes: 21)).rows.count, 1)
    }

    func testAMissingFileIsUnreadable() {
        let path = "/nonexistent-\(UUID().uuidString)/h.csv"
        XCTAssertThrowsError(try HumanScores(contentsOf: URL(fileURLWithPath: path))) { error in
            guard case .unreadable(let source, _)? = error as? HumanScoresError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(source, path)
            XCTAssertTrue("\(error)".hasPrefix("\(path): cannot read the human scores: "), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}
