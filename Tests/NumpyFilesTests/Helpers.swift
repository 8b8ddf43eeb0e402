import Foundation
import NumpyFiles
import XCTest

/// Locations of the committed fixtures, found from this file (never via ../shared).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let npz = root.appendingPathComponent("npz")
    static let golden = root.appendingPathComponent("golden")

    static func npz(_ name: String) -> URL { npz.appendingPathComponent(name) }
    static func data(_ name: String) throws -> Data { try Data(contentsOf: npz(name)) }
}

/// The `description` of the `NumpyFileError` that `body` throws, or a test failure.
func numpyError<T>(
    _ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line
) -> String {
    do {
        _ = try body()
        XCTFail("expected a NumpyFileError, but the call succeeded", file: file, line: line)
    } catch let error as NumpyFileError {
        return error.description
    } catch {
        XCTFail(
            "expected a NumpyFileError, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return ""
}

/// A fresh empty folder under the system temporary folder, removed by the test's teardown.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("NumpyFilesTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
    return folder
}
