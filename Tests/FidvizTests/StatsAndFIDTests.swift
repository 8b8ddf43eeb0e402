// `fidviz stats` and `fidviz fid`, run as a user runs them: the built binary in a subprocess.
// Build it first: swift build -c release -Xswiftc -enable-testing --product fidviz

import Foundation
import Frechet
import TestSupport
import XCTest
@testable import NumpyFiles

final class StatsAndFIDTests: FidvizTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = try makeFolder("stats")
    }

    // MARK: - Broken statistics files

    /// Each broken file, as the generated set or as --ref: exit 1 and exactly one stderr line,
    /// the `FrechetError` that names the file and the key.
    func testBrokenStatisticsFilesFailWithOneLineNamingFileAndKey() throws {
        let d = 2048
        let good = Fixtures.url("stats/pytorch_fid_a.npz").path
        let mu = [Double](repeating: 0.5, count: d)
        let identity = Self.diagonal([Double](repeating: 1, count: d))
        func moments(_ mu: [Double], _ sigma: [Double], sigmaShape: [Int]? = nil) -> [(name: String, array: NpyArray)] {
            [("mu", NpyArray(mu)), ("sigma", NpyArray(sigma, shape: sigmaShape ?? [mu.count, mu.count]))]
        }
        var nanMu = mu
        nanMu[7] = .nan
        var infSigma = identity
        infSigma[1 * d + 2] = .infinity
        infSigma[2 * d + 1] = .infinity
        var skewed = identity
        skewed[3 * d + 5] = 0.5
        var negative = identity
        negative[9 * d + 9] = -1
        var nanFeatures = [Float](repeating: 0.25, count: 3 * d)
        nanFeatures[1 * d + 5] = .nan

        let cases: [(file: String, arrays: [(name: String, array: NpyArray)], asReference: Bool, error: (String) -> FrechetError)] = [
            ("only_mu.npz", [("mu", NpyArray(mu))], false,
             { .missingKey(source: $0, key: "sigma", available: ["mu"]) }),
            ("no_statistics.npz", [("arr_0", NpyArray([1.0, 2.0]))], true,
             { .missingKey(source: $0, key: "mu", available: ["arr_0"]) }),
            ("sigma_2047.npz", moments(mu, [Double](repeating: 0, count: d * (d - 1)), sigmaShape: [d, d - 1]), true,
             { .shapeMismatch(source: $0, key: "sigma", shape: [d, d - 1], expected: [d, d],
                              reason: "sigma must be square and match mu [2048]") }),
            ("nan_mu.npz", moments(nanMu, identity), false,
             { .nonFinite(source: $0, key: "mu", index: [7], value: .nan) }),
            ("inf_sigma.npz", moments(mu, infSigma), true,
             { .nonFinite(source: $0, key: "sigma", index: [1, 2], value: .infinity) }),
            ("not_symmetric.npz", moments(mu, skewed), false,
             { .notSymmetric(source: $0, key: "sigma", row: 3, column: 5, difference: 0.5, tolerance: 1e-6) }),
            ("not_psd.npz", moments(mu, negative), true,
             { .notPositiveSemidefinite(source: $0, key: "sigma", eigenvalue: -1, tolerance: 1e-6) }),
            ("nan_features.npz", [("pool3", NpyArray(nanFeatures, shape: [3, d]))], false,
             { .nonFinite(source: $0, key: "pool3", index: [1, 5], value: .nan) }),
        ]
        for item in cases {
            let url = scratch.appendingPathComponent(item.file)
            try Npz.encoded(item.arrays, compressed: true).write(to: url)
            let arguments = item.asReference ? ["fid", good, "--ref", url.path] : ["fid", url.path, "--ref", good]
            let run = try fidviz(arguments)
            XCTAssertEqual(run.status, 1, "\(item.file): \(run)")
            XCTAssertEqual(run.stderrLines, ["Error: " + item.error(url.path).description], item.file)
            XCTAssertEqual(run.stdout, "", item.file)
        }
    }

    /// A file cut short and a file that is not a zip: one line naming the file.
    func testUnreadableStatisticsFilesFailWithOneLine() throws {
        let whole = try Data(contentsOf: Fixtures.url("stats/pytorch_fid_b.npz"))
        let truncated = scratch.appendingPathComponent("truncated.npz")
        try whole.prefix(whole.count / 2).write(to: truncated)
        let text = scratch.appendingPathComponent("notes.npz")
        try Data("mu and sigma, honest\n".utf8).write(to: text)
        for url in [truncated, text] {
            let run = try fidviz(["fid", Fixtures.url("stats/pytorch_fid_a.npz").path, "--ref", url.path])
            XCTAssertEqual(run.status, 1, "\(run)")
            XCTAssertEqual(run.stderrLines.count, 1, "\(run)")
            XCTAssertTrue(run.stderr.hasPrefix("Error: \(url.path): cannot be read or written: "), "\(run)")
        }
    }

    /// --kid needs feature vectors; statistics alone are refused before any work, in one line.
    func testKIDRefusesStatisticsFiles() throws {
        let reference = Fixtures.url("stats/pytorch_fid_b.npz").path
        let run = try fidviz(["fid", Fixtures.url("stats/pytorch_fid_a.npz").path, "--ref", reference, "--kid"])
        XCTAssertEqual(run.status, 1, "\(run)")
        XCTAssertEqual(run.stderrLines, [
            "Error: --kid needs feature vectors, but \(Fixtures.url("stats/pytorch_fid_a.npz").path) holds "
                + "pytorch-fid/TTUR statistics (mu, sigma) only; pass a features .npz from `fidviz features` or the images themselves",
        ])
    }

    /// A missing .npz, and a .npz mixed with other inputs, are refused in one line.
    func testFIDRefusesAmbiguousOrMissingInputs() throws {
        let a = Fixtures.url("stats/pytorch_fid_a.npz").path, b = Fixtures.url("stats/pytorch_fid_b.npz").path
        let missing = scratch.appendingPathComponent("absent.npz").path
        let expectations: [([String], String)] = [
            (["fid", missing, "--ref", b], "Error: \(missing): no such file"),
            (["fid", a, "--ref", missing], "Error: --ref \(missing): no such file"),
            (["fid", a, b, "--ref", b], "Error: \(a) \(b): give one .npz file (statistics or features) or images and folders, not several arguments including a .npz"),
        ]
        for (arguments, line) in expectations {
            let run = try fidviz(arguments)
            XCTAssertEqual(run.status, 1, "\(run)")
            XCTAssertEqual(run.stderrLines, [line])
        }
    }

    // MARK: - pytorch-fid files

    /// Files numpy wrote with np.savez_compressed in pytorch-fid's layout (see
    /// Fixtures/stats/make_stats_fixtures.py) give the FID that `FrechetDistance` gives on the same
    /// arrays and that pytorch-fid's calculate_frechet_distance (scipy sqrtm) gave at
    /// fixture-making time: 14456.740310187919 (a symmetric-eigh route in numpy: 14456.74031018792).
    func testNumpySavezCompressedStatisticsGiveTheSameFID() throws {
        let a = Fixtures.url("stats/pytorch_fid_a.npz"), b = Fixtures.url("stats/pytorch_fid_b.npz")
        let run = try fidviz(["fid", a.path, "--ref", b.path])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stderr, "", "pytorch-fid files have no n, so no sample-count warning")
        let fid = try XCTUnwrap(run.stdout.hasPrefix("FID: ") ? Double(run.stdout.dropFirst(5).dropLast()) : nil, run.stdout)
        let expected = try FrechetDistance.distance(reference: Self.moments(b), generated: Self.moments(a))
        XCTAssertEqual(fid, expected, accuracy: 1e-12 * expected)
        XCTAssertEqual(fid, 14456.740310187919, accuracy: 1e-6 * 14456.74)
    }

    /// The golden statistics (sigma = b b^T + ridge I) written as `np.savez` writes pytorch-fid's
    /// --save-stats (stored members mu.npy, sigma.npy, nothing else) give the golden FID.
    func testGoldenStatisticsInPytorchFIDLayoutGiveTheGoldenFID() throws {
        let arrays = try Npz.read(contentsOf: Fixtures.url("golden/stats_fixture.npz"))
        let ridge = try XCTUnwrap(arrays["ridge"]?.scalarDouble())
        let golden = try XCTUnwrap(arrays["fid"]?.scalarDouble())
        var statistics: [String: FrechetStatistics] = [:]
        for side in ["r", "g"] {
            let mu = try XCTUnwrap(arrays["mu_\(side)"]?.doubles())
            let factor = try XCTUnwrap(arrays["b_\(side)"])
            let sigma = Self.covariance(factor: factor.doubles()!, rank: factor.shape[1], ridge: ridge)
            statistics[side] = FrechetStatistics(mu: mu, sigma: sigma)
            try Npz.encoded([("mu", NpyArray(mu)), ("sigma", NpyArray(sigma, shape: [mu.count, mu.count]))])
                .write(to: scratch.appendingPathComponent("\(side).npz"))
        }
        let run = try fidviz(["fid", scratch.appendingPathComponent("g.npz").path,
                                        "--ref", scratch.appendingPathComponent("r.npz").path, "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let object = try Self.jsonObject(run.stdout)
        XCTAssertEqual(Set(object.keys), ["fid", "n_gen", "n_ref"])
        XCTAssertTrue(object["n_gen"] is NSNull && object["n_ref"] is NSNull, "pytorch-fid files record no n: \(object)")
        let fid = try XCTUnwrap(object["fid"] as? Double)
        XCTAssertEqual(fid, golden, accuracy: 1e-6 * golden)
        let direct = try FrechetDistance.distance(reference: statistics["r"]!, generated: statistics["g"]!)
        XCTAssertEqual(fid, direct, accuracy: 1e-12 * direct)
    }

    // MARK: - KID

    /// torch-fidelity's KID of the golden 300 x 2048 feature sets, each written as a fidviz
    /// features file: the default 1000-row subsets clamp to 300, so every one of the 100 subsets
    /// is the whole set (reshuffled) and the spread is rounding only.
    ///
    /// The golden `kid` (9.140625) was accumulated by torch-fidelity in Float32 and is ~1.1e-5
    /// relative from the exact value; the same formula in Float64 with numpy gives
    /// 9.140522935232752, which is what 1e-6 relative can be asked of.
    func testKIDOfGoldenFeatureFilesMatchesTorchFidelity() throws {
        let arrays = try Npz.read(contentsOf: Fixtures.url("golden/kid_fixture.npz"))
        for key in ["a", "b"] {
            let rows = try XCTUnwrap(arrays[key])
            XCTAssertEqual(rows.shape, [300, 2048])
            try Npz.encoded([("files", NpyArray((0 ..< 300).map { "\(key)\($0).png" })), ("pool3", rows)])
                .write(to: scratch.appendingPathComponent("\(key).npz"))
        }
        let run = try fidviz(["fid", scratch.appendingPathComponent("a.npz").path,
                                        "--ref", scratch.appendingPathComponent("b.npz").path, "--kid", "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let object = try Self.jsonObject(run.stdout)
        XCTAssertEqual(Set(object.keys), ["fid", "n_gen", "n_ref", "kid_mean", "kid_std", "kid_subsets", "kid_subset_size"])
        XCTAssertEqual(object["n_gen"] as? Int, 300)
        XCTAssertEqual(object["n_ref"] as? Int, 300)
        XCTAssertEqual(object["kid_subsets"] as? Int, 100)
        XCTAssertEqual(object["kid_subset_size"] as? Int, 300)
        let mean = try XCTUnwrap(object["kid_mean"] as? Double), std = try XCTUnwrap(object["kid_std"] as? Double)
        let golden = try XCTUnwrap(arrays["kid"]?.scalarDouble())
        XCTAssertEqual(mean, 9.140522935232752, accuracy: 1e-9 * 9.14)
        XCTAssertEqual(mean, golden, accuracy: 2e-5 * golden)
        XCTAssertLessThan(std, 1e-9 * mean)
        // 300 samples in 2048 dimensions: both sets are warned about.
        XCTAssertEqual(run.stderrLines.filter { $0.contains("fewer than the 2048 feature dimensions") }.count, 2, "\(run)")

        let plain = try fidviz(["fid", scratch.appendingPathComponent("a.npz").path,
                                          "--ref", scratch.appendingPathComponent("b.npz").path, "--kid", "-q"])
        let lines = plain.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, "\(plain)")
        // Foundation's JSON parser may round the last digit, so the numbers are compared, not the text.
        XCTAssertTrue(lines.first?.hasPrefix("FID: ") == true, "\(plain)")
        let plainFID = try XCTUnwrap(lines.first.flatMap { Double($0.dropFirst(5)) }, "\(plain)")
        XCTAssertEqual(plainFID, try XCTUnwrap(object["fid"] as? Double), accuracy: 1e-14 * plainFID)
        let kidParts = try XCTUnwrap(lines.last?.hasPrefix("KID: ") == true ? lines.last?.dropFirst(5).components(separatedBy: " ± ") : nil)
        XCTAssertEqual(kidParts.count, 2, "\(plain)")
        XCTAssertEqual(try XCTUnwrap(Double(kidParts[0])), mean, accuracy: 1e-14 * mean)
        XCTAssertEqual(try XCTUnwrap(Double(kidParts[1])), std, accuracy: 1e-3 * std)
        XCTAssertEqual(plain.stderr, "")
    }

    // MARK: - Argument checks before any work

    func testStatsChecksItsOutputAndImageCountBeforeLoadingWeights() throws {
        let image = Fixtures.url("golden/images/horse.png").path
        let missingWeights = scratch.appendingPathComponent("absent.pth").path
        let folder = scratch.appendingPathComponent("absent").path
        let unwritable = try fidviz(["stats", image, "-o", folder + "/ref.npz", "--weights", missingWeights])
        XCTAssertEqual(unwritable.status, 1, "\(unwritable)")
        XCTAssertEqual(unwritable.stderrLines, ["Error: -o \(folder)/ref.npz: the folder \(folder) does not exist"])

        let output = scratch.appendingPathComponent("ref.npz").path
        let single = try fidviz(["stats", image, "-o", output, "--weights", missingWeights])
        XCTAssertEqual(single.status, 1, "\(single)")
        XCTAssertEqual(single.stderrLines, ["Error: \(image): 1 image, but statistics need at least 2 (the covariance divides by N-1)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    // MARK: - End to end with the seeded weights

    /// `stats` on the golden images: pytorch-fid's layout plus n, top1_hist and provenance; the
    /// statistics of the golden pool3 features within 1e-4; identical for batch sizes 1 and 5.
    func testStatsOfGoldenImagesIndependentOfBatchSize() throws {
        let weights = try Self.seededWeights()
        var files: [Int: [String: NpyArray]] = [:]
        for batch in [1, 5] {
            let output = scratch.appendingPathComponent("golden-\(batch).npz")
            let run = try fidviz(["stats", Fixtures.url("golden/images").path, "-o", output.path,
                                            "--weights", weights.path, "--batch-size", "\(batch)", "-q"])
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.stderr, "")
            files[batch] = try Npz.read(contentsOf: output)
        }
        let one = files[1]!, five = files[5]!
        XCTAssertEqual(Set(one.keys), ["mu", "sigma", "n", "top1_hist", "mu_logits", "sigma_logits", "mu_top5",
                                       "sigma_top5", "fidviz", "weights_sha256", "preprocessing"])
        XCTAssertEqual(one["mu_top5"]!.shape, [1008])
        XCTAssertEqual(one["sigma_top5"]!.shape, [1008, 1008])
        // Each image's Top-5 multi-hot vector has five ones: the means sum to 5.
        XCTAssertEqual(one["mu_top5"]!.doubles()!.reduce(0, +), 5, accuracy: 1e-12)
        XCTAssertEqual(one["mu_logits"]!.shape, [1008])
        XCTAssertEqual(one["sigma_logits"]!.shape, [1008, 1008])
        XCTAssertEqual(one["mu"]!.dtype, "<f8")
        XCTAssertEqual(one["mu"]!.shape, [2048])
        XCTAssertEqual(one["sigma"]!.dtype, "<f8")
        XCTAssertEqual(one["sigma"]!.shape, [2048, 2048])
        XCTAssertEqual(one["n"]!.shape, [])
        XCTAssertEqual(one["n"]!.int64s(), [5])
        let histogram = try XCTUnwrap(one["top1_hist"]?.int64s())
        XCTAssertEqual(histogram.count, 1008)
        XCTAssertEqual(histogram[876], 5, "every golden image's Top-1 class is 876 (summary.json)")
        XCTAssertEqual(histogram.reduce(0, +), 5)
        let provenance = try XCTUnwrap(one["fidviz"]?.strings()?.first)
        XCTAssertTrue(provenance.hasPrefix("fidviz "), provenance)
        XCTAssertTrue(provenance.contains("PIL-RGB /255 bilinear299 align_corners=False 2x-1"), provenance)
        XCTAssertTrue(provenance.contains("SHA-256 \(try Self.sha256Prefix(weights))"), provenance)

        XCTAssertLessThanOrEqual(relativeError(one["mu"]!.doubles()!, five["mu"]!.doubles()!), 1e-12)
        XCTAssertLessThanOrEqual(relativeError(one["sigma"]!.doubles()!, five["sigma"]!.doubles()!), 1e-12)

        // Against np.mean / np.cov of the golden pool3 features (PyTorch float64).
        let accumulator = StatisticsAccumulator(dimension: 2048)
        for stem in ["astronaut", "camera", "chelsea_crop96", "chessboard_RGB", "horse"] {
            accumulator.add(rows: try XCTUnwrap(Npz.read(contentsOf: Fixtures.url("golden/\(stem).npz"))["pool3"]?.doubles()))
        }
        let golden = try accumulator.statistics()
        XCTAssertLessThanOrEqual(relativeError(one["mu"]!.doubles()!, golden.mu), 1e-4)
        XCTAssertLessThanOrEqual(relativeError(one["sigma"]!.doubles()!, golden.sigma), 1e-4)
    }

    /// FID of the golden images' statistics against themselves is 0 up to rounding, from the
    /// .npz and from the images; --json carries n from fidviz files and image sets.
    func testFIDOfGoldenStatisticsAgainstThemselvesIsZero() throws {
        let weights = try Self.seededWeights()
        let images = Fixtures.url("golden/images").path
        let stats = scratch.appendingPathComponent("golden.npz").path
        let made = try fidviz(["stats", images, "-o", stats, "--weights", weights.path, "-q"])
        XCTAssertEqual(made.status, 0, "\(made)")
        let trace = try FrechetStatistics.load(contentsOf: URL(fileURLWithPath: stats)).traceOfSigma

        let fromFiles = try fidviz(["fid", stats, "--ref", stats, "--json"])
        XCTAssertEqual(fromFiles.status, 0, "\(fromFiles)")
        let object = try Self.jsonObject(fromFiles.stdout)
        XCTAssertEqual(Set(object.keys), ["fid", "n_gen", "n_ref"])
        XCTAssertEqual(object["n_gen"] as? Int, 5)
        XCTAssertEqual(object["n_ref"] as? Int, 5)
        XCTAssertLessThan(abs(try XCTUnwrap(object["fid"] as? Double)), 1e-6 * trace)
        XCTAssertEqual(fromFiles.stderrLines.filter { $0.contains("fewer than the 2048 feature dimensions") }.count, 2,
                       "\(fromFiles)")

        let fromImages = try fidviz(["fid", images, "--ref", stats, "--weights", weights.path, "-q"])
        XCTAssertEqual(fromImages.status, 0, "\(fromImages)")
        XCTAssertTrue(fromImages.stdout.hasPrefix("FID: "), fromImages.stdout)
        let fid = try XCTUnwrap(Double(fromImages.stdout.dropFirst(5).dropLast()), fromImages.stdout)
        XCTAssertLessThan(abs(fid), 1e-6 * trace)

        // Images on both sides with --kid: the features are kept. Every subset is the whole set, and
        // the unbiased MMD^2 of a set with itself is not 0 (the cross term has k(x, x)): compare
        // with the golden pool3 features (1e-4 from fidviz's), so 1e-3 relative.
        let both = try fidviz(["fid", images, "--ref", images, "--weights", weights.path, "--kid", "--json", "-q"])
        XCTAssertEqual(both.status, 0, "\(both)")
        let kid = try Self.jsonObject(both.stdout)
        XCTAssertEqual(kid["kid_subset_size"] as? Int, 5)
        var golden: [Double] = []
        for stem in ["astronaut", "camera", "chelsea_crop96", "chessboard_RGB", "horse"] {
            golden += try XCTUnwrap(Npz.read(contentsOf: Fixtures.url("golden/\(stem).npz"))["pool3"]?.doubles())
        }
        let expected = KernelInceptionDistance.unbiasedMMD2(golden, golden, rows: 5, dimension: 2048)
        XCTAssertEqual(try XCTUnwrap(kid["kid_mean"] as? Double), expected, accuracy: 1e-3 * abs(expected))
        XCTAssertLessThan(try XCTUnwrap(kid["kid_std"] as? Double), 1e-9 * abs(expected))
    }

    // MARK: - Helpers

    /// The seed-0 stand-in weights, written like pytorch-fid's real (legacy-format) file.
    private static func seededWeights() throws -> URL {
        try TestRun.seededCheckpoint(.legacy)
    }

    private static func sha256Prefix(_ url: URL) throws -> String {
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = ["sha256sum", url.path]
        let pipe = Pipe()
        run.standardOutput = pipe
        try run.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        run.waitUntilExit()
        return String(String(decoding: output, as: UTF8.self).prefix(8))
    }

    private static func moments(_ url: URL) throws -> FrechetStatistics {
        let arrays = try Npz.read(contentsOf: url)
        return FrechetStatistics(mu: try XCTUnwrap(arrays["mu"]?.doubles()), sigma: try XCTUnwrap(arrays["sigma"]?.doubles()))
    }

    private static func diagonal(_ values: [Double]) -> [Double] {
        let d = values.count
        var matrix = [Double](repeating: 0, count: d * d)
        for i in 0 ..< d { matrix[i * d + i] = values[i] }
        return matrix
    }

    /// factor factor^T + ridge I for a row-major [d, rank] factor.
    private static func covariance(factor: [Double], rank k: Int, ridge: Double) -> [Double] {
        let d = factor.count / k
        var sigma = [Double](repeating: 0, count: d * d)
        for i in 0 ..< d {
            for j in i ..< d {
                var sum = 0.0
                for c in 0 ..< k { sum += factor[i * k + c] * factor[j * k + c] }
                sigma[i * d + j] = sum + (i == j ? ridge : 0)
                sigma[j * d + i] = sigma[i * d + j]
            }
        }
        return sigma
    }

    private static func jsonObject(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(object as? [String: Any], text)
    }
}
