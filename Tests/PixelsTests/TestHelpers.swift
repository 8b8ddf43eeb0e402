import Foundation
import Pixels
import TestSupport
import XCTest


/// The description of the `ImageDecodingError` that `body` throws, or a test failure (and "") when
/// it returns or throws something else.
func decodingFailure<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        let result = try body()
        XCTFail("expected an ImageDecodingError, got \(result)", file: file, line: line)
    } catch let error as ImageDecodingError {
        return error.description
    } catch {
        XCTFail("threw \(type(of: error)) instead of ImageDecodingError: \(error)", file: file, line: line)
    }
    return ""
}

/// `bytes` written to a fresh temporary file named `name`, removed when the test ends.
func temporaryFile(_ name: String, _ bytes: [UInt8], in test: XCTestCase) throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("PixelsTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
}
