import Foundation
import XCTest
@testable import Heatmap

final class AtomicFileTests: XCTestCase {
    func testWritesReplacesAndLeavesNoTemporaryFiles() throws {
        let folder = try TestSupport.temporaryFolder()
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
        let folder = try TestSupport.temporaryFolder()
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
}
