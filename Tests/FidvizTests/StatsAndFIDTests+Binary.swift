// Runs the built `fidviz` binary for StatsAndFIDTests, as a user runs it: a subprocess with an
// empty HOME, stdout and stderr captured separately.

import Foundation
import XCTest

// MARK: - Running the binary

/// What one run of `fidviz` printed and returned.
struct StatsTestRun: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    /// stderr's lines, blank ones included; only the empty string after the final newline is dropped.
    var stderrLines: [String] {
        var lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    var description: String {
        "fidviz \(arguments.joined(separator: " ")) -> exit \(status)\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)"
    }
}

struct StatsTestBinaryMissing: Error, CustomStringConvertible {
    let description: String
}

enum StatsTestBinary {
    /// The `fidviz` executable beside the test bundle (both live in .build/<configuration>).
    static func url() throws -> URL {
        let bundle = Bundle(for: StatsAndFIDTests.self).bundleURL
        for candidate in [bundle.deletingLastPathComponent().appendingPathComponent("fidviz"),
                          bundle.appendingPathComponent("fidviz")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw StatsTestBinaryMissing(description: "the fidviz binary is not built beside \(bundle.path); "
            + "run `swift build -c release -Xswiftc -enable-testing --product fidviz` first")
    }

    /// Runs `fidviz arguments` with an empty HOME (no caches leak in), capturing output in files.
    static func run(_ arguments: [String]) throws -> StatsTestRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fidviz-run-\(UUID().uuidString)")
        let home = folder.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path]
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return StatsTestRun(arguments: arguments, status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
