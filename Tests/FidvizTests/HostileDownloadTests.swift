import Foundation
import XCTest

/// `fidviz weights download` from a loopback mirror that misbehaves: it hangs up mid-transfer,
/// lies about the length, serves the wrong file, answers an error status, trickles, or redirects
/// to a scheme that is not http(s). Each case ends with exit 1 and one line, leaves no file
/// behind, and with `--force` over weights already in the cache leaves those bytes as they were.
final class HostileDownloadTests: FidvizTestCase {
    private let officialName = "pt_inception-2015-12-05-6726825d.pth"
    private let cachedBytes = Data("good weights already in the cache".utf8)

    /// Bytes that are not the weights.
    private func wrongBytes(_ count: Int) -> [UInt8] {
        (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }

    /// Every path under `folder`, folders included, relative to it.
    private func everything(under folder: URL) -> [String] {
        (FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []).sorted()
    }

    /// Runs `weights download --quiet` against `server` twice: into an empty cache (nothing may
    /// be left, not even the cache folder) and with `--force` over a cached file (its bytes must
    /// stay identical, and nothing else may appear). Returns the first run's error line, after
    /// checking both runs fail with one line holding `fragments`.
    @discardableResult
    private func assertRefused(_ server: LoopbackHTTPServer, path: String? = nil, stallSeconds: Double? = nil,
                               containing fragments: [String], file: StaticString = #filePath,
                               line: UInt = #line) throws -> String? {
        let mirror = server.url(path ?? "/\(officialName)")
        var first: String?
        for force in [false, true] {
            let root = try makeFolder("places")
            let cache = root.appendingPathComponent("xdg-cache")
            let cached = cache.appendingPathComponent("fidviz/\(officialName)")
            var environment = ["XDG_CACHE_HOME": cache.path, "TORCH_HOME": root.appendingPathComponent("torch").path,
                               "FIDVIZ_WEIGHTS_URL": mirror]
            if let stallSeconds { environment["FIDVIZ_DOWNLOAD_STALL_SECONDS"] = String(stallSeconds) }
            if force {
                try FileManager.default.createDirectory(at: cached.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                try cachedBytes.write(to: cached)
            }
            let run = try fidviz(["weights", "download", "--quiet"] + (force ? ["--force"] : []),
                                 environment: environment, timeout: 120)
            let message = assertFailsWithOneLine(run, containing: fragments, file: file, line: line)
            if force {
                XCTAssertEqual(try Data(contentsOf: cached), cachedBytes, "the cached weights were changed",
                               file: file, line: line)
                XCTAssertEqual(everything(under: root), ["xdg-cache", "xdg-cache/fidviz", "xdg-cache/fidviz/\(officialName)"],
                               "only the cached file may be there", file: file, line: line)
            } else {
                XCTAssertEqual(everything(under: root), [], "nothing may be left behind", file: file, line: line)
                first = message
            }
        }
        return first
    }

    /// The start of every refusal that says how to get the file by hand.
    private func refusal(_ reason: String) -> String {
        "Error: cannot download the FID weights (\(reason)). Searched: "
    }

    // MARK: - Transfers that end wrong

    func testServerHangingUpMidTransferIsRefused() throws {
        let server = try LoopbackHTTPServer(body: wrongBytes(300_000), announcedLength: 1_000_000, lifetime: 120)
        defer { server.stop() }
        let line = try assertRefused(server, containing: ["Fetch \(server.url("/\(officialName)")) by hand"])
        XCTAssertTrue(line?.hasPrefix(refusal("the transfer ended after 300000 of the 1000000 bytes announced")) ?? false,
                      line ?? "")
    }

    /// A server that sends more than its Content-Length: the extra bytes are either refused or
    /// never handed over (URLSession stops at the announced length); the file is then not the
    /// weights, and its hash says so.
    func testServerSendingMoreThanItAnnouncedIsRefused() throws {
        let server = try LoopbackHTTPServer(body: wrongBytes(300_000), announcedLength: 100_000, lifetime: 120)
        defer { server.stop() }
        let line = try assertRefused(server, containing: [])
        let announced = refusal("the server sent more than the 100000 bytes it announced")
        let hashed = "Error: downloaded file has SHA-256 "
        XCTAssertTrue(line?.hasPrefix(announced) == true || line?.hasPrefix(hashed) == true, line ?? "")
    }

    /// The right number of bytes (95,628,359), but not the weights.
    func testRightSizeWrongHashIsRefused() throws {
        let server = try LoopbackHTTPServer(body: wrongBytes(95_628_359), lifetime: 120)
        defer { server.stop() }
        let line = try assertRefused(server, containing: [])
        let digest = "e040605c1f574be3"
        XCTAssertEqual(line, "Error: downloaded file has SHA-256 \(digest)…, expected 6726825d…; it was discarded. "
            + "Try again, or fetch \(server.url("/\(officialName)")) by hand")
    }

    // MARK: - Status codes

    func testNotFoundAndServerErrorAreRefused() throws {
        for status in [404, 500] {
            let server = try LoopbackHTTPServer(status: status, body: Array("no weights here".utf8), lifetime: 120)
            defer { server.stop() }
            let line = try assertRefused(server, path: "/weights.pth", containing: [])
            XCTAssertTrue(line?.hasPrefix("Error: cannot download the FID weights: HTTP \(status) from "
                + "\(server.url("/weights.pth")); fetch it by hand and place it at ") ?? false, line ?? "")
        }
    }

    // MARK: - Stalls

    /// 1 KiB every 50 ms is 20 KiB/s, under the 64 KiB a stall period needs.
    func testTricklingTransferStallsOut() throws {
        let server = try LoopbackHTTPServer(body: wrongBytes(2_000_000), trickle: (bytes: 1024, interval: 0.05),
                                            lifetime: 120)
        defer { server.stop() }
        let started = Date()
        let line = try assertRefused(server, stallSeconds: 1, containing: [])
        XCTAssertTrue(line?.hasPrefix(refusal("the transfer stalled: fewer than 64 KiB in 1 s")) ?? false, line ?? "")
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "two stalled runs must give up within seconds")
    }

    // MARK: - Redirects

    func testRedirectsToOtherSchemesAreRefused() throws {
        for location in ["file:///etc/passwd", "ftp://127.0.0.1/\(officialName)"] {
            let server = try LoopbackHTTPServer(status: 302, body: [], extraHeaders: ["Location: \(location)"],
                                                lifetime: 120)
            defer { server.stop() }
            let line = try assertRefused(server, containing: [])
            XCTAssertTrue(line?.hasPrefix(refusal("the server redirected to \(location), which is not http(s)")) ?? false,
                          line ?? "")
        }
    }
}
