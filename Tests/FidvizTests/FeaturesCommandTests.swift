import Foundation
import InceptionGraph
import NumpyFiles
import TestSupport
import XCTest

/// `fidviz features` end to end: the built binary, the full-size seeded weights in both
/// torch.save layouts, the golden images, against PyTorch's outputs.
final class FeaturesCommandTests: FidvizTestCase {
    static let goldenImages = Fixtures.url("golden/images")
    static let stems = ["astronaut", "camera", "chelsea_crop96", "chessboard_RGB", "horse"]

    // MARK: - Features match pytorch-fid

    func testLegacyWeightsFeaturesMatchPyTorchAndJSONNamesTopClasses() throws {
        let work = try makeFolder()
        let output = work.appendingPathComponent("out.npz")
        let run = try fidviz(["features", Self.goldenImages.path, "-o", output.path,
                              "--weights", try TestRun.seededCheckpoint(.legacy).path, "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let features = try assertMatchesGolden(output, stems: Self.stems, folder: Self.goldenImages)

        // Seeded weights are not the FID weights, and the user is told so.
        XCTAssertTrue(run.stderr.contains("are NOT the official FID weights (6726825d…)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("fidviz: wrote 5 feature vectors to \(output.path)\n"), run.stderr)

        // --json: one entry per image, in the .npz's order, with pytorch-fid's Top-1 class.
        XCTAssertFalse(run.stdout.contains("\\/"), "JSON escapes slashes: \(run.stdout)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("golden/summary.json")))
            as? [String: Any]
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]],
                                    run.stdout)
        XCTAssertEqual(entries.count, Self.stems.count)
        for (row, (stem, entry)) in zip(Self.stems, entries).enumerated() {
            XCTAssertEqual(entry["file"] as? String, features.files[row], stem)
            let top1 = try XCTUnwrap(entry["top1"] as? [String: Any], stem)
            let expectedIndex = try XCTUnwrap((summary?[stem] as? [String: Any])?["top1"] as? Int, stem)
            XCTAssertEqual(top1["index"] as? Int, expectedIndex, stem)
            XCTAssertEqual(top1["label"] as? String, ImageNetLabels.label(expectedIndex), stem)
            let logits = Array(features.logits[row * 1008 ..< (row + 1) * 1008])
            let probability = try XCTUnwrap(top1["probability"] as? Double, stem)
            XCTAssertEqual(probability, softmax(logits)[expectedIndex], accuracy: 1e-9, stem)
            XCTAssertEqual(logits.indices.max { logits[$0] < logits[$1] }, expectedIndex, stem)
        }
    }

    func testZipWeightsGiveTheSameFeatures() throws {
        let work = try makeFolder()
        let output = work.appendingPathComponent("zip.npz")
        let run = try fidviz(["features", Self.goldenImages.path + "/", "-o", output.path,
                              "--weights", try TestRun.seededCheckpoint(.zip).path, "--quiet"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(run.stderr, "", "--quiet must silence notes")
        try assertMatchesGolden(output, stems: Self.stems, folder: Self.goldenImages)
        XCTAssertEqual(try contents(of: work), ["zip.npz"], "no temporary files are left behind")
    }

    // MARK: - Folders

    func testFoldersAreWalkedRecursivelyAndOtherFilesSkipped() throws {
        let images = try makeFolder("images")
        let nested = images.appendingPathComponent("more")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.goldenImages.appendingPathComponent("horse.png"),
                                         to: images.appendingPathComponent("horse.png"))
        try FileManager.default.copyItem(at: Self.goldenImages.appendingPathComponent("chelsea_crop96.png"),
                                         to: nested.appendingPathComponent("chelsea_crop96.png"))
        try Data("not an image".utf8).write(to: images.appendingPathComponent("notes.txt"))
        try Data("# nor this".utf8).write(to: nested.appendingPathComponent("README.md"))

        let output = try makeFolder().appendingPathComponent("out.npz")
        let run = try fidviz(["features", images.path, "-o", output.path, "--batch-size", "1",
                              "--weights", try TestRun.seededCheckpoint(.legacy).path])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stderrLines.contains(
            "fidviz: skipped 2 files that fidviz does not read (PNG, JPEG and WebP only): \(images.path)/more/README.md, "
                + "\(images.path)/notes.txt"),
                      run.stderr)
        // Sorted by path: "horse.png" < "more/chelsea_crop96.png".
        let features = try assertMatchesGolden(output, stems: ["horse", "chelsea_crop96"], folder: images,
                                               names: ["horse.png", "more/chelsea_crop96.png"])
        XCTAssertEqual(features.files.count, 2)
    }

    // MARK: - Helpers

    /// Reads `npz` and checks it against the golden outputs of `stems`: `files` lists
    /// `folder/<names>` in order, pool3 [N,2048] and logits [N,1008] float32 within 1e-4
    /// (L-inf relative to max |reference|) for every image.
    @discardableResult
    private func assertMatchesGolden(_ npz: URL, stems: [String], folder: URL, names: [String]? = nil,
                                     file: StaticString = #filePath, line: UInt = #line) throws
        -> (files: [String], pool3: [Float], logits: [Float])
    {
        let arrays = try Npz.read(contentsOf: npz)
        XCTAssertEqual(Set(arrays.keys), ["files", "pool3", "logits", "fidviz", "weights_sha256", "preprocessing"],
                       file: file, line: line)
        XCTAssertEqual(arrays["preprocessing"]?.strings(), ["PIL-RGB /255 bilinear299 align_corners=False 2x-1"],
                       file: file, line: line)
        let files = try XCTUnwrap(arrays["files"]?.strings(), file: file, line: line)
        let expectedFiles = (names ?? stems.map { "\($0).png" }).map { folder.path + "/" + $0 }
        XCTAssertEqual(files, expectedFiles, file: file, line: line)
        let pool3 = try XCTUnwrap(arrays["pool3"], file: file, line: line)
        let logits = try XCTUnwrap(arrays["logits"], file: file, line: line)
        XCTAssertEqual(pool3.shape, [stems.count, 2048], file: file, line: line)
        XCTAssertEqual(logits.shape, [stems.count, 1008], file: file, line: line)
        XCTAssertEqual(pool3.dtype, "<f4", file: file, line: line)
        XCTAssertEqual(logits.dtype, "<f4", file: file, line: line)
        let pool3Values = try XCTUnwrap(pool3.floats()), logitValues = try XCTUnwrap(logits.floats())
        guard pool3Values.count == stems.count * 2048, logitValues.count == stems.count * 1008 else {
            return (files, pool3Values, logitValues)
        }
        for (row, stem) in stems.enumerated() {
            let golden = try Npz.read(contentsOf: Fixtures.url("golden/\(stem).npz"))
            let pool3Error = relativeError(Array(pool3Values[row * 2048 ..< (row + 1) * 2048]),
                                           try XCTUnwrap(golden["pool3"]?.floats()))
            let logitsError = relativeError(Array(logitValues[row * 1008 ..< (row + 1) * 1008]),
                                            try XCTUnwrap(golden["logits"]?.floats()))
            XCTAssertLessThanOrEqual(pool3Error, 1e-4, "\(stem) pool3", file: file, line: line)
            XCTAssertLessThanOrEqual(logitsError, 1e-4, "\(stem) logits", file: file, line: line)
        }
        return (files, pool3Values, logitValues)
    }

    /// softmax in Double.
    private func softmax(_ logits: [Float]) -> [Double] {
        let top = Double(logits.max() ?? 0)
        let exps = logits.map { exp(Double($0) - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }
}
