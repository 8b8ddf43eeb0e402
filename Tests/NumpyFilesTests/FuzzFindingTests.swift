import Foundation
import NumpyFiles
import XCTest

/// Inputs the fuzz campaigns found (Tests/Fixtures/fuzz), refused with their exact one-line error.
final class FuzzFindingTests: XCTestCase {
    private static let folder = Fixtures.root.appendingPathComponent("fuzz")

    /// A header key that holds a newline (and binary bytes): quoted raw, it broke the message.
    func testHeaderKeyWithANewlineIsQuotedOnOneLine() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("npy/header-key-with-newline.npy"))
        XCTAssertEqual(numpyError(try Npy.decode(data, name: "x.npy")), "TBD")
    }

    /// An archive whose local header names a member with a newline.
    func testLocalNameWithANewlineIsQuotedOnOneLine() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("npz/local-name-with-newline.npz"))
        XCTAssertEqual(numpyError(try NpzArchive(data: data, name: "x.npz").arrays(["fortran"])), "TBD")
    }
}
