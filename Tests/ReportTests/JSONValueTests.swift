import Foundation
import InceptionGraph
import Pixels
import Report
import XCTest

/// The one JSON writer: non-finite numbers as null, exact round trips, escaping, sorted keys.
final class JSONValueTests: XCTestCase {
    private struct Probe: Decodable, Equatable {
        let fid: Double?
        let small: Double
        let float: Float
        let map: [[Float?]]
        let text: String
    }

    func testNumbersRoundTripExactlyAndNonFiniteBecomesNull() throws {
        let value = JSONValue.object([
            "fid": .number(.nan), "small": .number(5e-324), "float": .float(3.34655e-09),
            "map": SpatialMap(rows: [[1, 2], [3, .infinity]]).json,
            "text": .string("quote \" backslash \\ newline \n tab \t bell \u{7} rtl \u{202E} <script>"),
        ])
        let data = value.serialized()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"fid\":null"), text)
        XCTAssertTrue(text.contains("[3.0,null]"), text)
        XCTAssertTrue(text.contains("\\u0007"), text)
        let probe = try JSONDecoder().decode(Probe.self, from: data)
        XCTAssertNil(probe.fid)
        XCTAssertEqual(probe.small, 5e-324)
        XCTAssertEqual(probe.float, 3.34655e-09)
        XCTAssertEqual(probe.map, [[1, 2], [3, nil]])
        XCTAssertEqual(probe.text, "quote \" backslash \\ newline \n tab \t bell \u{7} rtl \u{202E} <script>")
        // The pretty form carries the same values, null included.
        let pretty = value.serialized(pretty: true)
        XCTAssertTrue(String(decoding: pretty, as: UTF8.self).contains("\"fid\": null"))
        XCTAssertEqual(try JSONDecoder().decode(Probe.self, from: pretty), probe)
    }

    func testKeysAreSortedAndOutputIsDeterministic() {
        let value = JSONValue.object(["b": .int(1), "a": .array([.bool(true), .null]), "c": .object([:])])
        XCTAssertEqual(String(decoding: value.serialized(), as: UTF8.self), "{\"a\":[true,null],\"b\":1,\"c\":{}}")
        XCTAssertEqual(String(decoding: value.serialized(pretty: true), as: UTF8.self),
                       "{\n  \"a\": [true, null],\n  \"b\": 1,\n  \"c\": {}\n}\n")
    }

    func testClassScoreShape() {
        let json = ClassScore(index: 876, label: "rugby ball", probability: 0.25).json
        XCTAssertEqual(json, .object(["index": .int(876), "label": .string("rugby ball"), "probability": .number(0.25)]))
    }
}
