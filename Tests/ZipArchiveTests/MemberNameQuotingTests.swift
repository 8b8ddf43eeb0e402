import UntrustedInput
import XCTest
import ZipArchive

/// Member names come from the archive: errors quote them as one printable line.
final class MemberNameQuotingTests: XCTestCase {
    func testLineBreaksInNamesAreEscaped() {
        XCTAssertEqual(ZipError(.duplicateName, member: "a\nb", byteOffset: 5).description,
                       "member 'a\\nb' at byte 5: the archive holds this member twice")
        XCTAssertEqual(ZipError(.localNameDiffers(localName: "x\u{0B}y", offset: 0), member: "xy").description,
                       "member 'xy': the member's local header (at byte offset 0) names it 'x\\u{b}y'")
        XCTAssertEqual(ZipError(.overlaps(other: "p\rq"), member: "r").description,
                       "member 'r': the member's bytes overlap those of 'p\\rq'")
    }
}
