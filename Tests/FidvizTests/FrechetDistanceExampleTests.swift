// `fidviz fid` on files of any dimension: the worked example of FID computed by hand, a
// 64-dimensional feature space (FD), and clean-fid's KID feature files.

import Foundation
import Frechet
import NumpyFiles
import TestSupport
import XCTest

final class FrechetDistanceExampleTests: FidvizTestCase {
    // MARK: - The worked example

    /// FID = |mu_r - mu_g|^2 + Tr S_r + Tr S_g - 2 Tr (S_r^1/2 S_g S_r^1/2)^1/2, by hand, for two
    /// samples per set in three dimensions (the README's example):
    ///
    ///     reference r1 = (2, 0, 0), r2 = (0, 0, 0)     generated g1 = (2, 3, 1), g2 = (0, 1, 1)
    ///
    /// Means: mu_r = (1, 0, 0), mu_g = (1, 2, 1); |mu_r - mu_g|^2 = 0 + 4 + 1 = 5.
    /// N - 1 covariances: with two samples the deviations are +-(x1 - x2)/2, so
    /// S = (x1 - x2)(x1 - x2)^T / 2, of rank one:
    ///     a = r1 - r2 = (2, 0, 0):  S_r = a a^T / 2 = diag(2, 0, 0),               Tr S_r = 2
    ///     b = g1 - g2 = (2, 2, 0):  S_g = b b^T / 2 = [[2, 2, 0], [2, 2, 0], [0, 0, 0]], Tr S_g = 4
    /// The square-root term: S_r^1/2 = diag(sqrt 2, 0, 0), so S_r^1/2 S_g S_r^1/2 = diag(4, 0, 0)
    /// and Tr (..)^1/2 = 2. (For rank-one S_r = u u^T, S_g = v v^T it is |u . v| = |a . b| / 2 = 4 / 2.)
    ///
    ///     FID = 5 + 2 + 4 - 2 * 2 = 7.
    static let reference: [[Double]] = [[2, 0, 0], [0, 0, 0]]
    static let generated: [[Double]] = [[2, 3, 1], [0, 1, 1]]

    /// Through the library: the accumulator's statistics are the hand-computed ones, and the
    /// distance is 7.
    func testWorkedExampleThroughTheLibrary() throws {
        let r = try Self.statistics(Self.reference), g = try Self.statistics(Self.generated)
        XCTAssertEqual(r.mu, [1, 0, 0])
        XCTAssertEqual(g.mu, [1, 2, 1])
        XCTAssertEqual(r.sigma, [2, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(g.sigma, [2, 2, 0, 2, 2, 0, 0, 0, 0])
        XCTAssertEqual(try FrechetDistance.distance(reference: r, generated: g), 7, accuracy: 1e-12)
        // FID is symmetric in its two sets.
        XCTAssertEqual(try FrechetDistance.distance(reference: g, generated: r), 7, accuracy: 1e-12)
    }

    /// Through the CLI: the same numbers written as statistics files (mu, sigma, n) and as
    /// features files (the two rows each) give FD 7 (3 dimensions is not pool3, so "FD").
    func testWorkedExampleThroughTheCommandLine() throws {
        let work = try makeFolder()
        for (name, rows) in [("r", Self.reference), ("g", Self.generated)] {
            let s = try Self.statistics(rows)
            try Npz.encoded([("mu", NpyArray(s.mu)), ("sigma", NpyArray(s.sigma, shape: [3, 3])), ("n", NpyArray(scalar: Int64(2)))]).write(to: work.appendingPathComponent("\(name)-stats.npz"))
            try Npz.encoded([("pool3", NpyArray(rows.flatMap { $0 }, shape: [2, 3]))]).write(to: work.appendingPathComponent("\(name)-features.npz"))
        }
        for kind in ["stats", "features"] {
            let g = work.appendingPathComponent("g-\(kind).npz").path, r = work.appendingPathComponent("r-\(kind).npz").path
            let json = try fidviz(["fid", g, "--ref", r, "--json", "-q"])
            XCTAssertEqual(json.status, 0, "\(json)")
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), ["fd", "dimension", "n_gen", "n_ref"], kind)
            XCTAssertEqual(try XCTUnwrap(object["fd"] as? Double), 7, accuracy: 1e-12, kind)
            XCTAssertEqual(object["dimension"] as? Int, 3)
            XCTAssertEqual(object["n_gen"] as? Int, 2)
            XCTAssertEqual(object["n_ref"] as? Int, 2)

            let text = try fidviz(["fid", g, "--ref", r])
            XCTAssertEqual(text.status, 0, "\(text)")
            XCTAssertTrue(text.stdout.hasPrefix("FD: "), text.stdout)
            XCTAssertEqual(try XCTUnwrap(Double(text.stdout.dropFirst(4).dropLast())), 7, accuracy: 1e-12)
            // Two samples in three dimensions: both covariances are singular, and the warning
            // names the real dimension.
            XCTAssertEqual(text.stderrLines, ["generated", "reference"].map {
                "fidviz: warning: the \($0) set has 2 samples, fewer than the 3 feature dimensions: its covariance is "
                    + "singular and the distance is biased upwards; use at least 3"
            })
        }
    }

    // MARK: - Another feature space

    /// Features of dimension 64 (not pool3): `fid` gives the library's Fréchet distance as FD, KID
    /// works with the kernel's d = 64, and a 64-d file against a 2048-d one is refused.
    func testStatisticsOfDimension64() throws {
        let work = try makeFolder()
        let d = 64, n = 150
        func rows(_ seed: Double, shift: Double) -> [Float] {
            (0 ..< n * d).map { i in Float(sin(Double(i) * 0.37 + seed) * (1 + Double(i % d) / 16) + shift * Double(i % 3)) }
        }
        let a = rows(1, shift: 0), b = rows(2, shift: 0.25)
        try Npz.encoded([("pool3", NpyArray(a, shape: [n, d]))]).write(to: work.appendingPathComponent("a.npz"))
        try Npz.encoded([("pool3", NpyArray(b, shape: [n, d]))]).write(to: work.appendingPathComponent("b.npz"))
        let expected = try FrechetDistance.distance(reference: try Self.statistics(b, dimension: d),
                                                    generated: try Self.statistics(a, dimension: d))
        XCTAssertGreaterThan(expected, 0.1)

        let run = try fidviz(["fid", work.appendingPathComponent("a.npz").path, "--ref", work.appendingPathComponent("b.npz").path,
                              "--kid", "--kid-subset-size", "100", "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stderr, "", "150 samples in 64 dimensions: no warning")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["fd", "dimension", "n_gen", "n_ref", "kid_mean", "kid_std", "kid_subsets", "kid_subset_size"])
        XCTAssertEqual(object["dimension"] as? Int, 64)
        XCTAssertEqual(try XCTUnwrap(object["fd"] as? Double), expected, accuracy: 1e-12 * expected)
        let kid = try KernelInceptionDistance.compute(features1: a, features2: b, dimension: d, subsets: 100, subsetSize: 100)
        XCTAssertEqual(try XCTUnwrap(object["kid_mean"] as? Double), kid.mean, accuracy: 1e-12 * abs(kid.mean))

        let pool3 = Fixtures.url("stats/pytorch_fid_a.npz").path
        let mixed = try fidviz(["fid", work.appendingPathComponent("a.npz").path, "--ref", pool3])
        assertFailsWithOneLine(mixed, containing: [
            "\(work.appendingPathComponent("a.npz").path) holds 64-dimensional features but \(pool3) holds 2048-dimensional ones",
        ])
    }

    // MARK: - clean-fid KID files

    /// clean-fid saves the features it computes KID from as `feats` [N, 2048] (np.savez_compressed,
    /// `<name>_..._kid.npz`). Such files are features for `--kid`: the golden sets written that
    /// way give torch-fidelity's KID, as fidviz features files do.
    func testCleanFIDKIDFilesAreFeatures() throws {
        let work = try makeFolder()
        let arrays = try Npz.read(contentsOf: Fixtures.url("golden/kid_fixture.npz"))
        for key in ["a", "b"] {
            let rows = try XCTUnwrap(arrays[key])
            XCTAssertEqual(rows.shape, [300, 2048])
            try Npz.encoded([("feats", rows)], compressed: true).write(to: work.appendingPathComponent("\(key)_clean_custom_na_kid.npz"))
        }
        let run = try fidviz(["fid", work.appendingPathComponent("a_clean_custom_na_kid.npz").path,
                              "--ref", work.appendingPathComponent("b_clean_custom_na_kid.npz").path, "--kid", "--json", "-q"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["n_gen"] as? Int, 300)
        XCTAssertEqual(object["kid_subset_size"] as? Int, 300)
        // The float64 value of torch-fidelity's formula on these sets (see StatsAndFIDTests).
        XCTAssertEqual(try XCTUnwrap(object["kid_mean"] as? Double), 9.140522935232752, accuracy: 1e-9 * 9.14)
        let fid = try XCTUnwrap(object["fid"] as? Double)
        let a = try XCTUnwrap(arrays["a"]?.floats()), b = try XCTUnwrap(arrays["b"]?.floats())
        let expected = try FrechetDistance.distance(reference: try Self.statistics(b, dimension: 2048),
                                                    generated: try Self.statistics(a, dimension: 2048))
        XCTAssertEqual(fid, expected, accuracy: 1e-12 * expected)
    }

    // MARK: - Helpers

    private static func statistics(_ rows: [[Double]]) throws -> FrechetStatistics {
        let accumulator = StatisticsAccumulator(dimension: rows[0].count)
        accumulator.add(rows: rows.flatMap { $0 })
        return try accumulator.statistics()
    }

    /// Statistics accumulated as fidviz reads a features file (chunks of 256 rows).
    private static func statistics(_ rows: [Float], dimension d: Int) throws -> FrechetStatistics {
        let accumulator = StatisticsAccumulator(dimension: d)
        for start in stride(from: 0, to: rows.count / d, by: 256) {
            accumulator.add(rows: Array(rows[(start * d) ..< (min(start + 256, rows.count / d) * d)]))
        }
        return try accumulator.statistics()
    }
}
