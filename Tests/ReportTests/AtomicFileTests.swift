import OutputFiles
import Foundation
import XCTest
@testable import Report

final class AtomicFileTests: XCTestCase {
    func testWritesReplacesAndLeavesNoTemporaryFiles() throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("out.png")
        try AtomicFile.write([1, 2, 3], to: target)
        XCTAssertEqual([UInt8](try Data(contentsOf: target)), [1, 2, 3])
        try AtomicFile.write("replaced", to: target)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "replaced")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.png"])
    }

    func testMissingFolderIsATypedError() {
        let path = "/nonexistent-fidviz-folder/out.png"
        XCTAssertThrowsError(try AtomicFile.write([1], to: URL(fileURLWithPath: path))) { error in
            XCTAssertEqual(String(describing: error),
                           "Could not write '\(path)' (create failed: No such file or directory). "
                           + "Check that the folder exists, is writable and has free space.")
        }
    }

    func testFailedRenameRemovesTheTemporaryFile() throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A non-empty directory in the way: rename(2) cannot replace it.
        let blocker = folder.appendingPathComponent("report.html")
        try FileManager.default.createDirectory(at: blocker.appendingPathComponent("inside"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try AtomicFile.write("x", to: blocker)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("Could not write '\(blocker.path)' (rename failed: "),
                          String(describing: error))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["report.html"])
    }

    func testStreamingWriterShowsNothingUntilCommitAndAbandonLeavesNoTrace() throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("stats.npz")
        try AtomicFile.write("previous", to: target)
        let writer = try AtomicFile.Writer(destination: target)
        try writer.write(Data("new ".utf8))
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "previous", "nothing visible before commit")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, 2, "the temporary file")
        writer.abandon()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["stats.npz"])
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "previous")

        struct Stop: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: target) { file in
            try file.write(Data("half".utf8))
            throw Stop()
        })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["stats.npz"])
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "previous", "a failed write keeps the old file")

        try AtomicFile.write(to: target) { file in
            for part in ["a", "b", "c"] { try file.write(Data(part.utf8)) }
        }
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "abc")
    }

    func testOutputPathChecksShareOneSetOfMessages() throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("notes.txt")
        try Data("x".utf8).write(to: file)
        let missing = folder.appendingPathComponent("missing/out.npz").path
        for check in [{ try OutputPath.checkFile(missing, flag: "-o") },
                      { try OutputPath.checkFolder(missing, flag: "-o", marker: ReportFolder.marker, force: false) }] {
            XCTAssertThrowsError(try check()) { error in
                XCTAssertEqual("\(error)", "-o \(missing): the folder \(folder.path)/missing does not exist")
            }
        }
        XCTAssertThrowsError(try OutputPath.checkFile(file.path + "/x.npz", flag: "-o")) { error in
            XCTAssertEqual("\(error)", "-o \(file.path)/x.npz: \(file.path) is a file, not a folder")
        }
        XCTAssertThrowsError(try OutputPath.checkFile(folder.path, flag: "-o")) { error in
            XCTAssertEqual("\(error)", "-o \(folder.path): is a folder; give a file name")
        }
        XCTAssertThrowsError(try OutputPath.checkFolder(file.path, flag: "-o", marker: ReportFolder.marker, force: false)) {
            XCTAssertEqual("\($0)", "-o \(file.path): exists and is not a folder")
        }
        XCTAssertThrowsError(try OutputPath.checkFolder(folder.path, flag: "-o", marker: ReportFolder.marker, force: false)) {
            XCTAssertTrue("\($0)".contains("the folder is not empty and was not written by fidviz"), "\($0)")
        }
        XCTAssertNoThrow(try OutputPath.checkFolder(folder.path, flag: "-o", marker: ReportFolder.marker, force: true))
    }
}
