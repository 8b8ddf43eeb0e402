import Foundation
@testable import Frechet
import NumpyFiles
import TestSupport
import XCTest

/// `--backbone dinov2-*` through the command line, with the reference bundle's depth-2 ViT-S/14
/// written by torch.save: features at parity with the PyTorch goldens, files that record their
/// backbone, FD_DINOv2, and every bad input refused in one line.
final class DINOv2CommandTests: FidvizTestCase {
    private let weights = Fixtures.url("dinov2/seeded-0-vits14-depth2.pth").path
    private let images = ["astronaut.png", "camera.png"].map { Fixtures.url("golden/images/\($0)").path }

    /// `fidviz features` gives the hub code's features (dgm-eval's transform, float64 network)
    /// within 1e-4, and records the backbone, the weights' SHA-256 and the preprocessing.
    func testFeaturesMatchTheGoldensAndRecordTheBackbone() throws {
        let work = try makeFolder()
        let output = work.appendingPathComponent("f.npz")
        let run = try fidviz(["features"] + images + ["-o", output.path, "--backbone", "dinov2-vits14",
                                                      "--weights", weights, "--quiet"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let arrays = try Npz.read(contentsOf: output)
        XCTAssertEqual(Set(arrays.keys), ["files", "features", "fidviz", "weights_sha256", "preprocessing", "backbone"])
        XCTAssertEqual(arrays["backbone"]?.strings(), ["dinov2-vits14"])
        XCTAssertEqual(arrays["preprocessing"]?.strings(), ["PIL-RGB PIL-bicubic224 /255 normalize(ImageNet mean, std)"])
        XCTAssertEqual(arrays["weights_sha256"]?.strings()?.first?.count, 64)
        let features = try XCTUnwrap(arrays["features"])
        XCTAssertEqual(features.shape, [2, 384])
        let rows = try XCTUnwrap(features.floats())
        for (i, stem) in ["astronaut", "camera"].enumerated() {
            let golden = try XCTUnwrap(Npz.read(contentsOf: Fixtures.url("dinov2/\(stem).dinov2-vits14-depth2.npz"))["features"]?.floats())
            let error = relativeError(Array(rows[i * 384 ..< (i + 1) * 384]), golden)
            XCTAssertLessThanOrEqual(error, 1e-4, "\(stem): L-inf/max error \(error)")
        }
    }

    /// stats, then fid: FD_DINOv2 from the two files equals the Fréchet distance of the features'
    /// statistics, and the same with the generated images measured by `fid` itself.
    func testStatsAndFIDGiveFDDINOv2() throws {
        let work = try makeFolder()
        let generated = try imageFolder(5, name: "gen"), reference = try imageFolder(6, name: "ref")
        let common = ["--backbone", "dinov2-vits14", "--weights", weights, "--quiet"]
        let ref = work.appendingPathComponent("ref.npz").path, gen = work.appendingPathComponent("gen.npz").path
        XCTAssertEqual(try fidviz(["stats", reference.path, "-o", ref] + common).status, 0)
        XCTAssertEqual(try fidviz(["stats", generated.path, "-o", gen] + common).status, 0)
        let files = try fidviz(["fid", gen, "--ref", ref, "--json"])
        XCTAssertEqual(files.status, 0, "\(files)")
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(files.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(result.keys), ["fd_dinov2", "dimension", "n_gen", "n_ref"])
        XCTAssertEqual(result["dimension"] as? Int, 384)
        let fd = try XCTUnwrap(result["fd_dinov2"] as? Double)
        let expected = try FrechetDistance.distance(
            reference: StatisticsFile.read(contentsOf: URL(fileURLWithPath: ref)).statistics,
            generated: StatisticsFile.read(contentsOf: URL(fileURLWithPath: gen)).statistics)
        XCTAssertEqual(fd, expected, accuracy: 1e-12 * expected)
        let images = try fidviz(["fid", generated.path, "--ref", ref] + common)
        XCTAssertEqual(images.status, 0, "\(images)")
        XCTAssertTrue(images.stdout.hasPrefix("FD_DINOv2: "), images.stdout)
        let measured = try XCTUnwrap(Double(images.stdout.dropFirst("FD_DINOv2: ".count).trimmingCharacters(in: .newlines)))
        XCTAssertEqual(measured, fd, accuracy: 1e-12 * fd, "the images measured by fid give the same number")
    }

    /// On the bundle's well-conditioned 384-d statistics (sigma = b b^T + ridge I), `fid` gives the
    /// golden FD (float64, as dgm-eval's compute_FD_with_stats) to 1e-6 relative.
    func testFIDOfGoldenStatistics() throws {
        let golden = try Npz.read(contentsOf: Fixtures.url("dinov2/dinov2-vits14-stats.npz"))
        let ridge = try XCTUnwrap(golden["ridge"]?.doubles()?.first)
        let work = try makeFolder()
        func write(_ side: String) throws -> String {
            let b = try XCTUnwrap(golden["b_\(side)"]?.doubles()), mu = try XCTUnwrap(golden["mu_\(side)"]?.doubles())
            let d = mu.count, k = b.count / d
            var sigma = [Double](repeating: 0, count: d * d)
            for i in 0 ..< d {
                for j in 0 ..< d {
                    var sum = i == j ? ridge : 0
                    for c in 0 ..< k { sum += b[i * k + c] * b[j * k + c] }
                    sigma[i * d + j] = sum
                }
            }
            let url = work.appendingPathComponent("\(side).npz")
            try NpzFile.write([("mu", NpyArray(mu)), ("sigma", NpyArray(shape: [d, d], values: .float64(sigma))),
                               ("weights_sha256", NpyArray(scalar: String(repeating: "0", count: 64))),
                               ("preprocessing", NpyArray(scalar: "PIL-RGB PIL-bicubic224 /255 normalize(ImageNet mean, std)")),
                               ("backbone", NpyArray(scalar: "dinov2-vits14"))], to: url)
            return url.path
        }
        let run = try fidviz(["fid", try write("g"), "--ref", try write("r")])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stdout.hasPrefix("FD_DINOv2: "), run.stdout)
        let fd = try XCTUnwrap(Double(run.stdout.dropFirst("FD_DINOv2: ".count).trimmingCharacters(in: .whitespacesAndNewlines)))
        let expected = try XCTUnwrap(golden["fd"]?.doubles()?.first)
        XCTAssertEqual(fd, expected, accuracy: 1e-6 * expected)
    }

    /// Bad input: one line, exit 1, no output file.
    func testBadInputIsRefusedInOneLine() throws {
        let work = try makeFolder()
        let output = work.appendingPathComponent("out.npz")
        func refused(_ arguments: [String], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let run = try fidviz(arguments)
            XCTAssertEqual(run.status, 1, "\(run)", file: file, line: line)
            XCTAssertEqual(run.stderrLines.count, 1, run.stderr, file: file, line: line)
            XCTAssertTrue(run.stderr.contains(fragment), "'\(fragment)' is not in: \(run.stderr)", file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), file: file, line: line)
        }
        // A weights file of another size, of another network, or cut short.
        try refused(["features"] + images + ["-o", output.path, "--backbone", "dinov2-vitl14", "--weights", weights],
                    "holds DINOv2 ViT-S/14 weights, but --backbone is dinov2-vitl14")
        let inception = try TestRun.seededCheckpoint(.legacy).path
        try refused(["features"] + images + ["-o", output.path, "--backbone", "dinov2-vits14", "--weights", inception],
                    "missing key 'cls_token'; this looks like the FID Inception-v3 weights")
        let truncated = work.appendingPathComponent("cut.pth")
        try Data(try Data(contentsOf: URL(fileURLWithPath: weights)).prefix(100_000)).write(to: truncated)
        try refused(["features"] + images + ["-o", output.path, "--backbone", "dinov2-vits14", "--weights", truncated.path],
                    "the file is truncated")
        // GEN and REF of two backbones.
        let dinov2 = work.appendingPathComponent("dinov2.npz").path
        XCTAssertEqual(try fidviz(["stats"] + images + ["-o", dinov2, "--backbone", "dinov2-vits14", "--weights", weights,
                                                        "--quiet"]).status, 0)
        let pool3 = work.appendingPathComponent("inception.npz").path
        XCTAssertEqual(try fidviz(["stats"] + images + ["-o", pool3, "--weights", inception, "--quiet"]).status, 0)
        try refused(["fid", dinov2, "--ref", pool3], "holds DINOv2 ViT-S/14 features but \(pool3) holds Inception-v3 ones")
        try refused(["fid"] + images + ["--ref", dinov2, "--weights", inception],
                    "holds DINOv2 ViT-S/14 features (--backbone dinov2-vits14), but the images go through --backbone inception")
    }

    /// Two `--weights` files, in either order: each backbone takes its own.
    func testWeightsAreMatchedToTheirNetworkByContent() throws {
        let inception = try TestRun.seededCheckpoint(.legacy).path
        for order in [[weights, inception], [inception, weights]] {
            let run = try fidviz(["weights", "path", "--backbone", "dinov2-vits14"] + order.flatMap { ["--weights", $0] })
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.stdout, weights + "\n")
        }
    }

    /// explain --backbone dinov2-vits14 ranks by ΔFD_DINOv2 under the space's own keys, and maps
    /// the explained images at the last block's norm1 on the 16 x 16 patch grid.
    func testExplainRanksByFDDINOv2AndMapsTheLastNorm1() throws {
        let work = try makeFolder()
        let generated = try imageFolder(5, name: "gen"), reference = try imageFolder(6, name: "ref")
        let common = ["--backbone", "dinov2-vits14", "--weights", weights, "--quiet"]
        let ref = work.appendingPathComponent("ref.npz").path, gen = work.appendingPathComponent("gen.npz").path
        XCTAssertEqual(try fidviz(["stats", reference.path, "-o", ref] + common).status, 0)
        XCTAssertEqual(try fidviz(["stats", generated.path, "-o", gen] + common).status, 0)
        let report = work.appendingPathComponent("report")
        let run = try fidviz([generated.path, "--ref", ref, "-o", report.path, "--top", "2", "--best", "1"] + common)
        XCTAssertEqual(run.status, 0, "\(run)")
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any])
        let setFD = try XCTUnwrap(document["fd_dinov2"] as? Double)
        XCTAssertNil(document["fid"])
        let fid = try fidviz(["fid", gen, "--ref", ref, "--json"])
        let direct = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(fid.stdout.utf8)) as? [String: Any])?["fd_dinov2"] as? Double)
        // Five images in 384 dimensions: both covariances are singular, and explain's route (an
        // eigendecomposition with vectors) and fid's (eigenvalues only) each fix FD only to the
        // rounding of the ~380 zero eigenvalues, which depends on the LAPACK kernels of the machine.
        XCTAssertEqual(setFD, direct, accuracy: 1e-9 * direct + (try spectralBound(reference: ref, generated: gen)),
                       "the set's FD_DINOv2 is fid's")
        let images = try XCTUnwrap(document["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 5)
        let deltas = images.compactMap { $0["delta_fd_dinov2"] as? Double }
        XCTAssertEqual(deltas, deltas.sorted(by: >), "worst first")
        for image in images {
            let before = try XCTUnwrap(image["fd_dinov2_before"] as? Double), after = try XCTUnwrap(image["fd_dinov2_after"] as? Double)
            XCTAssertEqual(after, setFD, accuracy: 1e-9 * setFD, "leave-one-out: each image joins the other four")
            XCTAssertEqual(after - before, try XCTUnwrap(image["delta_fd_dinov2"] as? Double), accuracy: 1e-9 * setFD)
            XCTAssertNil(image["delta_fid"])
            XCTAssertTrue(image["top1"] is NSNull, "DINOv2 has no classes")
        }
        XCTAssertEqual(images.map { $0["explained"] as? Bool }, [true, true, false, false, true])
        let map = try XCTUnwrap((images[0]["sensitivity"] as? [String: Any])?["blocks.1.norm1"] as? [[Double]])
        XCTAssertEqual([map.count, map[0].count], [16, 16])
        XCTAssertTrue(map.joined().contains { $0 != 0 }, "the map is not empty")
        XCTAssertNil(images[0]["gradcam_top1"], "no Grad-CAM without classes")
        let panels = try FileManager.default.contentsOfDirectory(atPath: report.appendingPathComponent("panels").path)
        XCTAssertEqual(panels.count, 3)
    }

    /// `FrechetDistance.spectralTolerance` of FD(reference file; generated file): how far two float64
    /// routes to that distance may differ through the rounding of its eigenvalues alone.
    private func spectralBound(reference: String, generated: String) throws -> Double {
        func statistics(_ path: String) throws -> FrechetStatistics {
            let arrays = try Npz.read(contentsOf: URL(fileURLWithPath: path))
            return FrechetStatistics(mu: try XCTUnwrap(arrays["mu"]?.doubles()), sigma: try XCTUnwrap(arrays["sigma"]?.doubles()))
        }
        let factor = try ReferenceFactor(reference: try statistics(reference))
        let lambda = try SymmetricEigen(symmetric: factor.congruence(try statistics(generated).sigma),
                                        dimension: factor.dimension, vectors: false).eigenvalues
        return FrechetDistance.spectralTolerance(eigenvalues: lambda)
    }
}
