// `fidviz classes`, run as a user runs it: two folders of pictures with the seeded weights.

import SeededRandom
import Foundation
import Frechet
import NumpyFiles
import TestSupport
import XCTest

final class ClassesCommandTests: FidvizTestCase {
    private var weights: String!

    override func setUpWithError() throws {
        weights = try TestRun.seededCheckpoint(.legacy).path
    }

    private func json(_ run: FidvizRun) throws -> [String: Any] {
        XCTAssertEqual(run.status, 0, "\(run)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(object, run.stdout)
    }

    private func number(_ object: [String: Any], _ key: String) throws -> Double {
        try XCTUnwrap(object[key] as? Double, "\(key) in \(object)")
    }

    /// Two folders end to end: every key, `fid` equal to `fidviz fid`, the saved weights
    /// reproducing every reported number, and the HTML section's files.
    func testTwoFoldersEndToEndAndTheSavedWeightsReproduceEveryNumber() throws {
        let generated = try imageFolder(5, name: "gen")
        let reference = try imageFolder(6, name: "ref")
        let work = try makeFolder()
        let refStats = work.appendingPathComponent("ref.npz").path
        let genFeatures = work.appendingPathComponent("gen.npz").path
        XCTAssertEqual(try fidviz(["stats", reference.path, "-o", refStats, "--weights", weights, "--quiet"]).status, 0)
        XCTAssertEqual(try fidviz(["features", generated.path, "-o", genFeatures, "--weights", weights, "--quiet"]).status, 0)

        let savedWeights = work.appendingPathComponent("w.npz").path
        let report = work.appendingPathComponent("report").path
        let run = try fidviz(["classes", generated.path, "--ref", refStats, "--json", "--save-weights", savedWeights,
                              "-o", report, "--weights", weights, "--quiet", "--max-iterations", "30"])
        let result = try json(run)
        for key in ["fid", "fid_top1_matched", "explained_top1", "ess_top1", "unmatched_reference_mass",
                    "fid_topn_matched", "ess_topn", "top_n", "fid_pool3_weighted", "fid_pool3_resampled", "ess_pool3",
                    "fd_logits", "fd_logits_top1_matched", "n_gen", "n_ref"] {
            XCTAssertNotNil(result[key], "\(key) missing")
            XCTAssertFalse(result[key] is NSNull, "\(key) is null")
        }
        XCTAssertEqual(result["n_gen"] as? Int, 5)
        XCTAssertEqual(result["n_ref"] as? Int, 6)
        XCTAssertEqual(result["top_n"] as? Int, 5)

        // Uniform weights are `fidviz fid` exactly.
        let fid = try fidviz(["fid", generated.path, "--ref", refStats, "--json", "--weights", weights, "--quiet"])
        let fidResult = try json(fid)
        XCTAssertEqual(try number(result, "fid"), try number(fidResult, "fid"))
        // The same from the features file (no network).
        let fromFeatures = try json(try fidviz(["classes", genFeatures, "--ref", refStats, "--json", "--quiet",
                                                "--max-iterations", "30"]))
        for key in ["fid", "fid_top1_matched", "fid_topn_matched", "fid_pool3_weighted", "fd_logits"] {
            XCTAssertEqual(try number(fromFeatures, key), try number(result, key), key)
        }
        // And against the reference as a `fidviz features` file, which records no class statistics:
        // they come from its logit rows, Top-5 matching included, to the same numbers.
        let refFeatures = work.appendingPathComponent("ref-features.npz").path
        XCTAssertEqual(try fidviz(["features", reference.path, "-o", refFeatures, "--weights", weights,
                                   "--quiet"]).status, 0)
        let againstFeatures = try fidviz(["classes", genFeatures, "--ref", refFeatures, "--json", "--max-iterations", "30"])
        XCTAssertFalse(againstFeatures.stderr.contains("Top-5 matching is left out"), againstFeatures.stderr)
        let withFeatureReference = try json(againstFeatures)
        for key in ["fid_top1_matched", "fid_topn_matched", "ess_topn", "fd_logits"] {
            let expected = try number(result, key)
            XCTAssertEqual(try number(withFeatureReference, key), expected, accuracy: 1e-9 * abs(expected), key)
        }

        // The saved weights reproduce every number.
        let saved = try Npz.read(contentsOf: URL(fileURLWithPath: savedWeights))
        XCTAssertEqual(saved["files"]?.strings(), (0 ..< 5).map { generated.appendingPathComponent("\($0).png").path })
        let features = try Npz.read(contentsOf: URL(fileURLWithPath: genFeatures))
        let pool3 = FeatureRows(try XCTUnwrap(features["pool3"]?.floats()), dimension: 2048)
        let logits = FeatureRows(try XCTUnwrap(features["logits"]?.floats()), dimension: 1008)
        let file = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: refStats))
        func weightsOf(_ key: String) throws -> [Double] { try XCTUnwrap(saved[key]?.doubles(), key) }
        func same(_ key: String, _ value: Double) throws {
            let reported = try number(result, key)
            XCTAssertEqual(value, reported, accuracy: 1e-12 * max(1, abs(reported)), key)
        }
        let top1 = try weightsOf("top1"), topN = try weightsOf("topn"), pool3Weights = try weightsOf("pool3")
        for w in [top1, topN, pool3Weights] {
            XCTAssertEqual(w.count, 5)
            XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertTrue(w.allSatisfy { $0 >= 0 })
        }
        try same("fid_top1_matched", try FrechetDistance.distance(reference: file.statistics, rows: pool3, weights: top1))
        try same("fid_topn_matched", try FrechetDistance.distance(reference: file.statistics, rows: pool3, weights: topN))
        try same("fid_pool3_weighted",
                 try FrechetDistance.distance(reference: file.statistics, rows: pool3, weights: pool3Weights))
        try same("fid_pool3_resampled",
                 try Resampling.medianFID(reference: file.statistics, rows: pool3, weights: pool3Weights).median)
        let logitStatistics = try XCTUnwrap(file.logitStatistics)
        try same("fd_logits", try FrechetDistance.distance(reference: logitStatistics, rows: logits,
                                                           weights: WeightedStatistics.uniformWeights(count: 5)))
        try same("fd_logits_top1_matched",
                 try FrechetDistance.distance(reference: logitStatistics, rows: logits, weights: top1))
        try same("explained_top1", 1 - (try number(result, "fid_top1_matched")) / (try number(result, "fid")))
        for (key, w) in [("ess_top1", top1), ("ess_topn", topN), ("ess_pool3", pool3Weights)] {
            try same(key, 1 / w.reduce(0) { $0 + $1 * $1 })
        }
        XCTAssertLessThanOrEqual(try number(result, "fid_pool3_weighted"), try number(result, "fid_top1_matched"))

        // The HTML section and its figures.
        let folder = URL(fileURLWithPath: report)
        XCTAssertEqual(try contents(of: folder.appendingPathComponent("class-matching")).filter { !$0.hasPrefix("low-") && !$0.hasPrefix("high-") },
                       ["classes.png", "fid.png"])
        XCTAssertEqual(try contents(of: folder.appendingPathComponent("class-matching")).filter { $0.hasPrefix("low-") }.count, 2)
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("of this FID is ImageNet Top-1 class mismatch")
                      || html.contains("None of this FID is ImageNet Top-1 class mismatch"), html)
        XCTAssertTrue(html.contains("5.30") && html.contains("1.78") && html.contains("2.76"))
        XCTAssertTrue(html.contains("Content-Security-Policy"))
        let saved2 = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("classes.json")))
        XCTAssertEqual((saved2 as? [String: Any])?["fid"] as? Double, try number(result, "fid"))
    }

    /// A pytorch-fid statistics file has no classes: FID and the null space with a note; an
    /// explicit --top-n is an error.
    func testReferenceWithoutClassesGivesWhatItCan() throws {
        let generated = try imageFolder(4, name: "gen")
        let work = try makeFolder()
        let stats = work.appendingPathComponent("ref.npz").path
        XCTAssertEqual(try fidviz(["stats", try imageFolder(5, name: "ref").path, "-o", stats, "--weights", weights,
                                   "--quiet"]).status, 0)
        let full = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: stats))
        let plain = work.appendingPathComponent("plain.npz")
        try Npz.encoded([("mu", NpyArray(full.statistics.mu)),
                         ("sigma", NpyArray(full.statistics.sigma, shape: [2048, 2048]))]).write(to: plain)

        let run = try fidviz(["classes", generated.path, "--ref", plain.path, "--json", "--weights", weights,
                              "--max-iterations", "10"])
        let result = try json(run)
        XCTAssertTrue(result["fid_top1_matched"] is NSNull)
        XCTAssertTrue(result["fd_logits"] is NSNull)
        XCTAssertNotNil(result["fid_pool3_weighted"] as? Double)
        XCTAssertTrue(run.stderr.contains("records no ImageNet classes"), run.stderr)

        let refused = try fidviz(["classes", generated.path, "--ref", plain.path, "--top-n", "5", "--weights", weights,
                                  "--quiet"])
        assertFailsWithOneLine(refused, containing: ["records no ImageNet classes"])
    }

    func testBadInputGetsOneLine() throws {
        let work = try makeFolder()
        let one = try imageFolder(1, name: "one")
        let gen = try imageFolder(3, name: "gen")
        let refStats = Fixtures.url("stats/pytorch_fid_a.npz").path
        assertFailsWithOneLine(try fidviz(["classes", one.path, "--ref", refStats, "--weights", weights, "--quiet"]),
                               containing: ["at least 2"])
        // A statistics file as GEN.
        assertFailsWithOneLine(try fidviz(["classes", refStats, "--ref", refStats, "--quiet"]),
                               containing: ["not each image's features"])
        // Mismatched dimensions.
        let small = work.appendingPathComponent("d64.npz")
        var identity = [Double](repeating: 0, count: 64 * 64)
        for i in 0 ..< 64 { identity[i * 65] = 1 }
        try Npz.encoded([("mu", NpyArray([Double](repeating: 0, count: 64))),
                         ("sigma", NpyArray(identity, shape: [64, 64]))]).write(to: small)
        assertFailsWithOneLine(try fidviz(["classes", gen.path, "--ref", small.path, "--weights", weights, "--quiet"]),
                               containing: ["d64.npz", "2048"])
        // A misaligned --aux.
        let aux = work.appendingPathComponent("aux.npz")
        try Npz.encoded([("files", NpyArray(shape: [3], values: .unicode(["a.png", "b.png", "c.png"]))),
                         ("features", NpyArray([Float](repeating: 0.5, count: 3 * 4), shape: [3, 4]))]).write(to: aux)
        assertFailsWithOneLine(try fidviz(["classes", gen.path, "--ref", refStats, "--aux", aux.path, "--aux-ref",
                                           aux.path, "--weights", weights, "--quiet"]),
                               containing: ["--aux", "has no row for", "0.png"])
        XCTAssertEqual(try contents(of: work), ["aux.npz", "d64.npz"], "nothing else may be written")
    }

    /// --aux features aligned by file name give FD in that space under every weighting.
    func testAuxFeaturesAlignedByFileName() throws {
        let gen = try imageFolder(4, name: "gen")
        let work = try makeFolder()
        let refFeatures = work.appendingPathComponent("ref.npz").path
        XCTAssertEqual(try fidviz(["features", try imageFolder(5, name: "ref").path, "-o", refFeatures,
                                   "--weights", weights, "--quiet"]).status, 0)
        var random = SplitMix64(seed: 3)
        func rows(_ n: Int) -> [Float] { (0 ..< n * 3).map { _ in Float(random.uniform()) } }
        let aux = work.appendingPathComponent("aux.npz"), auxRef = work.appendingPathComponent("aux_ref.npz")
        // Listed by file name only and in another order: aligned by name.
        try Npz.encoded([("files", NpyArray(shape: [4], values: .unicode(["3.png", "1.png", "0.png", "2.png"]))),
                         ("features", NpyArray(rows(4), shape: [4, 3]))]).write(to: aux)
        try Npz.encoded([("files", NpyArray(shape: [5], values: .unicode((0 ..< 5).map { "\($0).png" }))),
                         ("features", NpyArray(rows(5), shape: [5, 3]))]).write(to: auxRef)
        let result = try json(try fidviz(["classes", gen.path, "--ref", refFeatures, "--aux", aux.path,
                                          "--aux-ref", auxRef.path, "--json", "--weights", weights, "--quiet",
                                          "--max-iterations", "10"]))
        let entries = try XCTUnwrap(result["aux"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 1)
        for key in ["fd", "fd_top1_matched", "fd_pool3_weighted"] { XCTAssertNotNil(entries[0][key] as? Double, key) }
    }
}
