import UntrustedInput
import XCTest

/// The limits' defaults and their environment variables. Each limit's enforcement is tested where
/// it is enforced (PixelsTests, InceptionGraphTests, NumpyFilesTests).
final class LimitsTests: XCTestCase {
    func testDefaults() {
        let limits = Limits()
        XCTAssertEqual(limits.maxImagePixels, 89_478_485)  // PIL's Image.MAX_IMAGE_PIXELS
        XCTAssertEqual(limits.maxTensorElements, 67_108_864)
        XCTAssertEqual(limits.maxPickleValues, 4_194_304)
        XCTAssertEqual(limits.maxPickleDepth, 32)
        XCTAssertEqual(limits.maxNpzMemberBytes, 2_147_483_648)
        XCTAssertEqual(limits.maxFolderFiles, 10_000_000)
        XCTAssertEqual(limits.maxCSVBytes, 268_435_456)
    }

    func testEnvironmentOverridesEachOverridableLimit() {
        let environment = [
            "FIDVIZ_MAX_IMAGE_PIXELS": "1000", "FIDVIZ_MAX_TENSOR_ELEMENTS": "2_000",
            "FIDVIZ_MAX_NPZ_MEMBER_BYTES": "3000", "FIDVIZ_MAX_FILES": "4000", "FIDVIZ_MAX_CSV_BYTES": "5000",
        ]
        let (limits, problems) = Limits.parsing { environment[$0] }
        XCTAssertEqual(problems, [])
        XCTAssertEqual(limits, Limits(maxImagePixels: 1000, maxTensorElements: 2000, maxNpzMemberBytes: 3000,
                                      maxFolderFiles: 4000, maxCSVBytes: 5000))
    }

    func testNoEnvironmentGivesTheDefaults() {
        let (limits, problems) = Limits.parsing { _ in nil }
        XCTAssertEqual(limits, Limits())
        XCTAssertEqual(problems, [])
    }

    func testValuesThatAreNotPositiveIntegersAreIgnoredWithOneLineEach() {
        let environment = ["FIDVIZ_MAX_IMAGE_PIXELS": "lots", "FIDVIZ_MAX_FILES": "0",
                           "FIDVIZ_MAX_NPZ_MEMBER_BYTES": "1\n2"]
        let (limits, problems) = Limits.parsing { environment[$0] }
        XCTAssertEqual(limits, Limits())
        XCTAssertEqual(problems, [
            "ignoring FIDVIZ_MAX_IMAGE_PIXELS=lots: not a positive integer; using the default, 89478485",
            "ignoring FIDVIZ_MAX_NPZ_MEMBER_BYTES=1\\n2: not a positive integer; using the default, 2147483648",
            "ignoring FIDVIZ_MAX_FILES=0: not a positive integer; using the default, 10000000",
        ])
    }
}
