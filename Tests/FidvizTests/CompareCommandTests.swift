// `fidviz compare`, run as a user runs it, on small features and statistics files made here.

import Foundation
import Frechet
import NumpyFiles
import SeededRandom
import XCTest

final class CompareCommandTests: FidvizTestCase {
    // MARK: - Files

    /// A features file: `pool3` [N, d] float32, and `logits` [N, 1008] whose Top-1 class is `top1[i]`.
    private func features(_ name: String, in folder: URL, rows: [Float], dimension d: Int, top1: [Int]? = nil,
                          backbone: String? = nil) throws -> String {
        var arrays: [(name: String, array: NpyArray)] = [("pool3", NpyArray(rows, shape: [rows.count / d, d]))]
        if let top1 {
            var logits = [Float](repeating: 0, count: top1.count * 1008)
            for (i, c) in top1.enumerated() { logits[i * 1008 + c] = 10 }
            arrays.append(("logits", NpyArray(logits, shape: [top1.count, 1008])))
        }
        if let backbone {
            arrays += StatisticsFile.recordArrays(
                origin: FeatureOrigin(weightsSHA256: String(repeating: "0", count: 64), preprocessing: "test", backbone: backbone),
                shard: nil)
        }
        let url = folder.appendingPathComponent(name)
        try Npz.encoded(arrays).write(to: url)
        return url.path
    }

    /// Normal rows with mean `shift` and per-axis scale `scale`.
    private func gaussian(_ n: Int, _ d: Int, shift: Double = 0, scale: Double = 1, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        return (0..<(n * d)).map { _ in Float(shift + scale * random.normal()) }
    }

    /// A fidviz statistics file at d = 2048 (diagonal covariance) with a Top-1 histogram over
    /// classes 0...4.
    private func referenceStatistics(in folder: URL) throws -> String {
        let d = 2048
        var random = SplitMix64(seed: 99)
        var sigma = [Double](repeating: 0, count: d * d)
        for i in 0..<d { sigma[i * d + i] = 0.5 + random.uniform() }
        let statistics = FrechetStatistics(mu: (0..<d).map { _ in 0.1 * random.normal() }, sigma: sigma, n: 5000)
        var histogram = [Int64](repeating: 0, count: 1008)
        for (c, count) in [1000, 2000, 1000, 500, 500].enumerated() { histogram[c] = Int64(count) }
        let url = folder.appendingPathComponent("ref-stats.npz")
        try Npz.encoded(StatisticsFile.arrays(statistics, top1Histogram: histogram, provenance: "test reference"))
            .write(to: url)
        return url.path
    }

    private func object(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    private func list(_ object: [String: Any], _ key: String) throws -> [[String: Any]] {
        try XCTUnwrap(object[key] as? [[String: Any]], "\(key) in \(object)")
    }

    // MARK: - Inception features, a statistics-only set, class matching and the report folder

    /// Three features files (d = 2048, with logits) and a statistics file against reference
    /// statistics with classes: exactly the issue's keys; FID as `fidviz fid` prints it; the
    /// statistics set has FID and nulls and a note; Top-1 matching; and the report folder.
    func testFeaturesAndStatisticsSetsGiveTheIssuesKeysAndAReport() throws {
        let work = try makeFolder()
        let d = 2048, n = 24
        let reference = try referenceStatistics(in: work)
        let classesA = (0..<n).map { $0 % 2 }, classesB = (0..<n).map { $0 % 5 }
        let a = try features("a.npz", in: work, rows: gaussian(n, d, scale: 1.2, seed: 1), dimension: d, top1: classesA)
        let b = try features("b.npz", in: work, rows: gaussian(n, d, scale: 1.1, seed: 2), dimension: d, top1: classesB)
        let c = try features("c.npz", in: work, rows: gaussian(n, d, scale: 1.0, seed: 3), dimension: d, top1: classesB)
        let cStatistics = work.appendingPathComponent("c-stats.npz").path
        let cFile = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: c))
        try Npz.encoded(StatisticsFile.arrays(cFile.statistics, provenance: "test")).write(to: URL(fileURLWithPath: cStatistics))

        let report = work.appendingPathComponent("report").path
        let run = try fidviz(["compare", a, b, c, cStatistics, "--ref", reference, "--labels", "A,B,C,Cs",
                              "--bootstrap", "30", "--json", "-o", report])
        XCTAssertEqual(run.status, 0, "\(run)")
        let result = try object(run.stdout)
        XCTAssertEqual(Set(result.keys), ["sets", "pairs"])
        let sets = try list(result, "sets"), pairs = try list(result, "pairs")
        let setKeys: Set<String> = ["label", "n", "fid", "fid_ci95", "fid_inf", "kid_mean", "kid_std", "fid_top1_matched",
                                    "explained_top1"]
        for set in sets { XCTAssertEqual(Set(set.keys), setKeys) }
        XCTAssertEqual(sets.map { $0["label"] as? String }, ["A", "B", "C", "Cs"])
        for pair in pairs {
            XCTAssertEqual(Set(pair.keys), ["a", "b", "delta_fid", "delta_fid_ci95", "verdict", "delta_explained_by_top1"])
        }
        XCTAssertEqual(pairs.map { "\($0["a"]!)>\($0["b"]!)" }, ["A>B", "B>C", "C>Cs"])

        // FID is `fidviz fid`'s, to the bit; the interval holds it; FID_inf and Top-1 matching are numbers.
        for (k, path) in [a, b, c].enumerated() {
            let fid = try object(try fidviz(["fid", path, "--ref", reference, "--json", "--quiet"]).stdout)["fid"] as? Double
            XCTAssertEqual(sets[k]["fid"] as? Double, fid)
            let interval = try XCTUnwrap(sets[k]["fid_ci95"] as? [Double])
            XCTAssertEqual(interval.count, 2)
            XCTAssertLessThan(interval[0], try XCTUnwrap(fid))
            XCTAssertGreaterThan(interval[1], try XCTUnwrap(fid))
            XCTAssertNotNil(sets[k]["fid_inf"] as? Double)
            XCTAssertTrue(sets[k]["kid_mean"] is NSNull, "the reference has no rows")
            let matched = try XCTUnwrap(sets[k]["fid_top1_matched"] as? Double)
            XCTAssertEqual(try XCTUnwrap(sets[k]["explained_top1"] as? Double), 1 - matched / fid!, accuracy: 1e-15)
            XCTAssertEqual(sets[k]["n"] as? Int, n)
        }
        // The statistics set: the same FID as its features, nothing else, and a note saying why.
        XCTAssertEqual(try XCTUnwrap(sets[3]["fid"] as? Double), try XCTUnwrap(sets[2]["fid"] as? Double),
                       accuracy: 1e-9)
        for key in ["fid_ci95", "fid_inf", "kid_mean", "kid_std", "fid_top1_matched", "explained_top1"] {
            XCTAssertTrue(sets[3][key] is NSNull, key)
        }
        XCTAssertTrue(run.stderr.contains("Cs: \(cStatistics) holds statistics (mu, sigma)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("no interval (no images to resample)"), run.stderr)
        XCTAssertTrue(pairs[2]["delta_fid_ci95"] is NSNull && pairs[2]["verdict"] is NSNull)
        // Pairs: b − a, a verdict, and the share class matching explains.
        for (k, pair) in pairs.prefix(2).enumerated() {
            let delta = try XCTUnwrap(sets[k + 1]["fid"] as? Double) - (try XCTUnwrap(sets[k]["fid"] as? Double))
            XCTAssertEqual(try XCTUnwrap(pair["delta_fid"] as? Double), delta, accuracy: 1e-12)
            XCTAssertTrue(["better", "worse", "indistinguishable"].contains(try XCTUnwrap(pair["verdict"] as? String)))
            let matchedDelta = try XCTUnwrap(sets[k + 1]["fid_top1_matched"] as? Double)
                - (try XCTUnwrap(sets[k]["fid_top1_matched"] as? Double))
            XCTAssertEqual(try XCTUnwrap(pair["delta_explained_by_top1"] as? Double), 1 - matchedDelta / delta,
                           accuracy: 1e-9)
        }

        // The report folder: compare.json is what --json printed; CSVs of the same table; the chart.
        let folder = URL(fileURLWithPath: report)
        XCTAssertEqual(try contents(of: folder), [".fidviz-report", "compare.csv", "compare.json", "compare.png",
                                                  "index.html", "pairs.csv", "report.json"])
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("compare.json"), encoding: .utf8), run.stdout)
        let csv = try String(contentsOf: folder.appendingPathComponent("compare.csv"), encoding: .utf8)
            .split(separator: "\r\n").map(String.init)
        XCTAssertEqual(csv.first, "label,n,fid,fid_ci95_lo,fid_ci95_hi,fid_inf,kid_mean,kid_std,fid_top1_matched,explained_top1")
        XCTAssertEqual(csv.count, 5)
        // A statistics-only set: its FID and nothing else. The CSV writes the shortest decimal
        // that reads back as the Double; JSON's reader may land one ulp away, so compare values.
        let fields = csv[4].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(Array(fields.prefix(2)), ["Cs", "24"], csv[4])
        XCTAssertEqual(try XCTUnwrap(Double(fields[2])), try XCTUnwrap(sets[3]["fid"] as? Double),
                       accuracy: 1e-12 * abs(try XCTUnwrap(Double(fields[2]))), csv[4])
        XCTAssertEqual(Array(fields.dropFirst(3)), Array(repeating: "", count: 7), csv[4])
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("pairs.csv"), encoding: .utf8)
            .split(separator: "\r\n").count, 4)
        let full = try object(try String(contentsOf: folder.appendingPathComponent("report.json"), encoding: .utf8))
        let fits = try list(full, "sets").compactMap { $0["fid_inf_fit"] as? [String: Any] }
        XCTAssertEqual(fits.count, 3)
        XCTAssertEqual(fits[0]["sizes"] as? [Int], FrechetDistanceInfinity.sizes(count: n))
        XCTAssertEqual((full["interval"] as? [String: Any])?["reference_resampled"] as? Bool, false)
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        for fragment in ["compare.png", "Pairs", "not cover the choice of network", "bootstrap, basic interval about the"] {
            XCTAssertTrue(html.contains(fragment), fragment)
        }
        XCTAssertTrue(html.contains("Content-Security-Policy"))
        let png = try Data(contentsOf: folder.appendingPathComponent("compare.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual([width, height], [960, 420])

        // --baseline: every set against it.
        let baseline = try object(try fidviz(["compare", a, b, c, "--ref", reference, "--baseline", "b", "--bootstrap", "10",
                                              "--json", "--quiet"]).stdout)
        XCTAssertEqual(try list(baseline, "pairs").map { "\($0["a"]!)>\($0["b"]!)" }, ["b>a", "b>c"])
    }

    // MARK: - A reference with rows: paired intervals, verdicts and KID

    /// With reference rows (d = 6, a network no file records, so the keys are FD's), resampled: a set
    /// far from the reference is "worse" than a near one and the near one "better" than the far one;
    /// KID is `KernelInceptionDistance` over torch-fidelity's subsets.
    func testReferenceRowsGiveKIDAndVerdicts() throws {
        let work = try makeFolder()
        let d = 6, n = 300
        let referenceRows = gaussian(400, d, seed: 10)
        let reference = try features("ref.npz", in: work, rows: referenceRows, dimension: d)
        let nearRows = gaussian(n, d, shift: 0.05, seed: 11)
        let near = try features("near.npz", in: work, rows: nearRows, dimension: d)
        let far = try features("far.npz", in: work, rows: gaussian(n, d, shift: 0.6, seed: 12), dimension: d)
        let run = try fidviz(["compare", near, far, near, "--labels", "near,far,again", "--ref", reference, "--json",
                              "--resample-ref", "always", "--quiet"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let result = try object(run.stdout)
        let sets = try list(result, "sets"), pairs = try list(result, "pairs")
        XCTAssertEqual(Set(sets[0].keys), ["label", "n", "fd", "fd_ci95", "fd_inf", "kid_mean", "kid_std",
                                           "fid_top1_matched", "explained_top1"])
        XCTAssertEqual(pairs.map { $0["verdict"] as? String }, ["worse", "better"])
        XCTAssertEqual(try XCTUnwrap(pairs[1]["delta_fd"] as? Double) + (try XCTUnwrap(pairs[0]["delta_fd"] as? Double)),
                       0, accuracy: 1e-9)

        // KID is torch-fidelity's over 100 subsets of min(1000, 300, 400) rows: it varies between subsets.
        XCTAssertEqual(try XCTUnwrap(sets[0]["kid_mean"] as? Double), try KernelInceptionDistance.compute(
            features1: nearRows, features2: referenceRows, dimension: d).mean)
        XCTAssertGreaterThan(try XCTUnwrap(sets[0]["kid_std"] as? Double), 0)
        XCTAssertEqual(try XCTUnwrap(sets[0]["fd_ci95"] as? [Double]).count, 2)
    }

    /// The whole sets as the subsets (both no larger than 1000 rows and of equal size): kid_mean is
    /// the float64 definition on all rows and kid_std is 0.
    func testKIDOfWholeSetsIsTheFloat64Definition() throws {
        let work = try makeFolder()
        let d = 5, n = 120
        let referenceRows = gaussian(n, d, seed: 20), setRows = gaussian(n, d, shift: 0.2, scale: 1.1, seed: 21)
        let reference = try features("ref.npz", in: work, rows: referenceRows, dimension: d)
        let set = try features("set.npz", in: work, rows: setRows, dimension: d)
        let result = try object(try fidviz(["compare", set, "--ref", reference, "--json", "--bootstrap", "10",
                                            "--quiet"]).stdout)
        let sets = try list(result, "sets")
        func kernel(_ x: [Float], _ i: Int, _ y: [Float], _ j: Int) -> Double {
            var dot = 0.0
            for k in 0..<d { dot += Double(x[i * d + k]) * Double(y[j * d + k]) }
            return pow(dot / Double(d) + 1, 3)
        }
        var xx = 0.0, yy = 0.0, xy = 0.0
        for i in 0..<n {
            for j in 0..<n {
                if i != j {
                    xx += kernel(setRows, i, setRows, j)
                    yy += kernel(referenceRows, i, referenceRows, j)
                }
                xy += kernel(setRows, i, referenceRows, j)
            }
        }
        let mmd2 = (xx + yy) / Double(n * (n - 1)) - 2 * xy / Double(n * n)
        XCTAssertEqual(try XCTUnwrap(sets[0]["kid_mean"] as? Double), mmd2, accuracy: 1e-12 * max(1, abs(mmd2)))
        XCTAssertEqual(try XCTUnwrap(sets[0]["kid_std"] as? Double), 0, accuracy: 1e-12)
    }

    // MARK: - A second feature space

    /// --dinov2 gives each set FD_DINOv2 (as `fidviz fid` computes it on those files) with an
    /// interval; rows that are not the set's images, or files of another network, are refused.
    func testDINOv2FeaturesGiveFDDINOv2WithItsInterval() throws {
        let work = try makeFolder()
        let reference = try features("ref.npz", in: work, rows: gaussian(300, 6, seed: 30), dimension: 6)
        let a = try features("a.npz", in: work, rows: gaussian(200, 6, shift: 0.1, seed: 31), dimension: 6)
        let b = try features("b.npz", in: work, rows: gaussian(200, 6, shift: 0.3, seed: 32), dimension: 6)
        let dino = "dinov2-vits14"
        let referenceDINO = try features("ref-d.npz", in: work, rows: gaussian(300, 4, seed: 40), dimension: 4, backbone: dino)
        let aDINO = try features("a-d.npz", in: work, rows: gaussian(200, 4, shift: 0.2, seed: 41), dimension: 4, backbone: dino)
        let bDINO = try features("b-d.npz", in: work, rows: gaussian(200, 4, shift: 0.1, seed: 42), dimension: 4, backbone: dino)
        let run = try fidviz(["compare", a, b, "--ref", reference, "--dinov2", aDINO, "--dinov2", bDINO,
                              "--dinov2-ref", referenceDINO, "--json", "--bootstrap", "50", "--quiet"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let sets = try list(try object(run.stdout), "sets")
        for (k, file) in [aDINO, bDINO].enumerated() {
            XCTAssertEqual(Set(sets[k].keys), ["label", "n", "fd", "fd_ci95", "fd_inf", "kid_mean", "kid_std",
                                               "fid_top1_matched", "explained_top1", "fd_dinov2", "fd_dinov2_ci95"])
            let fd = try object(try fidviz(["fid", file, "--ref", referenceDINO, "--json", "--quiet"]).stdout)["fd_dinov2"]
            XCTAssertEqual(sets[k]["fd_dinov2"] as? Double, fd as? Double)
            let interval = try XCTUnwrap(sets[k]["fd_dinov2_ci95"] as? [Double])
            XCTAssertLessThan(interval[0], interval[1])
        }
        let short = try features("short-d.npz", in: work, rows: gaussian(150, 4, seed: 43), dimension: 4, backbone: dino)
        assertFailsWithOneLine(try fidviz(["compare", a, b, "--ref", reference, "--dinov2", aDINO, "--dinov2", short,
                                           "--dinov2-ref", referenceDINO, "--quiet"]),
                               containing: ["--dinov2 \(short): its 150 rows are not the 200 images of set b"])
        assertFailsWithOneLine(try fidviz(["compare", a, b, "--ref", reference, "--dinov2", aDINO, "--dinov2", b,
                                           "--dinov2-ref", referenceDINO, "--quiet"]),
                               containing: ["--dinov2 \(b): holds 6-dimensional features of an unrecorded network, not DINOv2's"])
    }

    // MARK: - Image folders

    /// Image folders go through the network (seeded weights) as `fidviz fid` measures them; a
    /// folder of one image is refused in one line.
    func testImageFoldersAreMeasuredAsFidMeasuresThem() throws {
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let work = try makeFolder()
        let reference = work.appendingPathComponent("ref.npz").path
        XCTAssertEqual(try fidviz(["stats", try imageFolder(6, name: "ref").path, "-o", reference, "--weights", weights,
                                   "--quiet"]).status, 0)
        let first = try imageFolder(4, name: "first"), second = try imageFolder(5, name: "second")
        let run = try fidviz(["compare", first.path, second.path, "--ref", reference, "--bootstrap", "10", "--json",
                              "--weights", weights, "--quiet"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let sets = try list(try object(run.stdout), "sets")
        XCTAssertEqual(sets.map { $0["label"] as? String }, [first.lastPathComponent, second.lastPathComponent])
        XCTAssertEqual(sets.map { $0["n"] as? Int }, [4, 5])
        for (k, folder) in [first, second].enumerated() {
            let fid = try object(try fidviz(["fid", folder.path, "--ref", reference, "--json", "--weights", weights,
                                             "--quiet"]).stdout)["fid"] as? Double
            XCTAssertEqual(sets[k]["fid"] as? Double, fid)
            XCTAssertNotNil(sets[k]["fid_top1_matched"] as? Double, "stats records the classes, images have logits")
        }
        let lone = try imageFolder(1, name: "lone")
        let refused = try fidviz(["compare", lone.path, "--ref", reference, "--weights", weights, "--quiet"])
        assertFailsWithOneLine(refused, containing: ["1 image in the \(lone.lastPathComponent) set, but statistics need at least 2"])
    }

    // MARK: - Help

    func testHelpTeachesTheMethodAndTheKeys() throws {
        let run = try fidviz(["compare", "--help"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let text = run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for fragment in ["USAGE: fidviz compare [<options>] <set> ... --ref <ref>", "multinomial weights, not copies",
                         "min(5000, N/10) to N", "100 subsets of 1000", "reflected about FID",
                         "not the choice of network", "fid_ci95", "delta_explained_by_top1", "--resample-ref <when>",
                         "--dinov2 <file>", "fidviz compare ck-100k.npz ck-200k.npz ck-300k.npz --ref ref.npz -o report"] {
            XCTAssertTrue(text.contains(fragment), "'\(fragment)' not in the help")
        }
    }

    // MARK: - Bad input

    /// Each refusal is one line, exit 1 (64 for a usage error), and leaves no report folder.
    func testBadInputGetsOneLineAndWritesNothing() throws {
        let work = try makeFolder()
        let six = try features("six.npz", in: work, rows: gaussian(50, 6, seed: 1), dimension: 6)
        let eight = try features("eight.npz", in: work, rows: gaussian(50, 8, seed: 2), dimension: 8)
        let ref = try features("ref.npz", in: work, rows: gaussian(60, 6, seed: 3), dimension: 6)
        let dino = try features("dino.npz", in: work, rows: gaussian(50, 6, seed: 4), dimension: 6, backbone: "dinov2-vits14")
        let inception = try features("inc.npz", in: work, rows: gaussian(50, 6, seed: 5), dimension: 6, backbone: "inception")
        let one = try features("one.npz", in: work, rows: gaussian(1, 6, seed: 6), dimension: 6)
        let refStats = work.appendingPathComponent("ref-stats.npz")
        let statistics = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: ref)).statistics
        try Npz.encoded(StatisticsFile.arrays(statistics, provenance: "test")).write(to: refStats)
        let report = work.appendingPathComponent("report")

        func refused(_ arguments: [String], status: Int32 = 1, _ fragments: [String]) throws {
            let run = try fidviz(["compare"] + arguments + ["-o", report.path, "--quiet"])
            XCTAssertEqual(run.status, status, "\(run)")
            XCTAssertEqual(run.stdout, "", "\(run)")
            XCTAssertEqual(run.stderrLines.count, 1, "\(run)")
            for fragment in fragments { XCTAssertTrue(run.stderr.contains(fragment), "'\(fragment)' not in \(run.stderr)") }
            XCTAssertEqual(try contents(of: work).filter { $0.hasPrefix(".report") || $0 == "report" }, [], "\(run)")
        }
        try refused([six, eight, "--ref", ref], ["eight.npz holds 8-dimensional features", "six.npz holds 6-dimensional"])
        try refused([dino, inception, "--ref", ref], ["DINOv2 ViT-S/14 features", "Inception-v3 ones", "one backbone"])
        try refused([six, "--ref", refStats.path, "--resample-ref", "always"],
                    ["--ref \(refStats.path): holds statistics", "nothing to resample"])
        try refused([six, eight, "--ref", ref, "--labels", "a,b,c"], status: 64, ["--labels gives 3 label(s) for 2 set(s)"])
        try refused([six, six, "--ref", ref], status: 64, ["two sets are named 'six'"])
        try refused([six, "--ref", ref, "--baseline", "x"], status: 64, ["--baseline x is none of the set labels"])
        try refused([one, "--ref", ref], ["1 sample(s) given but at least 2 are needed"])
        let shard = work.appendingPathComponent("shard.npz")
        try Npz.encoded([("pool3", NpyArray(gaussian(25, 6, seed: 7), shape: [25, 6]))] + StatisticsFile.recordArrays(
            origin: FeatureOrigin(weightsSHA256: String(repeating: "0", count: 64), preprocessing: "test", backbone: nil),
            shard: ShardRecord(slice: ShardSlice(index: 1, count: 4), total: 100))).write(to: shard)
        try refused([six, shard.path, "--ref", ref], ["shard.npz: holds shard 1/4 (images 25..<50 of 100)",
                                                      "merge the shards first"])
    }
}
