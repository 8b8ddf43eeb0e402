import Foundation
import NumpyFiles
import XCTest

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
