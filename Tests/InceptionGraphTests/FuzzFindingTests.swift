import Foundation
import TestSupport
import XCTest
import InceptionGraph

/// Inputs the fuzz campaigns found (Tests/Fixtures/fuzz), refused with their exact one-line error.
final class FuzzFindingTests: XCTestCase {
    /// A GLOBAL whose name runs over several lines of other opcodes (it ends at the next '\n'):
    /// the refusal quoted it raw, so the message broke into lines.
    func testGlobalNameWithLineBreaksIsQuotedOnOneLine() throws {
        let data = try Data(contentsOf: Fixtures.url("fuzz/pickle/global-name-with-line-breaks.pkl"))
        XCTAssertThrowsError(try TorchCheckpoint.stateDictShapes(pickle: data, name: "x.pkl")) {
            XCTAssertEqual("\($0)", "TBD")
        }
    }

    /// A zip checkpoint whose local header names a member with a vertical tab.
    func testLocalNameWithAVerticalTabIsQuotedOnOneLine() throws {
        let data = try Data(contentsOf: Fixtures.url("fuzz/checkpoint/zip-local-name-with-vertical-tab.pth"))
        XCTAssertThrowsError(try TorchCheckpoint.load(data: data, name: "x.pth")) {
            XCTAssertEqual("\($0)", "TBD")
        }
    }
}
