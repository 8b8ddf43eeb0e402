// Runs the built `fidviz` binary as a user would: a subprocess with chosen arguments and
// environment, its stdout and stderr captured separately.

import Foundation
import XCTest

// MARK: - Result

/// What one run of the binary did.
struct FidvizRun: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String
    let seconds: Double

    /// stderr split into lines, without the empty string after the final newline.
    var stderrLines: [String] {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    var description: String {
        "fidviz \(arguments.joined(separator: " ")) -> exit \(status) after \(String(format: "%.1f", seconds)) s\n"
            + "--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)"
    }
}

// MARK: - Running

enum FidvizBinary {
    /// The binary `swift build -c release --product fidviz` (or the test build itself) put
    /// beside the test bundle.
    static var binary: URL {
        get throws {
            // On Linux the bundle is the .xctest executable; on macOS a .xctest folder. Either way
            // the products folder is its parent.
            let bundle = Bundle(for: FidvizTestCase.self).bundleURL
            let candidates = [bundle.deletingLastPathComponent().appendingPathComponent("fidviz"),
                              bundle.appendingPathComponent("fidviz")]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw FidvizTestError("the fidviz binary is not built (looked at \(candidates.map(\.path))); "
                    + "run `swift build -c release --product fidviz` before `swift test -c release`")
            }
            return found
        }
    }

    /// The environment every run starts from: PATH only, plus `HOME` (a fresh folder from the
    /// test) so the user's own caches and settings never leak in.
    static func isolatedEnvironment(home: URL) -> [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path]
    }

    /// Runs `fidviz arguments` in `directory` with exactly `environment`, stdin closed; its output
    /// is captured in files outside `directory`. Kills it and throws after `timeout` seconds.
    static func run(_ arguments: [String], environment: [String: String], in directory: URL,
                    timeout: Double = 300) throws -> FidvizRun {
        let process = Process()
        process.executableURL = try binary
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory

        // Files, not pipes: nothing can block however much the child writes.
        let captures = try TestRun.folder("captures")
        let outURL = captures.appendingPathComponent("stdout-\(UUID().uuidString)")
        let errURL = captures.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice

        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        let start = Date()
        try process.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = finished.wait(timeout: .now() + 5)
            throw FidvizTestError("fidviz \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        try out.close()
        try err.close()
        return FidvizRun(arguments: arguments, status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                         seconds: Date().timeIntervalSince(start))
    }
}

/// A test set-up problem (not a product failure), reported with what to do.
struct FidvizTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
