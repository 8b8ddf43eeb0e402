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
    /// How far two processes' numbers of the same computation may part, relative to the set's
    /// distance: the same code on the same features, but separate runs have been seen to differ
    /// in the last bits of a Δ (1e-15 relative; the set distances themselves are equal).
    private static let lastBits = 1e-12

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

    private func imagesByFile(_ document: [String: Any]) throws -> [String: [String: Any]] {
        let images = try XCTUnwrap(document["images"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: images.map { ($0["file"] as! String, $0) })
    }

    /// The two-network report holds, field by field, what each network's own run holds: the set's
    /// FID and FD_DINOv2, and every image's numbers in each space (the same evaluator on the same
    /// features, so to the bit); it is ranked by the first network, and its explained images have
    /// both networks' maps, each equal to that network's own run's.
    func testTwoBackboneReportMatchesTwoOneBackboneRuns() throws {
        let sets = try sets()
        let work = try makeFolder()
        let common = [sets.generated.path, "--top", "2", "--best", "1"] + (try weights)
        let two = try explain(common + both + ["--ref", sets.reference.path], in: work, name: "two")
        let inception = try explain(common + ["--ref", sets.reference.path], in: work, name: "inception")
        let dinov2 = try explain(common + ["--backbone", "dinov2-vits14", "--ref", sets.reference.path], in: work,
                                 name: "dinov2")
        XCTAssertEqual(two["fid"] as? Double, try XCTUnwrap(inception["fid"] as? Double))
        XCTAssertEqual(two["fd_dinov2"] as? Double, try XCTUnwrap(dinov2["fd_dinov2"] as? Double))
        XCTAssertEqual(two["n"] as? Int, 5)
        XCTAssertEqual(two["gen_source"] as? String, inception["gen_source"] as? String)

        let rows = try XCTUnwrap(two["images"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["file"] as? String }, (try XCTUnwrap(inception["images"] as? [[String: Any]])).map { $0["file"] as? String },
                       "ranked by ΔFID, as the Inception run")
        let (byInception, byDINOv2) = (try imagesByFile(inception), try imagesByFile(dinov2))
        for row in rows {
            let file = try XCTUnwrap(row["file"] as? String)
            let (i, d) = (try XCTUnwrap(byInception[file]), try XCTUnwrap(byDINOv2[file]))
            for (key, run, set) in [("fid", i, "fid"), ("fd_dinov2", d, "fd_dinov2")] {
                let scale = try XCTUnwrap(two[set] as? Double)
                for key in ["\(key)_before", "\(key)_after", "delta_\(key)"] {
                    let (x, y) = (try XCTUnwrap(row[key] as? Double), try XCTUnwrap(run[key] as? Double))
                    XCTAssertEqual(x, y, accuracy: Self.lastBits * scale, "\(file) \(key)")
                }
            }
            XCTAssertEqual(row["top5"] as? NSArray, i["top5"] as? NSArray, "\(file) top5")
            guard row["explained"] as? Bool == true else { continue }
            let maps = try XCTUnwrap(row["sensitivity"] as? [String: Any])
            XCTAssertEqual(Set(maps.keys), ["mixed_7c", "blocks.1.norm1"], file)
            XCTAssertEqual(maps["mixed_7c"] as? NSArray, (i["sensitivity"] as? [String: Any])?["mixed_7c"] as? NSArray,
                           "\(file): FID's map is the Inception run's")
            XCTAssertEqual(row["gradcam_top1"] as? NSArray, i["gradcam_top1"] as? NSArray, "\(file): Grad-CAM")
            if d["explained"] as? Bool == true {
                XCTAssertEqual(maps["blocks.1.norm1"] as? NSArray,
                               (d["sensitivity"] as? [String: Any])?["blocks.1.norm1"] as? NSArray,
                               "\(file): FD_DINOv2's map is the DINOv2 run's")
            }
        }
        XCTAssertEqual(rows.filter { $0["explained"] as? Bool == true }.count, 3)
        let csv = parseCSV(try String(contentsOf: work.appendingPathComponent("two/images.csv"), encoding: .utf8))
        XCTAssertEqual(Array(csv[0].prefix(11)), ["rank", "file", "top1_index", "top1_label", "top1_probability",
                                                  "fid_before", "fid_after", "delta_fid", "fd_dinov2_before",
                                                  "fd_dinov2_after", "delta_fd_dinov2"])
        for (line, row) in zip(csv.dropFirst(), rows) {
            XCTAssertEqual(Double(line[10]), row["delta_fd_dinov2"] as? Double, line[1])
        }
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
            let document = try explain(files + both + ["--top", "0", "--best", "0"], in: work,
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

    /// Bad combinations: one line naming what is wrong, and no report.
    func testBadCombinationsAreRefusedInOneLine() throws {
        let sets = try sets()
        let work = try makeFolder()
        let output = work.appendingPathComponent("report")
        let (fInception, fDINOv2) = (sets.features["inception"]!, sets.features["dinov2-vits14"]!)
        let (rInception, rDINOv2) = (sets.statistics["inception"]!, sets.statistics["dinov2-vits14"]!)
        func refused(_ arguments: [String], _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let run = try fidviz(arguments + ["-o", output.path, "--top", "0", "--best", "0"])
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
