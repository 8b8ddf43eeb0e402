import Foundation
import NumpyFiles
import TestSupport
import XCTest

/// `explain --backbone inception,dinov2-vits14`: one row per image with a column per network,
/// exactly what each network's own run gives; every set given once per backbone, matched by the
/// backbone its file records; and every bad combination refused in one line. Seeded Inception
/// weights and the depth-2 ViT-S/14.
final class TwoSpaceExplainTests: FidvizTestCase {
    private let dinov2Weights = Fixtures.url("dinov2/seeded-0-vits14-depth2.pth").path
    private var weights: [String] {
        get throws { ["--weights", try TestRun.seededCheckpoint(.legacy).path, "--weights", dinov2Weights] }
    }
    private let both = ["--backbone", "inception,dinov2-vits14"]

    /// The generated and reference folders, and each network's features and statistics files of
    /// them, made once for the class.
    private struct Sets {
        let generated: URL, reference: URL
        let features: [String: String], statistics: [String: String]
    }

    private func sets() throws -> Sets {
        let generated = try imageFolder(5, name: "gen"), reference = try imageFolder(6, name: "ref")
        let work = try makeFolder("files")
        var features: [String: String] = [:], statistics: [String: String] = [:]
        for backbone in ["inception", "dinov2-vits14"] {
            let common = ["--backbone", backbone, "--quiet"] + (try weights)
            features[backbone] = work.appendingPathComponent("f-\(backbone).npz").path
            statistics[backbone] = work.appendingPathComponent("r-\(backbone).npz").path
            XCTAssertEqual(try fidviz(["features", generated.path, "-o", features[backbone]!] + common).status, 0)
            XCTAssertEqual(try fidviz(["stats", reference.path, "-o", statistics[backbone]!] + common).status, 0)
        }
        return Sets(generated: generated, reference: reference, features: features, statistics: statistics)
    }

    private func report(_ folder: URL) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("report.json"))) as? [String: Any])
    }

    private func explain(_ arguments: [String], in work: URL, name: String) throws -> [String: Any] {
        let folder = work.appendingPathComponent(name)
        let run = try fidviz(arguments + ["-o", folder.path, "--quiet"])
        XCTAssertEqual(run.status, 0, "\(name): \(run)")
        return try report(folder)
    }

    /// images.csv of the report `name` under `work`, without its header.
    private func csvRows(_ work: URL, _ name: String) throws -> [[String]] {
        Array(parseCSV(try String(contentsOf: work.appendingPathComponent("\(name)/images.csv"), encoding: .utf8))
            .dropFirst())
    }

    /// The text of a top-level number of report.json (`"key": value` at the first indent).
    private func topLevelNumber(_ key: String, in folder: URL) throws -> String {
        let text = try String(contentsOf: folder.appendingPathComponent("report.json"), encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("  \"\(key)\": ") }, key)
        return String(line.dropFirst("  \"\(key)\": ".count).trimmingCharacters(in: CharacterSet(charactersIn: ",")))
    }

    private func imagesByFile(_ document: [String: Any]) throws -> [String: [String: Any]] {
        let images = try XCTUnwrap(document["images"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: images.map { ($0["file"] as! String, $0) })
    }

    /// The two-network report holds, field by field, what each network's own run holds: the set's
    /// FID and FD_DINOv2, and every image's numbers in each space, as written (the same evaluator
    /// on the same features, so to the bit); it is ranked by the first network, and its explained
    /// images have both networks' maps, each equal to that network's own run's.
    func testTwoBackboneReportMatchesTwoOneBackboneRuns() throws {
        let sets = try sets()
        let work = try makeFolder()
        let common = [sets.generated.path, "--top", "2", "--best", "1", "--disagreements", "1"] + (try weights)
        let two = try explain(common + both + ["--ref", sets.reference.path], in: work, name: "two")
        let inception = try explain(common + ["--ref", sets.reference.path], in: work, name: "inception")
        let dinov2 = try explain(common + ["--backbone", "dinov2-vits14", "--ref", sets.reference.path], in: work,
                                 name: "dinov2")
        // Numbers as written (JSONSerialization may round a double's last digit when it reads it).
        XCTAssertEqual(try topLevelNumber("fid", in: work.appendingPathComponent("two")),
                       try topLevelNumber("fid", in: work.appendingPathComponent("inception")))
        XCTAssertEqual(try topLevelNumber("fd_dinov2", in: work.appendingPathComponent("two")),
                       try topLevelNumber("fd_dinov2", in: work.appendingPathComponent("dinov2")))
        XCTAssertEqual(two["n"] as? Int, 5)
        XCTAssertEqual(two["gen_source"] as? String, inception["gen_source"] as? String)
        let (csvTwo, csvInception, csvDINOv2) = try (csvRows(work, "two"), csvRows(work, "inception"), csvRows(work, "dinov2"))
        XCTAssertEqual(csvTwo.map { $0[1] }, csvInception.map { $0[1] }, "ranked by ΔFID, as the Inception run")
        let dinov2ByFile = Dictionary(uniqueKeysWithValues: csvDINOv2.map { ($0[1], $0) })
        for (line, alone) in zip(csvTwo, csvInception) {
            XCTAssertEqual(Array(line[2 ... 7]), Array(alone[2 ... 7]), "\(line[1]): class and FID numbers")
            XCTAssertEqual(Array(line[8 ... 10]), Array(try XCTUnwrap(dinov2ByFile[line[1]])[5 ... 7]),
                           "\(line[1]): FD_DINOv2 numbers")
        }

        let rows = try XCTUnwrap(two["images"] as? [[String: Any]])
        let (byInception, byDINOv2) = (try imagesByFile(inception), try imagesByFile(dinov2))
        for row in rows {
            let file = try XCTUnwrap(row["file"] as? String)
            let (i, d) = (try XCTUnwrap(byInception[file]), try XCTUnwrap(byDINOv2[file]))
            XCTAssertEqual(row["top5"] as? NSArray, i["top5"] as? NSArray, "\(file) top5")
            guard row["explained"] as? Bool == true else { continue }
            let maps = try XCTUnwrap(row["sensitivity"] as? [String: Any])
            XCTAssertEqual(Set(maps.keys), ["mixed_7c", "blocks.1.norm1"], file)
            if i["explained"] as? Bool == true {
                XCTAssertEqual(maps["mixed_7c"] as? NSArray, (i["sensitivity"] as? [String: Any])?["mixed_7c"] as? NSArray,
                               "\(file): FID's map is the Inception run's")
                XCTAssertEqual(row["gradcam_top1"] as? NSArray, i["gradcam_top1"] as? NSArray, "\(file): Grad-CAM")
            }
            if d["explained"] as? Bool == true {
                XCTAssertEqual(maps["blocks.1.norm1"] as? NSArray,
                               (d["sensitivity"] as? [String: Any])?["blocks.1.norm1"] as? NSArray,
                               "\(file): FD_DINOv2's map is the DINOv2 run's")
            }
        }
        try assertRanksFollowTheDeltas(two, disagreements: 1, top: 2, best: 1)
        // The scatter chart, at its size (the PNG's IHDR width and height).
        let png = try Data(contentsOf: work.appendingPathComponent("two/scatter.png"))
        XCTAssertEqual(Array(png[16 ..< 24]), [0, 0, 0x03, 0x84, 0, 0, 0x02, 0x6C], "900 x 620")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("inception/scatter.png").path))
        let html = try String(contentsOf: work.appendingPathComponent("two/index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<img src=\"scatter.png\""), "the page shows the scatter")
        let csv = parseCSV(try String(contentsOf: work.appendingPathComponent("two/images.csv"), encoding: .utf8))
        XCTAssertEqual(csv[0], ["rank", "file", "top1_index", "top1_label", "top1_probability",
                                "fid_before", "fid_after", "delta_fid", "fd_dinov2_before",
                                "fd_dinov2_after", "delta_fd_dinov2", "rank_fid", "rank_fd_dinov2", "disagreement"])
        for (line, row) in zip(csv.dropFirst(), rows) {
            XCTAssertEqual(Int(line[11]), row["rank_fid"] as? Int, line[1])
            XCTAssertEqual(Int(line[12]), row["rank_fd_dinov2"] as? Int, line[1])
            XCTAssertEqual(Double(line[13]), row["disagreement"] as? Double, line[1])
        }
        for document in [inception, dinov2] {
            XCTAssertNil(document["agreement"], "one-backbone reports stay as they were")
            XCTAssertNil((document["images"] as? [[String: Any]])?.first?["rank_fid"])
        }
    }

    /// Each image's ranks are its places by ΔFID and by ΔFD_DINOv2 (worst first, ties in report
    /// order), its disagreement `rank_fd_dinov2/N - rank_fid/N`; the explained images are the
    /// --top, the --best and the `disagreements` largest disagreements each way; and the
    /// agreement's rho is Spearman's of the two Δs.
    private func assertRanksFollowTheDeltas(_ document: [String: Any], disagreements k: Int, top: Int, best: Int,
                                            file: StaticString = #filePath, line: UInt = #line) throws {
        let rows = try XCTUnwrap(document["images"] as? [[String: Any]])
        let n = rows.count
        let fid = try rows.map { try XCTUnwrap($0["delta_fid"] as? Double) }
        let fd = try rows.map { try XCTUnwrap($0["delta_fd_dinov2"] as? Double) }
        let (rankFID, rankFD) = (Self.worstFirstRanks(fid), Self.worstFirstRanks(fd))
        XCTAssertEqual(rankFID, Array(1 ... n), "ranked by ΔFID", file: file, line: line)
        XCTAssertEqual(rows.map { $0["rank_fid"] as? Int }, rankFID, file: file, line: line)
        XCTAssertEqual(rows.map { $0["rank_fd_dinov2"] as? Int }, rankFD, file: file, line: line)
        let gap = (0 ..< n).map { Double(rankFD[$0] - rankFID[$0]) / Double(n) }
        XCTAssertEqual(rows.map { $0["disagreement"] as? Double }, gap, file: file, line: line)
        let fidOnly = (0 ..< n).filter { gap[$0] > 0 }.sorted { gap[$0] != gap[$1] ? gap[$0] > gap[$1] : $0 < $1 }
        let otherOnly = (0 ..< n).filter { gap[$0] < 0 }.sorted { gap[$0] != gap[$1] ? gap[$0] < gap[$1] : $0 < $1 }
        let explained = Set(Array(0 ..< top) + Array((0 ..< n).reversed().filter { $0 >= top }.prefix(best))
            + Array(fidOnly.prefix(k)) + Array(otherOnly.prefix(k)))
        XCTAssertEqual(Set(rows.indices.filter { rows[$0]["explained"] as? Bool == true }), explained, file: file, line: line)
        let agreement = try XCTUnwrap(document["agreement"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(try XCTUnwrap(agreement["spearman_fid_fd_dinov2"] as? Double, file: file, line: line),
                       Self.spearman(fid, fd), accuracy: 1e-12, file: file, line: line)
        let classes = try XCTUnwrap(document["classes_two_spaces"] as? [[String: Any]], file: file, line: line)
        XCTAssertEqual(classes.compactMap { $0["count"] as? Int }.reduce(0, +), n, "every image in one class",
                       file: file, line: line)
    }

    /// 1-based places, largest value first, ties in the given order.
    static func worstFirstRanks(_ values: [Double]) -> [Int] {
        var ranks = [Int](repeating: 0, count: values.count)
        for (place, i) in values.indices.sorted(by: { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 })
            .enumerated() { ranks[i] = place + 1 }
        return ranks
    }

    /// Spearman's rho as scipy computes it: Pearson's r of the average ranks (ties share the mean rank).
    static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        func averageRanks(_ v: [Double]) -> [Double] {
            let order = v.indices.sorted { v[$0] < v[$1] }
            var ranks = [Double](repeating: 0, count: v.count)
            var start = 0
            while start < order.count {
                var end = start
                while end + 1 < order.count && v[order[end + 1]] == v[order[start]] { end += 1 }
                for k in start ... end { ranks[order[k]] = Double(start + end) / 2 + 1 }
                start = end + 1
            }
            return ranks
        }
        let (rx, ry) = (averageRanks(x), averageRanks(y))
        let (mx, my) = (rx.reduce(0, +) / Double(rx.count), ry.reduce(0, +) / Double(ry.count))
        let sxy = zip(rx, ry).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let sxx = rx.map { ($0 - mx) * ($0 - mx) }.reduce(0, +), syy = ry.map { ($0 - my) * ($0 - my) }.reduce(0, +)
        return sxy / (sxx * syy).squareRoot()
    }

    /// From features and statistics files alone, given per backbone in either order, explain
    /// needs no network (no weights anywhere) and gives the numbers the images give.
    func testFilesPerBackboneInEitherOrderNeedNoWeights() throws {
        let sets = try sets()
        let work = try makeFolder()
        let fromImages = try explain([sets.generated.path, "--ref", sets.reference.path, "--top", "0", "--best", "0"]
                                         + both + (try weights), in: work, name: "images")
        let expected = try imagesByFile(fromImages)
        for (k, order) in [["inception", "dinov2-vits14"], ["dinov2-vits14", "inception"]].enumerated() {
            let files = order.flatMap { ["--features", sets.features[$0]!] }
                + order.reversed().flatMap { ["--ref", sets.statistics[$0]!] }
            let document = try explain(files + both + ["--top", "0", "--best", "0", "--disagreements", "0"], in: work,
                                       name: "files-\(k)")
            XCTAssertEqual(document["fid"] as? Double, fromImages["fid"] as? Double)
            XCTAssertEqual(document["fd_dinov2"] as? Double, fromImages["fd_dinov2"] as? Double)
            for (file, row) in try imagesByFile(document) {
                let image = try XCTUnwrap(expected[file], file)
                for key in ["delta_fid", "fid_before", "delta_fd_dinov2", "fd_dinov2_before"] {
                    XCTAssertEqual(row[key] as? Double, image[key] as? Double, "\(order): \(file) \(key)")
                }
            }
            let html = try String(contentsOf: work.appendingPathComponent("files-\(k)/index.html"), encoding: .utf8)
            XCTAssertTrue(html.contains("not used: every set was given as features or statistics"), "no network ran")
        }
    }

    /// `--human` with dgm-eval's layout, named by another machine's paths: rows are matched by
    /// file name, the unmatched row, the unscored images and the row without guesses are counted
    /// and named in one line; each image has its score, each distance its Spearman rho with the
    /// scores (as scipy gives it) and a 95% interval; the images FID and people part on most are
    /// explained.
    func testPeoplesScores() throws {
        let sets = try sets()
        let work = try makeFolder()
        let csv = work.appendingPathComponent("human.csv")
        try """
            image_path,soft_label,number_guesses
            /study/gen/0.png,0.2,10
            /study/gen/1.png,0.7,12
            /study/gen/2.png,0.4,0
            /study/gen/3.png,0.9,8
            /study/gen/9.png,0.5,10

            """.write(to: csv, atomically: true, encoding: .utf8)
        let files = ["inception", "dinov2-vits14"].flatMap { ["--features", sets.features[$0]!, "--ref", sets.statistics[$0]!] }
        let folder = work.appendingPathComponent("report")
        let run = try fidviz(files + both + (try weights) + ["--human", csv.path, "--top", "0", "--best", "0",
                                                             "--disagreements", "1", "-o", folder.path])
        XCTAssertEqual(run.status, 0, "\(run)")
        let summary = try XCTUnwrap(run.stderrLines.first { $0.contains("human scores:") }, run.stderr)
        for fragment in ["human scores: 3 of 5 images scored", "1 CSV row matches no image (/study/gen/9.png)",
                         "2 images have no score (", "/2.png", "/4.png", "1 row with number_guesses 0 skipped"] {
            XCTAssertTrue(summary.contains(fragment), "'\(fragment)' is not in: \(summary)")
        }
        let document = try report(folder)
        let rows = try XCTUnwrap(document["images"] as? [[String: Any]])
        let expected: [String: Double] = ["0.png": 0.2, "1.png": 0.7, "3.png": 0.9]
        for row in rows {
            let name = try XCTUnwrap((row["file"] as? String)?.split(separator: "/").last.map(String.init))
            XCTAssertEqual(row["human_score"] as? Double, expected[name], name)
            if expected[name] == nil { XCTAssertTrue(row["human_score"] is NSNull, name) }
        }
        let scored = rows.filter { $0["human_score"] as? Double != nil }
        let scores = scored.map { $0["human_score"] as! Double }
        let people = try XCTUnwrap((document["agreement"] as? [String: Any])?["human"] as? [String: Any])
        XCTAssertEqual(people["n_scored"] as? Int, 3)
        for key in ["fid", "fd_dinov2"] {
            let deltas = scored.map { $0["delta_\(key)"] as! Double }
            XCTAssertEqual(try XCTUnwrap(people["spearman_\(key)"] as? Double), Self.spearman(deltas, scores),
                           accuracy: 1e-12, key)
            XCTAssertEqual((people["ci95_\(key)"] as? [Double])?.count, 2, key)
        }
        // The cards: the images FID ranks much worse than people and the other way round, one
        // each way, among the scored ones (beside the two spaces' one each way).
        let positions = rows.indices.filter { rows[$0]["human_score"] as? Double != nil }
        let fid = positions.map { rows[$0]["delta_fid"] as! Double }
        let (byFID, byPeople) = (Self.worstFirstRanks(fid), Self.worstFirstRanks(scores))
        let gap = positions.indices.map { Double(byPeople[$0] - byFID[$0]) / Double(positions.count) }
        let fidOnly = gap.indices.filter { gap[$0] > 0 }.max { gap[$0] != gap[$1] ? gap[$0] < gap[$1] : $0 > $1 }
        let peopleOnly = gap.indices.filter { gap[$0] < 0 }.min { gap[$0] != gap[$1] ? gap[$0] < gap[$1] : $0 < $1 }
        for card in [fidOnly, peopleOnly].compactMap({ $0 }) {
            XCTAssertEqual(rows[positions[card]]["explained"] as? Bool, true, "\(rows[positions[card]]["file"] ?? "")")
        }
        let lines = parseCSV(try String(contentsOf: folder.appendingPathComponent("images.csv"), encoding: .utf8))
        XCTAssertEqual(lines[0].last, "human_score")
        XCTAssertEqual(lines.dropFirst().map { Double($0.last!) }, rows.map { $0["human_score"] as? Double })
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Which distance agrees with people?"))
        XCTAssertTrue(html.contains("human scores: 3 of 5 images scored"), "the summary line is in the report")

        let broken = work.appendingPathComponent("broken.csv")
        try "file,score\na.png,high\n".write(to: broken, atomically: true, encoding: .utf8)
        let refused = try fidviz(files + both + ["--human", broken.path, "-o", work.appendingPathComponent("no").path])
        assertFailsWithOneLine(refused, containing: ["--human \(broken.path): line 2", "score"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("no").path))
    }

    /// Bad combinations: one line naming what is wrong, and no report.
    func testBadCombinationsAreRefusedInOneLine() throws {
        let sets = try sets()
        let work = try makeFolder()
        let output = work.appendingPathComponent("report")
        let (fInception, fDINOv2) = (sets.features["inception"]!, sets.features["dinov2-vits14"]!)
        let (rInception, rDINOv2) = (sets.statistics["inception"]!, sets.statistics["dinov2-vits14"]!)
        func refused(_ arguments: [String], _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let run = try fidviz(arguments + ["-o", output.path, "--top", "0", "--best", "0", "--disagreements", "0"])
            assertFailsWithOneLine(run, containing: fragments, file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "no report", file: file, line: line)
        }
        try refused(["--features", fInception, "--features", fInception, "--ref", rInception, "--ref", rDINOv2] + both,
                    ["--features \(fInception) and \(fInception) both hold Inception-v3 features",
                     "give one --features per --backbone"])
        try refused(["--features", fInception, "--features", fDINOv2, "--ref", rInception] + both,
                    ["--ref: no file holds DINOv2 ViT-S/14 features (--backbone dinov2-vits14)"])
        try refused(["--features", fInception, "--ref", rInception, "--ref", rDINOv2] + both,
                    ["--features: no file holds DINOv2 ViT-S/14 features"])
        try refused(["--features", fInception, "--features", fDINOv2, "--ref", rInception, "--ref", rDINOv2,
                     "--backbone", "inception,dinov2-vitl14"],
                    ["--features \(fDINOv2): holds DINOv2 ViT-S/14 features (--backbone dinov2-vits14), which is not one "
                        + "of --backbone inception,dinov2-vitl14"])
        try refused(["--features", fInception, "--features", fDINOv2, "--ref", rInception, "--ref", rDINOv2],
                    ["--features given 2 times; give one --features per --backbone (here inception only)"])
        try refused(["--features", fInception, "--features", fDINOv2, "--ref", rInception, "--ref", rDINOv2,
                     "--ref", sets.reference.path] + both,
                    ["--ref \(sets.reference.path): every --backbone already has its --ref file"])
        // Two features files of different images.
        var arrays = try Npz.read(contentsOf: URL(fileURLWithPath: fDINOv2))
        let names = try XCTUnwrap(arrays["files"]?.strings())
        arrays["files"] = NpyArray(shape: [names.count], values: .unicode(Array(names.reversed())))
        let reversed = work.appendingPathComponent("reversed.npz")
        try NpzFile.write(arrays.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: reversed)
        try refused(["--features", fInception, "--features", reversed.path, "--ref", rInception, "--ref", rDINOv2] + both,
                    ["--features \(fInception) and \(reversed.path) list different images (row 1: \(names[0]) against "
                        + "\(names.last!))"])
        // A repeated backbone, and a list where one network is taken: usage errors.
        let repeated = try fidviz(["--features", fInception, "--ref", rInception, "--backbone", "inception,inception",
                                   "-o", output.path, "--quiet"])
        XCTAssertEqual(repeated.status, 64, "\(repeated)")
        XCTAssertEqual(repeated.stderrLines, ["Error: --backbone names inception twice"])
        let fid = try fidviz(["fid", fInception, "--ref", rInception, "--quiet"] + both)
        XCTAssertEqual(fid.status, 64, "\(fid)")
        XCTAssertEqual(fid.stderrLines, ["Error: --backbone inception,dinov2-vits14: this command takes one network; "
                                         + "`fidviz explain` takes several"])
    }
}
