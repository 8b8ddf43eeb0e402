import Foundation
import NumpyFiles
import XCTest

/// `stats`, `features` and `explain` writing onto a disk that fills up mid-write (a 2 MiB tmpfs
/// with a filler file): exit 1 with one line naming the file and the system's "No space left on
/// device", nothing half-written left (no temporary file, no staging folder), and the previous
/// output at the same path as it was. Mounting needs root and a container that allows it;
/// elsewhere the tests skip and say why.
final class FullDiskTests: FidvizTestCase {
    private var mounts: [URL] = []

    override func tearDown() {
        for point in mounts.reversed() { _ = try? Self.command("/bin/umount", [point.path]) }
        mounts = []
        super.tearDown()
    }

    /// Runs `executable arguments`, returning its status and combined output.
    private static func command(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A new 2 MiB tmpfs with about `free` bytes left (a file named "filler" holds the rest).
    private func smallDisk(free: Int) throws -> URL {
        let point = try makeFolder("disk")
        let (status, output) = try Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", point.path])
        guard status == 0 else {
            throw XCTSkip("cannot mount a 2 MiB tmpfs to fill up (mount exit \(status): \(output)); "
                + "these tests need root in a container that allows mounts")
        }
        mounts.append(point)
        var info = statvfs()
        guard statvfs(point.path, &info) == 0 else { throw FidvizTestError("statvfs failed: errno \(errno)") }
        let available = Int(info.f_bavail) * Int(info.f_frsize)
        try Data(count: max(available - free, 0)).write(to: point.appendingPathComponent("filler"))
        return point
    }

    private func assertNoSpaceLine(_ run: FidvizRun, naming file: String, line: UInt = #line) {
        let message = assertFailsWithOneLine(run, containing: [], line: line)
        XCTAssertEqual(message, "Error: Could not write '\(file)' (write failed: No space left on device). "
            + "Check that the folder exists, is writable and has free space.", line: line)
    }

    // MARK: - .npz outputs

    /// 200 KB free, and a statistics file needs 32 MB (sigma); 16 KB free, and 6 images' features
    /// need 72 KB. The previous file stays as it was.
    func testStatsAndFeaturesOnAFullDiskKeepThePreviousFile() throws {
        let images = try imageFolder(6).path
        let weights = try TestRun.seededCheckpoint(.legacy).path
        for (command, free) in [("stats", 200_000), ("features", 16_000)] {
            let disk = try smallDisk(free: free)
            let output = disk.appendingPathComponent("out.npz")
            let previous = Data("the previous \(command) output".utf8)
            try previous.write(to: output)
            let run = try fidviz([command, images, "-o", output.path, "--quiet", "--weights", weights])
            assertNoSpaceLine(run, naming: output.path)
            XCTAssertEqual(try contents(of: disk), ["filler", "out.npz"], "\(command): a temporary file was left")
            XCTAssertEqual(try Data(contentsOf: output), previous, "\(command): the previous output changed")
        }
    }

    // MARK: - Reports

    /// The disk fills while the panel figure is written: the staging folder goes, the previous
    /// report stays whole, and the line names the figure as it would have been in the report.
    func testExplainOnAFullDiskKeepsThePreviousReport() throws {
        let images = try imageFolder(3)
        let disk = try smallDisk(free: 100_000)
        let report = disk.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: report, withIntermediateDirectories: false)
        try Data("written by fidviz 0.1.0\n".utf8).write(to: report.appendingPathComponent(".fidviz-report"))
        try Data("<html>the previous report</html>".utf8).write(to: report.appendingPathComponent("index.html"))

        let run = try fidviz([images.path, "--ref", try ExplainCommandTests.reference.get().path, "-o", report.path,
                              "--top", "1", "--best", "0", "--quiet",
                              "--weights", try TestRun.seededCheckpoint(.legacy).path])
        let message = assertFailsWithOneLine(run, containing: ["Error: Could not write '\(report.path)/",
                                                               "(write failed: No space left on device)"])
        XCTAssertFalse(message?.contains(".partial-") ?? true, "the line names the staging copy: \(message ?? "")")
        XCTAssertEqual(try contents(of: disk), ["filler", "out"], "the staging folder was left")
        XCTAssertEqual(try contents(of: report), [".fidviz-report", "index.html"])
        XCTAssertEqual(try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8),
                       "<html>the previous report</html>")
    }
}
