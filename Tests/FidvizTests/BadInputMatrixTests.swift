import Foundation
import NumpyFiles
import TestSupport
import XCTest

/// Every kind of bad input, given to every command that takes it: `features`, `stats`, `fid` and
/// the default `explain`. Each run (with --quiet) must exit 1 (64 for a usage error), print
/// nothing on stdout and exactly one line on stderr, the expected one, and leave nothing behind
/// where it would have written: not its output, and no hidden staging or temporary file.
final class BadInputMatrixTests: FidvizTestCase {

    // MARK: - The inputs, made once per run

    /// The broken and hostile inputs, each in its own file under one folder.
    struct Inputs {
        /// golden/images/horse.png, camera.png and a PNG with a bad signature that sorts last.
        let folderWithBrokenPNG: URL
        let brokenPNG: URL
        let truncatedNpz: URL
        /// mu [10], sigma [10, 10].
        let wrongDimension: URL
        /// mu [2048], sigma = I with NaN at [5, 7].
        let nanSigma: URL
        /// mu [2048], sigma = I with sigma[5, 7] = 0.5 (and sigma[7, 5] = 0).
        let asymmetricSigma: URL
        /// Sound mu [2048] and sigma = I, but `top1_hist` [5] (fidviz crashed drawing the histogram).
        let shortHistogram: URL
        let hostileWeights = Fixtures.url("pth/hostile-global-legacy.pth")
    }

    static let inputs: Result<Inputs, Error> = Result {
        let folder = try TestRun.folder("bad-inputs")
        let fm = FileManager.default
        let set = folder.appendingPathComponent("set-with-broken-png")
        try fm.createDirectory(at: set, withIntermediateDirectories: true)
        for name in ["horse.png", "camera.png"] {
            try fm.copyItem(at: Fixtures.url("golden/images/\(name)"), to: set.appendingPathComponent(name))
        }
        try fm.copyItem(at: Fixtures.url("png/bad_signature.png"), to: set.appendingPathComponent("zz-broken.png"))
        let brokenPNG = folder.appendingPathComponent("broken.png")
        try fm.copyItem(at: Fixtures.url("png/bad_signature.png"), to: brokenPNG)
        let truncated = folder.appendingPathComponent("truncated.npz")
        try fm.copyItem(at: Fixtures.url("npz/truncated.npz"), to: truncated)

        func statistics(_ name: String, d: Int, extra: [(name: String, array: NpyArray)] = [],
                        sigma change: (inout [Double]) -> Void) throws -> URL {
            var sigma = [Double](repeating: 0, count: d * d)
            for i in 0..<d { sigma[i * d + i] = 1 }
            change(&sigma)
            let url = folder.appendingPathComponent(name)
            try Npz.encoded([("mu", NpyArray([Double](repeating: 0, count: d))), ("sigma", NpyArray(sigma, shape: [d, d]))]
                            + extra).write(to: url)
            return url
        }
        let d = 2048
        return Inputs(folderWithBrokenPNG: set, brokenPNG: brokenPNG, truncatedNpz: truncated,
                      wrongDimension: try statistics("wrong-dimension.npz", d: 10) { _ in },
                      nanSigma: try statistics("nan-sigma.npz", d: d) { $0[5 * d + 7] = .nan },
                      asymmetricSigma: try statistics("asymmetric-sigma.npz", d: d) { $0[5 * d + 7] = 0.5 },
                      shortHistogram: try statistics("short-histogram.npz", d: d, extra: [
                          ("n", NpyArray(scalar: Int64(100))), ("top1_hist", NpyArray([Int64](repeating: 20, count: 5))),
                          ("fidviz", NpyArray(scalar: "made by hand")),
                      ]) { _ in })
    }

    private var weights: String { get throws { try TestRun.seededCheckpoint(.legacy).path } }
    private var reference: String { get throws { try ExplainCommandTests.reference.get().path } }
    private let images = Fixtures.url("golden/images").path
    private let oneImage = Fixtures.url("golden/images/chelsea_crop96.png").path

    // MARK: - Running one case

    /// Runs `fidviz arguments --quiet` in a fresh, empty working folder (which is also where
    /// every output goes: `work` is passed to `arguments`) and checks the one-line failure and
    /// that the folder is still empty.
    private func assertRefused(_ label: String, status: Int32 = 1, message: String,
                               file: StaticString = #filePath, line: UInt = #line,
                               _ arguments: (_ work: URL) throws -> [String]) throws {
        let work = try makeFolder("case")
        let run = try fidviz(try arguments(work) + ["--quiet"], in: work)
        XCTAssertEqual(run.status, status, "\(label): \(run)", file: file, line: line)
        XCTAssertEqual(run.stdout, "", "\(label): \(run)", file: file, line: line)
        XCTAssertEqual(run.stderrLines, ["Error: \(message)"], "\(label)", file: file, line: line)
        XCTAssertEqual(try contents(of: work), [], "\(label): nothing may be written, not even hidden files",
                       file: file, line: line)
    }

    /// `bad` given in turn as fid's generated set, fid's --ref, explain's --ref and explain's --gen.
    private func assertStatisticsRefusedEverywhere(_ bad: URL, message: String,
                                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let (weights, reference, images, oneImage) = (try self.weights, try self.reference, self.images, self.oneImage)
        try assertRefused("fid gen", message: message, file: file, line: line) { _ in
            ["fid", bad.path, "--ref", reference, "--weights", weights]
        }
        try assertRefused("fid --ref", message: message, file: file, line: line) { _ in
            ["fid", images, "--ref", bad.path, "--weights", weights]
        }
        try assertRefused("explain --ref", message: message, file: file, line: line) { _ in
            [oneImage, "--ref", bad.path, "--weights", weights]
        }
        try assertRefused("explain --gen", message: message, file: file, line: line) { work in
            [oneImage, "--ref", reference, "--gen", bad.path, "--weights", weights,
             "-o", work.appendingPathComponent("report").path]
        }
    }

    // MARK: - Pictures

    func testCorruptPNGInEveryCommand() throws {
        let inputs = try Self.inputs.get()
        let (weights, reference) = (try self.weights, try self.reference)
        let inFolder = "\(inputs.folderWithBrokenPNG.path)/zz-broken.png: not a PNG, JPEG or WebP file (unrecognised signature)"
        let alone = "\(inputs.brokenPNG.path): not a PNG, JPEG or WebP file (unrecognised signature)"
        let set = inputs.folderWithBrokenPNG.path
        try assertRefused("features", message: inFolder) {
            ["features", set, "-o", $0.appendingPathComponent("out.npz").path, "--weights", weights]
        }
        try assertRefused("stats", message: inFolder) {
            ["stats", set, "-o", $0.appendingPathComponent("out.npz").path, "--weights", weights]
        }
        try assertRefused("fid gen", message: inFolder) { _ in ["fid", set, "--ref", reference, "--weights", weights] }
        try assertRefused("fid --ref", message: inFolder) { _ in ["fid", self.images, "--ref", set, "--weights", weights] }
        try assertRefused("explain folder", message: inFolder) { _ in [set, "--ref", reference, "--weights", weights] }
        try assertRefused("explain file", message: alone) { _ in [inputs.brokenPNG.path, "--ref", reference, "--weights", weights] }
        try assertRefused("explain --ref folder", message: inFolder) { _ in [self.oneImage, "--ref", set, "--weights", weights] }
    }

    /// The header check runs before the weights load: with weights that do not exist, the
    /// picture is still what is reported, and at once.
    func testCorruptPNGIsFoundBeforeTheWeightsLoad() throws {
        let inputs = try Self.inputs.get()
        let run = try fidviz(["stats", inputs.folderWithBrokenPNG.path, "-o", try makeFolder().appendingPathComponent("s.npz").path,
                              "--weights", "/nonexistent/weights.pth", "--quiet"])
        assertFailsWithOneLine(run, containing: ["zz-broken.png: not a PNG, JPEG or WebP file (unrecognised signature)"])
        XCTAssertLessThan(run.seconds, 10)
    }

    // MARK: - Statistics files

    func testTruncatedNpzEverywhere() throws {
        let bad = try Self.inputs.get().truncatedNpz
        try assertStatisticsRefusedEverywhere(bad, message: "\(bad.path): cannot be read or written: not a zip archive "
            + "(no end-of-central-directory record); the file is truncated or is not an .npz")
    }

    /// Against images (pool3 of the FID network) a file must hold 2048-dimensional statistics;
    /// two files need only agree with each other (FD in any feature space).
    func testStatisticsOfTheWrongDimensionEverywhere() throws {
        let bad = try Self.inputs.get().wrongDimension
        let (weights, reference, images, oneImage) = (try self.weights, try self.reference, self.images, self.oneImage)
        let message = "\(bad.path): key 'mu' has shape [10] but [2048] was expected "
            + "(the feature dimension must be 2048); the file may come from a different feature extractor or be corrupt"
        try assertRefused("fid --ref", message: message) { _ in ["fid", images, "--ref", bad.path, "--weights", weights] }
        try assertRefused("explain --ref", message: message) { _ in [oneImage, "--ref", bad.path, "--weights", weights] }
        try assertRefused("explain --gen", message: message) { work in
            [oneImage, "--ref", reference, "--gen", bad.path, "--weights", weights, "-o", work.appendingPathComponent("report").path]
        }
        try assertRefused("fid two files", message: "\(bad.path) holds 10-dimensional features but \(reference) holds "
            + "2048-dimensional ones; both must come from the same feature extractor") { _ in
            ["fid", bad.path, "--ref", reference, "--weights", weights]
        }
    }

    func testNaNInSigmaEverywhere() throws {
        let bad = try Self.inputs.get().nanSigma
        try assertStatisticsRefusedEverywhere(bad, message: "\(bad.path): key 'sigma' holds nan at index [5, 7]; "
            + "statistics must be finite: recompute them from clean features")
    }

    func testNonSymmetricSigmaEverywhere() throws {
        let bad = try Self.inputs.get().asymmetricSigma
        try assertStatisticsRefusedEverywhere(bad, message: "\(bad.path): key 'sigma' is not symmetric: "
            + "|sigma[5,7] - sigma[7,5]| = 0.5 exceeds 1e-06; a covariance matrix must be symmetric "
            + "(was it transposed or truncated?)")
    }

    func testMalformedClassHistogramEverywhere() throws {
        let bad = try Self.inputs.get().shortHistogram
        let message = "\(bad.path): key 'top1_hist' has shape [5] but [1008] was expected (one Top-1 count per class); "
            + "the file may come from a different feature extractor or be corrupt"
        try assertStatisticsRefusedEverywhere(bad, message: message)
        // Several images draw the class histogram, which indexed the short array out of range.
        let weights = try self.weights
        try assertRefused("explain several images", message: message) { _ in
            [self.images, "--ref", bad.path, "--weights", weights]
        }
    }

    // MARK: - Weights

    func testHostilePickleInEveryCommand() throws {
        let hostile = try Self.inputs.get().hostileWeights.path
        let reference = try self.reference
        let message = "\(hostile), byte offset 139: refusing to load global 'posix.system': a state dict needs only "
            + "collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.*Storage, so this file may be "
            + "malicious (do not open it with torch.load either)"
        try assertRefused("features", message: message) {
            ["features", self.images, "-o", $0.appendingPathComponent("out.npz").path, "--weights", hostile]
        }
        try assertRefused("stats", message: message) {
            ["stats", self.images, "-o", $0.appendingPathComponent("out.npz").path, "--weights", hostile]
        }
        try assertRefused("fid", message: message) { _ in ["fid", self.images, "--ref", reference, "--weights", hostile] }
        try assertRefused("explain", message: message) { _ in [self.oneImage, "--ref", reference, "--weights", hostile] }
    }

    // MARK: - Outputs

    func testOutputUnderARegularFileInEveryCommand() throws {
        let (weights, reference) = (try self.weights, try self.reference)
        let cases: [(label: String, arguments: (String) -> [String])] = [
            ("features", { ["features", self.images, "-o", $0, "--weights", weights] }),
            ("stats", { ["stats", self.images, "-o", $0, "--weights", weights] }),
            ("explain", { [self.oneImage, "--ref", reference, "-o", $0, "--weights", weights] }),
        ]
        for (label, arguments) in cases {
            let work = try makeFolder("case")
            let notes = work.appendingPathComponent("notes.txt")
            try Data("a file, not a folder".utf8).write(to: notes)
            let output = notes.appendingPathComponent(label == "explain" ? "report" : "out.npz").path
            let run = try fidviz(arguments(output) + ["--quiet"], in: work)
            XCTAssertEqual(run.status, 1, "\(label): \(run)")
            XCTAssertEqual(run.stdout, "", label)
            XCTAssertEqual(run.stderrLines, ["Error: -o \(output): \(notes.path) is a file, not a folder"], label)
            XCTAssertEqual(try contents(of: work), ["notes.txt"], label)
            XCTAssertEqual(try String(contentsOf: notes, encoding: .utf8), "a file, not a folder", label)
        }
    }

    func testReadOnlyOutputFolderInEveryCommand() throws {
        let probe = try makeFolder("probe")
        XCTAssertEqual(chmod(probe.path, 0o555), 0)
        guard access(probe.path, W_OK) != 0 else {
            throw XCTSkip("running as root (uid \(getuid())): chmod 0555 does not stop writes, so a read-only folder "
                + "cannot be made; testOutputUnderARegularFileInEveryCommand covers an unusable output")
        }
        let (weights, reference) = (try self.weights, try self.reference)
        let cases: [(label: String, arguments: (String) -> [String])] = [
            ("features", { ["features", self.images, "-o", $0, "--weights", weights] }),
            ("stats", { ["stats", self.images, "-o", $0, "--weights", weights] }),
            ("explain", { [self.oneImage, "--ref", reference, "-o", $0, "--weights", weights] }),
        ]
        for (label, arguments) in cases {
            let folder = try makeFolder("read-only")
            XCTAssertEqual(chmod(folder.path, 0o555), 0)
            let output = folder.appendingPathComponent(label == "explain" ? "report" : "out.npz").path
            let run = try fidviz(arguments(output) + ["--quiet"])
            XCTAssertEqual(run.status, 1, "\(label): \(run)")
            XCTAssertEqual(run.stdout, "", label)
            XCTAssertEqual(run.stderrLines, ["Error: -o \(output): the folder \(folder.path) is not writable"], label)
            XCTAssertEqual(try contents(of: folder), [], label)
        }
    }

    // MARK: - Usage

    /// A missing --ref is a usage error: exit 64 and, with --quiet, the one line without the usage text.
    func testMissingRefIsAOneLineUsageError() throws {
        let weights = try self.weights
        let message = "Missing expected argument '--ref <ref>'"
        try assertRefused("fid", status: 64, message: message) { _ in ["fid", self.images, "--weights", weights] }
        // explain's --ref is repeatable (once per network), which the usage says with "...".
        let repeatable = "Missing expected argument '--ref <ref> ...'"
        try assertRefused("explain", status: 64, message: repeatable) { _ in [self.oneImage, "--weights", weights] }
        try assertRefused("explain (named)", status: 64, message: repeatable) { _ in ["explain", self.oneImage] }

        // Without --quiet, ArgumentParser's usage text follows the error line.
        let loud = try fidviz(["fid", images])
        XCTAssertEqual(loud.status, 64, "\(loud)")
        XCTAssertEqual(loud.stderrLines.first, "Error: \(message)")
        XCTAssertTrue(loud.stderr.contains("Usage: fidviz fid"), loud.stderr)
    }

    /// `-o ""` would make the working folder itself the report.
    func testEmptyOutputFolderNameIsAUsageError() throws {
        try assertRefused("explain", status: 64, message: "-o: give a folder name (it is empty)") { _ in
            [self.oneImage, "--ref", try self.reference, "-o", ""]
        }
    }

    func testMissingRefFileIsNamed() throws {
        let (weights, oneImage) = (try self.weights, self.oneImage)
        try assertRefused("fid", message: "--ref /nonexistent/ref.npz: no such file") { _ in
            ["fid", self.images, "--ref", "/nonexistent/ref.npz", "--weights", weights]
        }
        // One rule for every command: a path ending in .npz names a statistics or features file.
        try assertRefused("explain", message: "--ref /nonexistent/ref.npz: no such file") { _ in
            [oneImage, "--ref", "/nonexistent/ref.npz", "--weights", weights]
        }
    }
}
