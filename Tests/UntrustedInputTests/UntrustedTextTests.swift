import UntrustedInput
import XCTest

final class UntrustedTextTests: XCTestCase {
    func testPrintableTextIsKept() {
        XCTAssertEqual(UntrustedText.printable("archive/data/0 ünïcödé ✓"), "archive/data/0 ünïcödé ✓")
    }

    func testLineBreaksAndControlsAreEscaped() {
        XCTAssertEqual(UntrustedText.printable("a\nb\rc\td\u{0B}e\u{0C}f\u{85}g\u{2028}h\u{0}"),
                       "a\\nb\\rc\\td\\u{b}e\\u{c}f\\u{85}g\\u{2028}h\\u{0}")
    }

    func testBidirectionalOverridesAreEscaped() {
        XCTAssertEqual(UntrustedText.printable("evil\u{202E}gnp.exe"), "evil\\u{202e}gnp.exe")
    }

    func testLongTextIsCutWithItsLength() {
        XCTAssertEqual(UntrustedText.printable(String(repeating: "x", count: 300), maxCharacters: 5),
                       "xxxxx…(300 bytes)")
        XCTAssertEqual(UntrustedText.printable("xxxxx", maxCharacters: 5), "xxxxx")
    }
}
