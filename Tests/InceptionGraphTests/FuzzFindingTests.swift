import Foundation
import TestSupport
import XCTest
import InceptionGraph
import TorchCheckpoint

/// Inputs the fuzz campaigns found (Tests/Fixtures/fuzz), refused with their exact one-line error.
final class FuzzFindingTests: XCTestCase {
    /// A GLOBAL whose name runs over several lines of other opcodes (it ends at the next '\n'):
    /// the refusal quoted it raw, so the message broke into lines.
    func testGlobalNameWithLineBreaksIsQuotedOnOneLine() throws {
        let data = try Data(contentsOf: Fixtures.url("fuzz/pickle/global-name-with-line-breaks.pkl"))
        XCTAssertThrowsError(try TorchCheckpoint.stateDictShapes(pickle: data, name: "x.pkl")) {
            XCTAssertEqual("\($0)", #"x.pkl, byte offset 96: refusing to load global 'torch.FloatStorageRq\u{b}tq"#
                + #"\u{c}Rq\rX\u{16}\u{0}\u{0}\u{0}bn.num_batches_trackedq\u{e}h\u{2}((h\u{3}ctorch': a state dict "#
                + "needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.*Storage, so "
                + "this file may be malicious (do not open it with torch.load either)")
        }
    }

    /// A zip checkpoint whose local header names a member with a vertical tab.
    func testLocalNameWithAVerticalTabIsQuotedOnOneLine() throws {
        let data = try Data(contentsOf: Fixtures.url("fuzz/checkpoint/zip-local-name-with-vertical-tab.pth"))
        XCTAssertThrowsError(try TorchCheckpoint.load(data: data, name: "x.pth")) {
            XCTAssertEqual("\($0)", "x.pth (tiny-ordereddict-zip/.storage_alignment): the member's local header "
                + #"(at byte offset 977) names it 'tiny-order\u{b}ddict-zip/.storage_alignment'; the file is "#
                + "corrupt or hostile")
        }
    }
}
