import Foundation
import Heatmap
import NumpyFiles
import Pixels
import TestSupport
import XCTest

@testable import Frechet

/// Phase 1 of `fidviz explain` on a 30-image folder: every image's ΔFID in report.json against
/// FID computed the direct O(d^3) way with and without it, and `--features` giving the report the
/// images give.
final class ExplainRankingTests: FidvizTestCase {
    /// The 30 images: 5 crops of each of the 6 test pictures, 0.png ... 29.png.
    static let folder: Result<URL, Error> = Result {
        let folder = try TestRun.folder("thirty-images")
        for (p, source) in pictures.enumerated() {
            let picture = try PNGDecoder.decode(contentsOf: source)
            for k in 0 ..< 5 {
                let width = picture.width * (6 + k) / 10, height = picture.height * (10 - k) / 10
                let x0 = (picture.width - width) * k / 4, y0 = (picture.height - height) * (4 - k) / 4
                var rgb = [UInt8](repeating: 0, count: width * height * 3)
                for y in 0 ..< height {
                    for x in 0 ..< width * 3 { rgb[(y * width) * 3 + x] = picture.rgb[((y0 + y) * picture.width + x0) * 3 + x] }
                }
                let png = try PNGCodec.encode(RGBImage(width: width, height: height, rgb: rgb))
                try Data(png).write(to: folder.appendingPathComponent("\(p * 5 + k).png"))
            }
        }
        return folder
    }

    /// `fidviz features` and `fidviz explain --top 3 --best 2` of the folder, once per run.
    static let runs: Result<(features: URL, report: [String: Any]), Error> = Result {
        let work = try TestRun.folder("thirty-images-runs")
        let images = try folder.get().path
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let environment = FidvizBinary.isolatedEnvironment(home: work)
        let features = work.appendingPathComponent("features.npz")
        let made = try FidvizBinary.run(["features", images, "-o", features.path, "--quiet", "--weights", weights],
                                        environment: environment, in: work)
        guard made.status == 0 else { throw FidvizTestError("fidviz features failed: \(made)") }
        let report = work.appendingPathComponent("report")
        let explained = try FidvizBinary.run([images, "--ref", try ExplainCommandTests.reference.get().path,
                                              "-o", report.path, "--top", "3", "--best", "2", "--quiet",
                                              "--weights", weights], environment: environment, in: work)
        guard explained.status == 0 else { throw FidvizTestError("fidviz explain failed: \(explained)") }
        return (features, try ExplainRankingTests.json(report.appendingPathComponent("report.json")))
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// ΔFID_i = FID(ref; all 30) - FID(ref; the other 29), each FID from its own eigendecomposition.
    /// N = 30 < d = 2048, so both covariances are singular and each FID is fixed only to the
    /// rounding of its ~2000 zero eigenvalues (`FrechetDistance.spectralTolerance`): the bound
    /// is that of the two direct FIDs plus that of the fast route's, which starts from the full set.
    func testEveryDeltaFIDMatchesTheDirectRoute() throws {
        let (featuresURL, report) = try Self.runs.get()
        let arrays = try Npz.read(contentsOf: featuresURL)
        let files = try XCTUnwrap(arrays["files"]?.strings())
        let pool3 = try XCTUnwrap(arrays["pool3"]?.doubles())
        let d = 2048, n = files.count
        XCTAssertEqual(n, 30)
        let rows = (0 ..< n).map { Array(pool3[$0 * d ..< ($0 + 1) * d]) }

        let referenceArrays = try Npz.read(contentsOf: try ExplainCommandTests.reference.get())
        let reference = FrechetStatistics(mu: try XCTUnwrap(referenceArrays["mu"]?.doubles()),
                                          sigma: try XCTUnwrap(referenceArrays["sigma"]?.doubles()))
        let factor = try ReferenceFactor(reference: reference)
        func direct(_ members: [[Double]]) throws -> (fid: Double, bound: Double) {
            let accumulator = StatisticsAccumulator(dimension: d)
            accumulator.add(rows: members.flatMap { $0 })
            let statistics = try accumulator.statistics()
            let lambda = try SymmetricEigen(symmetric: factor.congruence(statistics.sigma), dimension: d,
                                            vectors: false).eigenvalues
            let fid = FrechetDistance.distance(reference: reference, generated: statistics,
                                               traceOfSquareRoot: FrechetDistance.traceOfSquareRoot(eigenvalues: lambda))
            return (fid, FrechetDistance.spectralTolerance(eigenvalues: lambda))
        }
        let all = try direct(rows)
        XCTAssertEqual(try XCTUnwrap(report["fid"] as? Double), all.fid, accuracy: 1e-9 * all.fid + all.bound)

        let images = try XCTUnwrap(report["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, n)
        var seen = Set<String>()
        var largestError = 0.0
        for image in images {
            let file = try XCTUnwrap(image["file"] as? String)
            let i = try XCTUnwrap(files.firstIndex(of: file), file)
            seen.insert(file)
            var others = rows
            others.remove(at: i)
            let without = try direct(others)
            let delta = try XCTUnwrap(image["delta_fid"] as? Double)
            let tolerance = 1e-9 * all.fid + 2 * all.bound + without.bound
            XCTAssertEqual(delta, all.fid - without.fid, accuracy: tolerance, file)
            XCTAssertEqual(try XCTUnwrap(image["fid_after"] as? Double), all.fid, accuracy: 1e-9 * all.fid + 2 * all.bound, file)
            XCTAssertEqual(try XCTUnwrap(image["fid_before"] as? Double), without.fid,
                           accuracy: 1e-9 * all.fid + 2 * all.bound + without.bound, file)
            largestError = max(largestError, abs(delta - (all.fid - without.fid)) / tolerance)
        }
        XCTAssertEqual(seen.count, n, "every image once")
        print("30 images: FID \(all.fid), spectral bound \(all.bound); largest ΔFID error \(largestError) of its tolerance")
        // Sorted worst first, and the ranking is not degenerate.
        let deltas = images.compactMap { $0["delta_fid"] as? Double }
        XCTAssertEqual(deltas, deltas.sorted(by: >))
        XCTAssertGreaterThan(deltas.first! - deltas.last!, 10 * (3 * all.bound), "ΔFID spread far above the rounding bound")
    }

    /// `--features FEATS.npz` (from `fidviz features` of the same folder) gives the report.json
    /// the images give: the same rows in the same order, the same FID numbers, the same maps.
    func testFeaturesFileGivesTheSameReport() throws {
        let (featuresURL, fromImages) = try Self.runs.get()
        let work = try makeFolder()
        let report = work.appendingPathComponent("report")
        let run = try fidviz(["--features", featuresURL.path, "--ref", try ExplainCommandTests.reference.get().path,
                              "-o", report.path, "--top", "3", "--best", "2", "--quiet",
                              "--weights", try TestRun.seededCheckpoint(.legacy).path])
        XCTAssertEqual(run.status, 0, "\(run)")
        let fromFeatures = try Self.json(report.appendingPathComponent("report.json"))
        XCTAssertEqual(Set(fromFeatures.keys), Set(fromImages.keys))
        assertSame(fromFeatures, fromImages, path: "report.json")
    }

    /// Equal JSON, numbers to 1e-12 relative (the two runs accumulate the same float32 rows,
    /// possibly in another order).
    func assertSame(_ a: Any, _ b: Any, path: String, file: StaticString = #filePath, line: UInt = #line) {
        switch (a, b) {
        case let (a as [String: Any], b as [String: Any]):
            XCTAssertEqual(a.keys.sorted(), b.keys.sorted(), path, file: file, line: line)
            for key in a.keys.sorted() where b[key] != nil { assertSame(a[key]!, b[key]!, path: path + "." + key) }
        case let (a as [Any], b as [Any]):
            XCTAssertEqual(a.count, b.count, path, file: file, line: line)
            for (i, (x, y)) in zip(a, b).enumerated() { assertSame(x, y, path: path + "[\(i)]") }
        case let (a as String, b as String):
            XCTAssertEqual(a, b, path, file: file, line: line)
        case let (a as NSNumber, b as NSNumber):
            let x = a.doubleValue, y = b.doubleValue
            XCTAssertEqual(x, y, accuracy: 1e-12 * max(abs(x), abs(y)), path, file: file, line: line)
        default:
            XCTAssertEqual("\(a)", "\(b)", path, file: file, line: line)
        }
    }
}
