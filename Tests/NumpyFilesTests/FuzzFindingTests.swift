import Foundation
import NumpyFiles
import TestSupport
import XCTest

/// Inputs the fuzz campaigns found (Tests/Fixtures/fuzz), refused with their exact one-line error.
final class FuzzFindingTests: XCTestCase {
    private static let folder = Fixtures.url("fuzz")

    /// A header key that holds a newline (and binary bytes): quoted raw, it broke the message.
    func testHeaderKeyWithANewlineIsQuotedOnOneLine() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("npy/header-key-with-newline.npy"))
        XCTAssertEqual(numpyError(try Npy.decode(data, name: "x.npy")),
            #"x.npy at byte 51: bad .npy header: expected ':' after '\n\u{0}\u{0}\#u{FFFD}?\u{0}\u{0}\u{10}"#
                + #"\#u{FFFD}\u{1}\u{0}@aape'"#)
    }

    /// A '<U<n>' width whose item size (4n bytes) overflows Int: computing the size trapped.
    func testUnicodeWidthBeyondNumpysIsRefused() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("npy/unicode-width-overflows-item-size.npy"))
        XCTAssertEqual(numpyError(try Npy.decode(data, name: "x.npy")),
            "x.npy at byte 10: string dtype '<U2305843009213693952' is wider than numpy allows (at most 536870911 "
                + "characters); the file is corrupt or hostile")
    }

    /// An archive whose local header names a member with a newline.
    func testLocalNameWithANewlineIsQuotedOnOneLine() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("npz/local-name-with-newline.npz"))
        XCTAssertEqual(numpyError(try NpzArchive(data: data, name: "x.npz").arrays(["fortran"])),
            "x.npz member 'fortran.npy': corrupt zip: the member's local header (at byte offset 863) names it "
                + #"'\#u{FFFD}:\n\#u{FFFD}\n\u{14}\u{0}.\u{6}\#u{FFFD}\#u{FFFD}'"#)
    }
}
