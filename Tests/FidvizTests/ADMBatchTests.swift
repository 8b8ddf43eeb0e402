// `fidviz stats` of an ADM (guided-diffusion) batch: the network runs over arr_0, the batch's own
// mu and sigma are kept. Fixtures: Tests/Fixtures/adm (see make_adm_fixtures.py).

import Foundation
import Frechet
import NumpyFiles
import TestSupport
import XCTest

final class ADMBatchTests: FidvizTestCase {
    static let batch = Fixtures.url("adm/batch.npz")
    static let images = Fixtures.url("adm/images")

    /// `stats batch.npz` and `stats images/` (the same six pictures as PNGs), made once.
    struct Made {
        let reference: URL, own: URL
        let stderr: String
    }

    static let made: Result<Made, Error> = Result {
        let folder = try TestRun.folder("adm")
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let reference = folder.appendingPathComponent("ref.npz"), own = folder.appendingPathComponent("own.npz")
        var stderr = ""
        for (input, output) in [(batch, reference), (images, own)] {
            let run = try FidvizBinary.run(["stats", input.path, "-o", output.path, "--weights", weights],
                                           environment: FidvizBinary.isolatedEnvironment(home: folder), in: folder)
            guard run.status == 0 else { throw FidvizTestError("\(run)") }
            if input == batch { stderr = run.stderr }
        }
        return Made(reference: reference, own: own, stderr: stderr)
    }

    /// ref.npz keeps the batch's mu and sigma bit for bit, records n = 6, and carries the class
    /// histogram and logit statistics of arr_0's images: exactly those of the same images as PNGs.
    func testStatsOfABatchKeepItsMuAndSigmaAndAddClassStatistics() throws {
        let made = try Self.made.get()
        let batch = try Npz.read(contentsOf: Self.batch)
        let reference = try Npz.read(contentsOf: made.reference), own = try Npz.read(contentsOf: made.own)
        XCTAssertEqual(Set(reference.keys), ["mu", "sigma", "n", "top1_hist", "mu_logits", "sigma_logits", "mu_top5",
                                             "sigma_top5", "fidviz", "weights_sha256", "preprocessing"])
        XCTAssertEqual(reference["mu"], batch["mu"])
        XCTAssertEqual(reference["sigma"], batch["sigma"])
        XCTAssertEqual(reference["n"]?.int64s(), [6])
        for key in ["top1_hist", "mu_logits", "sigma_logits", "weights_sha256", "preprocessing"] {
            XCTAssertEqual(reference[key], own[key], key)
        }
        XCTAssertEqual(reference["top1_hist"]?.int64s()?.reduce(0, +), 6)
        XCTAssertNotEqual(reference["mu"], own["mu"], "the batch's mu is not fidviz's")
        let provenance = try XCTUnwrap(reference["fidviz"]?.strings()?.first)
        XCTAssertTrue(provenance.contains("mu and sigma copied from batch.npz (the ADM batch's own, 6 images); "
            + "top1_hist and logit statistics computed by fidviz from its arr_0"), provenance)
        // How far fidviz's own statistics are from the batch's is said, not hidden.
        let distance = try FrechetDistance.distance(reference: try StatisticsFile.read(contentsOf: Self.batch).statistics,
                                                    generated: try StatisticsFile.read(contentsOf: made.own).statistics)
        XCTAssertTrue(made.stderr.contains("fidviz: fidviz's own mu and sigma of the 6 images are at FID \(distance) from "
            + "the batch's (ADM computed those with TensorFlow's Inception and resizing); \(made.reference.path) keeps the batch's"),
                      made.stderr)
    }

    /// `fid` and `explain` use the batch's own mu and sigma, given the batch or the ref.npz made
    /// from it.
    func testFIDAndExplainUseTheBatchsOwnStatistics() throws {
        let made = try Self.made.get()
        let weights = try TestRun.seededCheckpoint(.legacy).path
        func fid(_ reference: URL) throws -> Double {
            let run = try fidviz(["fid", Self.images.path, "--ref", reference.path, "--weights", weights, "-q"])
            XCTAssertEqual(run.status, 0, "\(run)")
            return try XCTUnwrap(Double(run.stdout.dropFirst(5).dropLast()), run.stdout)
        }
        let expected = try FrechetDistance.distance(reference: try StatisticsFile.read(contentsOf: Self.batch).statistics,
                                                    generated: try StatisticsFile.read(contentsOf: made.own).statistics)
        XCTAssertEqual(try fid(Self.batch), expected, accuracy: 1e-12 * expected)
        XCTAssertEqual(try fid(made.reference), expected, accuracy: 1e-12 * expected)
        let itself = try fidviz(["fid", made.reference.path, "--ref", Self.batch.path, "-q"])
        XCTAssertEqual(try XCTUnwrap(Double(itself.stdout.dropFirst(5).dropLast()), "\(itself)"), 0, accuracy: 1e-9)

        var reportFID: [Double] = []
        for reference in [Self.batch, made.reference] {
            let report = try makeFolder().appendingPathComponent("report")
            let run = try fidviz([Self.images.path, "--ref", reference.path, "--weights", weights, "-o", report.path,
                                  "--top", "1", "--best", "0", "-q"])
            XCTAssertEqual(run.status, 0, "\(run)")
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(
                with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
            reportFID.append(try XCTUnwrap(json["fid"] as? Double))
        }
        XCTAssertEqual(reportFID[0], reportFID[1], accuracy: 1e-12 * reportFID[0])
    }

    /// A deflated arr_0 (np.savez_compressed) is inflated whole, with a note, and gives the same
    /// file; a batch without mu and sigma (ADM's sample files) gets fidviz's own statistics.
    func testCompressedBatchesAndSampleBatches() throws {
        let made = try Self.made.get()
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let work = try makeFolder()
        let compressed = Fixtures.url("adm/batch_compressed.npz")
        let fromCompressed = work.appendingPathComponent("compressed.npz")
        let run = try fidviz(["stats", compressed.path, "-o", fromCompressed.path, "--weights", weights])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stderrLines.contains("fidviz: \(compressed.path): arr_0 is compressed (np.savez_compressed), so it "
            + "is decompressed whole into memory; save it with np.savez to stream it from disk"), run.stderr)
        let a = try Npz.read(contentsOf: fromCompressed), b = try Npz.read(contentsOf: made.reference)
        for key in b.keys where key != "fidviz" { XCTAssertEqual(a[key], b[key], key) }

        let samples = work.appendingPathComponent("samples.npz")
        let sampleRun = try fidviz(["stats", Fixtures.url("adm/samples.npz").path, "-o", samples.path, "--weights", weights, "-q"])
        XCTAssertEqual(sampleRun.status, 0, "\(sampleRun)")
        let ours = try Npz.read(contentsOf: samples), own = try Npz.read(contentsOf: made.own)
        for key in own.keys where key != "fidviz" { XCTAssertEqual(ours[key], own[key], key) }
        XCTAssertTrue(try XCTUnwrap(ours["fidviz"]?.strings()?.first).contains("pool3 of 6 images (arr_0 of samples.npz)"))
    }

    /// Refused in one line before the network runs: --shard of a batch, an .npz without images,
    /// and an arr_0 that does not hold uint8 images.
    func testWhatIsNotABatchIsRefused() throws {
        let work = try makeFolder()
        let output = work.appendingPathComponent("out.npz").path
        let absent = "/nonexistent/weights.pth"
        let shard = try fidviz(["stats", Self.batch.path, "--shard", "0/2", "-o", output, "--weights", absent, "-q"])
        assertFailsWithOneLine(shard, containing: ["--shard: \(Self.batch.path) is an .npz; shards split image files"])
        let statistics = Fixtures.url("stats/pytorch_fid_a.npz").path
        let noImages = try fidviz(["stats", statistics, "-o", output, "--weights", absent, "-q"])
        assertFailsWithOneLine(noImages, containing: ["\(statistics): holds no images (no 'arr_0'; keys: mu, sigma)"])
        let floats = work.appendingPathComponent("floats.npz")
        try Npz.encoded([("arr_0", NpyArray([Float](repeating: 0.5, count: 2 * 4 * 4 * 3), shape: [2, 4, 4, 3]))]).write(to: floats)
        let wrongType = try fidviz(["stats", floats.path, "-o", output, "--weights", absent, "-q"])
        assertFailsWithOneLine(wrongType, containing: [
            "\(floats.path): key 'arr_0' has element type <f4, but an ADM batch holds uint8 images ('|u1')",
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }
}
