import Foundation
import NumpyFiles
import TestSupport
import XCTest

/// Ctrl-C (SIGINT) or SIGTERM in the middle of a run: the process stops with a non-zero status
/// and leaves either its finished output or none, and never a staging folder or temporary file.
final class InterruptTests: FidvizTestCase {

    // MARK: - A run that can be interrupted

    /// A started `fidviz`, with its output captured in files.
    private struct Started {
        let process: Process
        let stderr: URL

        /// Sends `signal`, waits for the exit (at most `timeout` seconds) and returns the status.
        func interrupt(with signal: Int32 = SIGINT, timeout: Double = 60) throws -> Int32 {
            kill(process.processIdentifier, signal)
            return try wait(timeout: timeout)
        }

        func wait(timeout: Double) throws -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning {
                guard Date() < deadline else {
                    process.terminate()
                    throw FidvizTestError("fidviz did not exit within \(timeout) s")
                }
                usleep(10_000)
            }
            return process.terminationStatus
        }

        var stderrText: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }
    }

    private func start(_ arguments: [String], in directory: URL) throws -> Started {
        let process = Process()
        process.executableURL = try FidvizBinary.binary
        process.arguments = arguments
        process.environment = FidvizBinary.isolatedEnvironment(home: try makeFolder("home"))
        process.currentDirectoryURL = directory
        let logs = try makeFolder("logs")
        let out = logs.appendingPathComponent("stdout"), err = logs.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Started(process: process, stderr: err)
    }

    /// Polls `condition` every millisecond until it holds or `process` ends; true if it held.
    private func waitFor(_ started: Started, timeout: Double = 120, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && started.process.isRunning {
            if condition() { return true }
            usleep(1_000)
        }
        return condition()
    }

    /// Six pictures (golden/images and samples/reference), enough for the run to take several seconds.
    private func sixImages() throws -> URL { try imageFolder(6, name: "six") }

    private func hidden(in folder: URL) throws -> [String] {
        try contents(of: folder).filter { $0.hasPrefix(".") }
    }

    // MARK: - explain

    /// Interrupted while the report is being made (its staging folder exists): no report, no
    /// staging folder.
    func testInterruptedExplainLeavesNoReportAndNoStagingFolder() throws {
        let work = try makeFolder()
        let started = try start([try sixImages().path, "--ref", try ExplainCommandTests.reference.get().path,
                                 "-o", "out", "--weights", try TestRun.seededCheckpoint(.legacy).path], in: work)
        let began = Date()
        XCTAssertTrue(waitFor(started) { (try? self.hidden(in: work))?.contains { $0.hasPrefix(".out.partial-") } == true },
                      "the staging folder never appeared: \(started.stderrText)")
        usleep(UInt32(max(0, 1.5 - Date().timeIntervalSince(began)) * 1e6))
        XCTAssertTrue(started.process.isRunning, "the run ended before it could be interrupted; use more images")
        let status = try started.interrupt()
        XCTAssertEqual(status, 128 + SIGINT, started.stderrText)
        XCTAssertEqual(try contents(of: work), [], "neither out/ nor .out.partial-* may be left")
        XCTAssertTrue(started.stderrText.contains("fidviz: interrupted"), started.stderrText)
    }

    /// With a previous report in place, an interrupted run leaves it exactly as it was.
    func testInterruptedExplainKeepsThePreviousReport() throws {
        let work = try makeFolder()
        let previous = work.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: previous, withIntermediateDirectories: true)
        try Data("written by fidviz 0.1.0\n".utf8).write(to: previous.appendingPathComponent(".fidviz-report"))
        try Data("<html>the previous report</html>".utf8).write(to: previous.appendingPathComponent("index.html"))
        let before = try contents(of: previous)

        let started = try start([try sixImages().path, "--ref", try ExplainCommandTests.reference.get().path,
                                 "-o", "out", "--weights", try TestRun.seededCheckpoint(.legacy).path], in: work)
        XCTAssertTrue(waitFor(started) { (try? self.hidden(in: work))?.contains { $0.hasPrefix(".out.partial-") } == true },
                      "the staging folder never appeared: \(started.stderrText)")
        usleep(500_000)
        XCTAssertTrue(started.process.isRunning, "the run ended before it could be interrupted")
        XCTAssertNotEqual(try started.interrupt(), 0, started.stderrText)
        XCTAssertEqual(try contents(of: work), ["out"])
        XCTAssertEqual(try contents(of: previous), before)
        XCTAssertEqual(try String(contentsOf: previous.appendingPathComponent("index.html"), encoding: .utf8),
                       "<html>the previous report</html>")
    }

    // MARK: - stats

    /// SIGINT while the .npz is being written (its hidden temporary file exists): the temporary
    /// file is removed and the destination is either the complete new file (when the rename came
    /// first) or as it was; never a temporary or half-written file.
    func testInterruptDuringTheWriteLeavesACompleteFileOrNone() throws {
        let work = try makeFolder()
        let started = try start(["stats", try sixImages().path, "-o", "s.npz", "--quiet",
                                 "--weights", try TestRun.seededCheckpoint(.legacy).path], in: work)
        let caught = waitFor(started) { (try? self.hidden(in: work))?.isEmpty == false }
        let status = caught ? try started.interrupt() : try started.wait(timeout: 60)
        XCTAssertTrue([0, 128 + SIGINT].contains(status), "status \(status): \(started.stderrText)")
        XCTAssertEqual(try hidden(in: work), [], "a temporary file was left behind")
        let names = try contents(of: work)
        XCTAssertTrue(names == [] || names == ["s.npz"], "\(names)")
        if names == ["s.npz"] {
            let arrays = try Npz.read(contentsOf: work.appendingPathComponent("s.npz"))
            XCTAssertEqual(arrays["sigma"]?.shape, [2048, 2048])
            XCTAssertEqual(arrays["n"]?.int64s(), [6])
        }
        if !caught { print("note: the temporary file was not seen, so the write itself was not interrupted") }
    }

    /// SIGINT while the images are being read: no file at all.
    func testInterruptedStatsLeavesNoFile() throws {
        let work = try makeFolder()
        let started = try start(["stats", try sixImages().path, "-o", "s.npz", "--quiet",
                                 "--weights", try TestRun.seededCheckpoint(.legacy).path], in: work)
        usleep(300_000)
        XCTAssertTrue(started.process.isRunning, "the run ended before it could be interrupted")
        XCTAssertEqual(try started.interrupt(), 128 + SIGINT, started.stderrText)
        XCTAssertEqual(try contents(of: work), [])
    }

    // MARK: - SIGTERM

    /// SIGTERM (what `kill` and container runtimes send) while the report is being made.
    func testTerminatedExplainLeavesNoReportAndNoStagingFolder() throws {
        let work = try makeFolder()
        let started = try start([try sixImages().path, "--ref", try ExplainCommandTests.reference.get().path,
                                 "-o", "out", "--weights", try TestRun.seededCheckpoint(.legacy).path], in: work)
        XCTAssertTrue(waitFor(started) { (try? self.hidden(in: work))?.contains { $0.hasPrefix(".out.partial-") } == true },
                      "the staging folder never appeared: \(started.stderrText)")
        usleep(300_000)
        XCTAssertTrue(started.process.isRunning, "the run ended before it could be stopped; use more images")
        XCTAssertEqual(try started.interrupt(with: SIGTERM), 128 + SIGTERM, started.stderrText)
        XCTAssertEqual(try contents(of: work), [], "neither out/ nor .out.partial-* may be left")
        XCTAssertTrue(started.stderrText.contains("fidviz: stopped by signal 15"), started.stderrText)
    }

    /// SIGTERM during `stats` and during `features`, while the images are read, and (if it can
    /// be caught) while the .npz is written: a complete file or none, never a temporary file.
    func testTerminatedStatsAndFeaturesLeaveNoTemporaryFile() throws {
        let weights = try TestRun.seededCheckpoint(.legacy).path
        let images = try sixImages().path
        for command in ["stats", "features"] {
            for duringTheWrite in [false, true] {
                let work = try makeFolder()
                let started = try start([command, images, "-o", "s.npz", "--quiet", "--weights", weights], in: work)
                let status: Int32
                if duringTheWrite {
                    let caught = waitFor(started) { (try? self.hidden(in: work))?.isEmpty == false }
                    status = caught ? try started.interrupt(with: SIGTERM) : try started.wait(timeout: 60)
                    XCTAssertTrue([0, 128 + SIGTERM].contains(status), "\(command): status \(status): \(started.stderrText)")
                } else {
                    usleep(300_000)
                    XCTAssertTrue(started.process.isRunning, "\(command) ended before it could be stopped")
                    status = try started.interrupt(with: SIGTERM)
                    XCTAssertEqual(status, 128 + SIGTERM, "\(command): \(started.stderrText)")
                }
                XCTAssertEqual(try hidden(in: work), [], "\(command): a temporary file was left behind")
                let names = try contents(of: work)
                XCTAssertTrue(names == [] || names == ["s.npz"], "\(command): \(names)")
                if names == ["s.npz"] {
                    XCTAssertNoThrow(try Npz.read(contentsOf: work.appendingPathComponent("s.npz")), command)
                }
            }
        }
    }
}
