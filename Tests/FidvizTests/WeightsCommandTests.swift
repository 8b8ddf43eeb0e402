import Foundation
import TestSupport
import XCTest

/// `fidviz weights path` and `fidviz weights download` in controlled environments: where the
/// weights are looked for, in which order, and what a failed download says. The real network
/// is never used: downloads go to `$FIDVIZ_WEIGHTS_URL` on 127.0.0.1.
final class WeightsCommandTests: FidvizTestCase {
    private let officialName = "pt_inception-2015-12-05-6726825d.pth"
    private let fidelityName = "weights-inception-2015-12-05-6726825d.pth"

    /// Folders standing in for `$XDG_CACHE_HOME` and `$TORCH_HOME`, and the places in them.
    private struct Places {
        let root: URL
        var cache: URL { root.appendingPathComponent("xdg-cache") }
        var torch: URL { root.appendingPathComponent("torch-home") }
        var fidvizCache: URL { cache.appendingPathComponent("fidviz/pt_inception-2015-12-05-6726825d.pth") }
        var torchHub: URL { torch.appendingPathComponent("hub/checkpoints/pt_inception-2015-12-05-6726825d.pth") }
        var torchFidelity: URL {
            torch.appendingPathComponent("hub/checkpoints/weights-inception-2015-12-05-6726825d.pth")
        }
        var environment: [String: String] { ["XDG_CACHE_HOME": cache.path, "TORCH_HOME": torch.path] }
    }

    private func makePlaces() throws -> Places {
        let places = Places(root: try makeFolder("places"))
        for folder in [places.cache, places.torch] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        return places
    }

    private func place(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("stand-in weights".utf8).write(to: url)
    }

    private func assertWeightsPath(_ arguments: [String], _ environment: [String: String], is expected: URL,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try fidviz(["weights", "path"] + arguments, environment: environment)
        XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
        XCTAssertEqual(run.stdout, expected.path + "\n", file: file, line: line)
        XCTAssertEqual(run.stderr, "", file: file, line: line)
    }

    // MARK: - Search order

    func testSearchOrderIsFlagThenEnvironmentThenCachesThenTorchHub() throws {
        let places = try makePlaces()
        let explicit = places.root.appendingPathComponent("given/weights.pth")
        let fromEnvironment = places.root.appendingPathComponent("env/weights.pth")
        for url in [explicit, fromEnvironment, places.fidvizCache, places.torchHub, places.torchFidelity] {
            try place(url)
        }
        var environment = places.environment
        environment["FIDVIZ_WEIGHTS"] = fromEnvironment.path

        try assertWeightsPath(["--weights", explicit.path], environment, is: explicit)
        try assertWeightsPath([], environment, is: fromEnvironment)
        environment["FIDVIZ_WEIGHTS"] = nil
        try assertWeightsPath([], environment, is: places.fidvizCache)
        try FileManager.default.removeItem(at: places.fidvizCache)
        try assertWeightsPath([], environment, is: places.torchHub)
        try FileManager.default.removeItem(at: places.torchHub)
        try assertWeightsPath([], environment, is: places.torchFidelity)
        try FileManager.default.removeItem(at: places.torchFidelity)

        let run = try fidviz(["weights", "path"], environment: environment)
        assertFailsWithOneLine(run, containing: [])
        XCTAssertEqual(run.stderrLines.first, "Error: FID Inception weights not found (searched: "
            + "\(places.fidvizCache.path), \(places.torchHub.path), \(places.torchFidelity.path)); "
            + "run `fidviz weights download`, or fetch https://github.com/mseitzer/pytorch-fid/releases/download/"
            + "fid_weights/\(officialName) by hand and place it at \(places.fidvizCache.path), or pass --weights PATH")
    }

    /// Without `$XDG_CACHE_HOME` and `$TORCH_HOME`, both caches live under `$HOME/.cache`.
    func testDefaultCachesAreUnderHome() throws {
        let home = try makeFolder("home")
        let environment = ["HOME": home.path]
        let torchHub = home.appendingPathComponent(".cache/torch/hub/checkpoints/\(officialName)")
        try place(torchHub)
        try assertWeightsPath([], environment, is: torchHub)
        let fidvizCache = home.appendingPathComponent(".cache/fidviz/\(officialName)")
        try place(fidvizCache)
        try assertWeightsPath([], environment, is: fidvizCache)
    }

    /// `$TORCH_HOME` unset: torch hub's cache follows `$XDG_CACHE_HOME`, as torch does.
    func testTorchHubFollowsXDGCacheHome() throws {
        let places = try makePlaces()
        let hub = places.cache.appendingPathComponent("torch/hub/checkpoints/\(fidelityName)")
        try place(hub)
        try assertWeightsPath([], ["XDG_CACHE_HOME": places.cache.path], is: hub)
    }

    // MARK: - Named files that are not there

    func testMissingWeightsFlagIsNamedAndNeverFallsBack() throws {
        let places = try makePlaces()
        try place(places.fidvizCache)
        let missing = places.root.appendingPathComponent("typo.pth").path
        let run = try fidviz(["weights", "path", "--weights", missing], environment: places.environment)
        let line = assertFailsWithOneLine(run, containing: [])
        XCTAssertEqual(line, "Error: the weights file given by --weights does not exist: \(missing)")
    }

    func testMissingEnvironmentWeightsAreNamed() throws {
        let places = try makePlaces()
        try place(places.torchHub)
        let missing = places.root.appendingPathComponent("moved.pth").path
        var environment = places.environment
        environment["FIDVIZ_WEIGHTS"] = missing
        let run = try fidviz(["weights", "path"], environment: environment)
        let line = assertFailsWithOneLine(run, containing: [])
        XCTAssertEqual(line, "Error: the weights file given by $FIDVIZ_WEIGHTS does not exist: \(missing)")
    }

    func testWeightsFlagNamingAFolderIsRefused() throws {
        let folder = try makeFolder("weights-folder")
        let run = try fidviz(["weights", "path", "--weights", folder.path])
        let line = assertFailsWithOneLine(run, containing: [])
        XCTAssertEqual(line, "Error: the weights file given by --weights is a folder, not a file: \(folder.path)")
    }

    /// `features` uses the same search and fails the same way before reading any image.
    func testFeaturesWithoutWeightsSaysWhereItLooked() throws {
        let places = try makePlaces()
        let work = try makeFolder()
        let run = try fidviz(["features", Fixtures.url("golden/images").path,
                              "-o", work.appendingPathComponent("out.npz").path], environment: places.environment)
        assertFailsWithOneLine(run, containing: ["FID Inception weights not found", places.fidvizCache.path,
                                                 places.torchHub.path, places.torchFidelity.path,
                                                 "`fidviz weights download`"])
        XCTAssertEqual(try contents(of: work), [])
    }

    // MARK: - Downloads (loopback only)

    /// Every regular file under `folder`.
    private func files(under folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter {
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder.path + "/" + $0, isDirectory: &isFolder)
                && !isFolder.boolValue
        }
    }

    func testUnreachableMirrorFailsFastAndSaysHowToPlaceTheFile() throws {
        let places = try makePlaces()
        var environment = places.environment
        let mirror = "http://127.0.0.1:9/\(officialName)"  // port 9 (discard) is closed
        environment["FIDVIZ_WEIGHTS_URL"] = mirror
        let run = try fidviz(["weights", "download", "--quiet"], environment: environment, timeout: 60)
        let line = assertFailsWithOneLine(run, containing: [
            "cannot download the FID weights", mirror, places.fidvizCache.path, places.torchHub.path,
            places.torchFidelity.path, "place it at \(places.fidvizCache.path)", "--weights PATH",
        ])
        XCTAssertTrue(line?.hasPrefix("Error: cannot download the FID weights (") ?? false, line ?? "")
        XCTAssertLessThan(run.seconds, 20, "a refused connection must fail fast")
        XCTAssertEqual(files(under: places.root), [], "nothing may be left in the caches")

        // Without --quiet, the only other line says where the download was tried.
        let chatty = try fidviz(["weights", "download"], environment: environment, timeout: 60)
        XCTAssertEqual(chatty.status, 1)
        XCTAssertEqual(chatty.stderrLines.count, 2, "\(chatty)")
        XCTAssertEqual(chatty.stderrLines.first, "fidviz: downloading \(mirror)")
        XCTAssertTrue(chatty.stderrLines.last?.hasPrefix("Error: cannot download the FID weights (") ?? false)
    }

    func testMirrorServingTheWrongFileIsRejectedByItsHash() throws {
        let body = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let server = try LoopbackHTTPServer(body: body, lifetime: 120)
        defer { server.stop() }
        let places = try makePlaces()
        var environment = places.environment
        environment["FIDVIZ_WEIGHTS_URL"] = server.url("/\(officialName)")
        let run = try fidviz(["weights", "download", "--quiet"], environment: environment, timeout: 60)
        let line = assertFailsWithOneLine(run, containing: [
            "downloaded file has SHA-256 ", "expected 6726825d…; it was discarded", server.url("/\(officialName)"),
        ])
        XCTAssertFalse(line?.contains("SHA-256 6726825d") ?? true, line ?? "")
        XCTAssertEqual(files(under: places.root), [], "the rejected download may not be left in the cache")
    }

    func testMirrorAnsweringNotFoundIsReported() throws {
        let server = try LoopbackHTTPServer(status: 404, body: Array("no such file".utf8), lifetime: 120)
        defer { server.stop() }
        let places = try makePlaces()
        var environment = places.environment
        environment["FIDVIZ_WEIGHTS_URL"] = server.url("/missing.pth")
        let run = try fidviz(["weights", "download", "--quiet"], environment: environment, timeout: 60)
        let line = assertFailsWithOneLine(run, containing: [])
        XCTAssertEqual(line, "Error: cannot download the FID weights: HTTP 404 from \(server.url("/missing.pth")); "
            + "fetch it by hand and place it at \(places.fidvizCache.path), or pass --weights PATH")
        XCTAssertEqual(files(under: places.root), [])
    }

    func testMirrorURLMustBeHTTP() throws {
        let places = try makePlaces()
        var environment = places.environment
        environment["FIDVIZ_WEIGHTS_URL"] = "ftp://mirror.example.org/weights.pth"
        let run = try fidviz(["weights", "download"], environment: environment)
        let line = assertFailsWithOneLine(run, containing: [])
        XCTAssertEqual(line, "Error: $FIDVIZ_WEIGHTS_URL is 'ftp://mirror.example.org/weights.pth', not an http(s) "
            + "URL; set it to a mirror of \(officialName), or unset it to download from pytorch-fid's release")
        XCTAssertEqual(files(under: places.root), [])
    }

    /// Weights already in torch hub's cache: nothing is downloaded (the mirror is unreachable).
    func testDownloadIsSkippedWhenTheWeightsAreFound() throws {
        let places = try makePlaces()
        try place(places.torchHub)
        var environment = places.environment
        environment["FIDVIZ_WEIGHTS_URL"] = "http://127.0.0.1:9/\(officialName)"
        let run = try fidviz(["weights", "download"], environment: environment)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stdout, places.torchHub.path + "\n")
        XCTAssertEqual(run.stderr, "fidviz: weights already present: \(places.torchHub.path)\n")
    }
}
