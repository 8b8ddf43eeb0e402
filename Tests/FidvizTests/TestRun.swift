// Scratch space for the command-line tests: one temporary root per test run (holding the
// seeded checkpoints, written once) and a fresh folder per test, all removed afterwards.

import Foundation
import TestCheckpoints
import XCTest

// MARK: - The run

/// State shared by every test of this run of the bundle.
enum TestRun {
    /// `$TMPDIR/fidviz-tests-<pid>-<uuid>`, created on first use and removed when the bundle finishes.
    static let root: Result<URL, Error> = Result {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fidviz-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        XCTestObservationCenter.shared.addTestObserver(RemoveWhenFinished(url))
        return url
    }

    /// A folder directly under the run's root (created if needed).
    static func folder(_ name: String) throws -> URL {
        let url = try root.get().appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The full-size seed-0 weights in both torch.save layouts, written on first use.
    private static let seeded: Result<[SeededCheckpointWriter.Format: URL], Error> = Result {
        let folder = try TestRun.folder("weights")
        var files: [SeededCheckpointWriter.Format: URL] = [:]
        for format in SeededCheckpointWriter.Format.allCases {
            let url = folder.appendingPathComponent("seeded-0-\(format.rawValue).pth")
            try SeededCheckpointWriter.write(seed: 0, format: format, to: url)
            files[format] = url
        }
        return files
    }

    static func seededCheckpoint(_ format: SeededCheckpointWriter.Format) throws -> URL {
        try seeded.get()[format]!
    }
}

/// Deletes the run's root once every test has run.
private final class RemoveWhenFinished: NSObject, XCTestObservation {
    let url: URL
    init(_ url: URL) { self.url = url }

    func testBundleDidFinish(_ testBundle: Bundle) {
        makeWritable(url)
        try? FileManager.default.removeItem(at: url)
    }
}

/// Gives the owner write permission on every folder under `url`, so it can be deleted.
func makeWritable(_ url: URL) {
    chmod(url.path, 0o755)
    guard let walker = FileManager.default.enumerator(atPath: url.path) else { return }
    for case let relative as String in walker {
        let path = url.path + "/" + relative
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            chmod(path, 0o755)
        }
    }
}

// MARK: - One test

/// A test that runs the binary: each test gets its own empty folders, including a `HOME`.
class FidvizTestCase: XCTestCase {
    private var folders: [URL] = []

    /// A new empty folder for this test, deleted after it.
    func makeFolder(_ name: String = "work") throws -> URL {
        let url = try TestRun.folder("tests").appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        folders.append(url)
        return url
    }

    override func tearDown() {
        for url in folders {
            makeWritable(url)
            try? FileManager.default.removeItem(at: url)
        }
        folders = []
        super.tearDown()
    }

    /// Runs fidviz in a fresh working folder with an isolated environment (an empty `HOME`, and
    /// `extraEnvironment` on top).
    func fidviz(_ arguments: [String], environment extraEnvironment: [String: String] = [:],
                in directory: URL? = nil, timeout: Double = 300) throws -> FidvizRun {
        let home = try makeFolder("home")
        let environment = FidvizBinary.isolatedEnvironment(home: home).merging(extraEnvironment) { $1 }
        return try FidvizBinary.run(arguments, environment: environment, in: directory ?? makeFolder("cwd"),
                              timeout: timeout)
    }

    /// The names in `folder`, sorted (hidden files included).
    func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    /// A failed run: exit 1, nothing on stdout, exactly one line on stderr, containing every one
    /// of `fragments`. Returns that line.
    @discardableResult
    func assertFailsWithOneLine(_ run: FidvizRun, containing fragments: [String],
                                file: StaticString = #filePath, line: UInt = #line) -> String? {
        XCTAssertEqual(run.status, 1, "\(run)", file: file, line: line)
        XCTAssertEqual(run.stdout, "", "\(run)", file: file, line: line)
        XCTAssertEqual(run.stderrLines.count, 1, "\(run)", file: file, line: line)
        guard let message = run.stderrLines.first else { return nil }
        XCTAssertTrue(message.hasPrefix("Error: "), "\(message)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "'\(fragment)' is not in: \(message)", file: file, line: line)
        }
        return message
    }
}
