import Foundation
import TestSupport
import XCTest

/// Bad weights, bad pictures and bad output paths: each ends the run with exit 1 and one line
/// on stderr that names the problem, prints nothing on stdout and leaves no output file.
final class BrokenInputTests: FidvizTestCase {
    private let images = Fixtures.url("golden/images").path

    // MARK: - Weights

    /// Each hostile or broken fixture, with the loader's message for it.
    private func brokenWeights() -> [(name: String, message: String)] {
        func path(_ name: String) -> String { Fixtures.url("pth/\(name)").path }
        let refusal = "a state dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and "
            + "torch.*Storage, so this file may be malicious (do not open it with torch.load either)"
        return [
            ("hostile-global-legacy.pth", "\(path("hostile-global-legacy.pth")), byte offset 139: refusing to load "
                + "global 'posix.system': \(refusal)"),
            ("hostile-global-zip.pth", "\(path("hostile-global-zip.pth")) (archive/data.pkl), byte offset 2: "
                + "refusing to load global 'builtins.eval': \(refusal)"),
            ("truncated-legacy.pth", "\(path("truncated-legacy.pth")), key 'fc.weight', byte offset 1814: storage "
                + "'93976822271008' needs 120 bytes but the file ends after 80; it is truncated, download it again"),
            ("lying-count-legacy.pth", "\(path("lying-count-legacy.pth")), key 'double', byte offset 1188: storage "
                + "'93976709425728' claims 1099511627776 elements, but its pickle declared 4 and only 738 bytes "
                + "follow; the file is corrupt or hostile"),
            ("not-a-pth.pth", "\(path("not-a-pth.pth")): not a PyTorch checkpoint: the file starts with a zip "
                + "signature but is no zip archive (its first entry is garbled and it has no central directory)"),
        ]
    }

    func testHostileAndBrokenWeightsEndTheRunWithOneLine() throws {
        for (name, message) in brokenWeights() {
            let work = try makeFolder()
            let run = try fidviz(["features", images, "-o", work.appendingPathComponent("out.npz").path,
                                  "--weights", Fixtures.url("pth/\(name)").path])
            let line = assertFailsWithOneLine(run, containing: [name])
            XCTAssertEqual(line, "Error: \(message)", name)
            XCTAssertEqual(try contents(of: work), [], "\(name): nothing may be written")
        }
    }

    // MARK: - Pictures

    func testBrokenPNGEndsTheRunWithOneLineNamingIt() throws {
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let reasons = [
            "bad_signature.png": "not a PNG, JPEG or WebP file (unrecognised signature)",
            "corrupt_idat.png": "corrupt PNG data: IDAT: invalid stored block lengths",
            "empty.png": "not a PNG, JPEG or WebP file (the file is empty)",
            "truncated.png": "truncated PNG data: the file ends at byte 344 but 24 more bytes were needed",
            "bomb_100000x100000.png": "100000x100000 pixels exceeds the limit of 89478485 pixels (a decompression-"
                + "bomb guard, as in PIL; FIDVIZ_MAX_IMAGE_PIXELS raises it)",
        ]
        for (name, reason) in reasons.sorted(by: { $0.key < $1.key }) {
            let folder = try makeFolder("images")
            try FileManager.default.copyItem(at: Fixtures.url("golden/images/horse.png"),
                                             to: folder.appendingPathComponent("horse.png"))
            let broken = folder.appendingPathComponent("photo-\(name)")  // sorts after horse.png
            try FileManager.default.copyItem(at: Fixtures.url("png/\(name)"), to: broken)
            let work = try makeFolder()
            let run = try fidviz(["features", folder.path, "-o", work.appendingPathComponent("out.npz").path,
                                  "--weights", weights, "--quiet"])
            let line = assertFailsWithOneLine(run, containing: [])
            XCTAssertEqual(line, "Error: \(broken.path): \(reason)", name)
            XCTAssertEqual(try contents(of: work), [], "\(name): nothing may be written")
        }
    }

    func testMissingInputIsNamed() throws {
        let work = try makeFolder()
        let missing = work.appendingPathComponent("no-such.png").path
        let run = try fidviz(["features", missing, "-o", work.appendingPathComponent("out.npz").path,
                              "--weights", try TestRun.seededCheckpoint(.legacy).path])
        let line = assertFailsWithOneLine(run, containing: [])
        XCTAssertEqual(line, "Error: \(missing): no such file or folder")
        XCTAssertEqual(try contents(of: work), [])
    }

    // MARK: - Output paths, checked before anything runs

    /// The output is checked first: with weights that do not exist, the output's error still
    /// comes out, so no weights were read and no network ran.
    private func assertOutputRefused(_ output: String, message: String, file: StaticString = #filePath,
                                     line: UInt = #line) throws {
        let run = try fidviz(["features", images, "-o", output, "--weights", "/nonexistent/weights.pth"])
        let got = assertFailsWithOneLine(run, containing: [], file: file, line: line)
        XCTAssertEqual(got, "Error: \(message)", file: file, line: line)
        XCTAssertLessThan(run.seconds, 10, "the check must come before the network runs", file: file, line: line)
    }

    func testOutputInMissingFolderIsRefusedFirst() throws {
        let folder = try makeFolder().appendingPathComponent("missing")
        let output = folder.appendingPathComponent("out.npz").path
        try assertOutputRefused(output, message: "-o \(output): the folder \(folder.path) does not exist")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path))
    }

    func testOutputUnderARegularFileIsRefusedFirst() throws {
        let file = try makeFolder().appendingPathComponent("notes.txt")
        try Data("a file, not a folder".utf8).write(to: file)
        let output = file.appendingPathComponent("out.npz").path
        try assertOutputRefused(output, message: "-o \(output): \(file.path) is a file, not a folder")
    }

    func testOutputInReadOnlyFolderIsRefusedFirst() throws {
        let folder = try makeFolder("read-only")
        XCTAssertEqual(chmod(folder.path, 0o555), 0)
        guard access(folder.path, W_OK) != 0 else {
            throw XCTSkip("running as root (uid \(getuid())): chmod 0555 does not stop writes, so a read-only "
                + "folder cannot be made; testOutputUnderARegularFileIsRefusedFirst covers an unusable folder")
        }
        let output = folder.appendingPathComponent("out.npz").path
        try assertOutputRefused(output, message: "-o \(output): the folder \(folder.path) is not writable")
        XCTAssertEqual(try contents(of: folder), [])
    }

    func testOutputThatIsAFolderIsRefusedFirst() throws {
        let folder = try makeFolder().appendingPathComponent("taken.npz")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try assertOutputRefused(folder.path, message: "-o \(folder.path): is a folder; give a file name")
    }

    /// A wrong extension is a usage error: ArgumentParser prints it with the usage and exits 64.
    func testOutputWithoutNpzExtensionIsAUsageError() throws {
        let output = try makeFolder().appendingPathComponent("out.txt").path
        let run = try fidviz(["features", images, "-o", output])
        XCTAssertEqual(run.status, 64, "\(run)")
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(run.stderrLines.first, "Error: -o \(output): the output must end in .npz")
        XCTAssertTrue(run.stderr.contains("Usage: fidviz features"), run.stderr)
    }

    // MARK: - A statistics file where features are needed

    /// `--features` needs every image's pool3; a statistics file there is refused by name (it
    /// used to reach a force unwrap and trap).
    func testStatisticsGivenAsFeaturesAreRefused() throws {
        let statistics = try ExplainCommandTests.reference.get().path
        let work = try makeFolder()
        let run = try fidviz(["--features", statistics, "--ref", statistics, "-o", work.appendingPathComponent("out").path,
                              "--weights", try TestRun.seededCheckpoint(.legacy).path])
        XCTAssertEqual(assertFailsWithOneLine(run, containing: []),
                       "Error: --features \(statistics): holds fidviz statistics (mu, sigma), not each image's features; "
                       + "make them with `fidviz features IMAGES -o FEATS.npz`")
        XCTAssertEqual(try contents(of: work), [])
    }
}
