@testable import Agreement
import Foundation
import TestSupport
import XCTest

/// Tests/Fixtures/agreement/golden.json (make_golden.py): the run's images, their Δs, the match
/// people's scores must give, and scipy's numbers.
enum Golden {
    static func load() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Fixtures.data("agreement/golden.json"))
        return try XCTUnwrap(object as? [String: Any])
    }

    static func doubles(_ value: Any?) throws -> [Double] {
        try XCTUnwrap(value as? [NSNumber]).map(\.doubleValue)
    }

    /// A list of numbers and nulls.
    static func optionalDoubles(_ value: Any?) throws -> [Double?] {
        try XCTUnwrap(value as? [Any]).map { ($0 as? NSNumber)?.doubleValue }
    }

    static func strings(_ value: Any?) throws -> [String] {
        try XCTUnwrap(value as? [String])
    }

    /// The dgm-eval fixture matched to the golden run's images.
    static func humanMatch(_ golden: [String: Any]) throws -> HumanMatch {
        try HumanScores(contentsOf: Fixtures.url("agreement/human_dgm_eval.csv")).match(strings(golden["image_files"]))
    }
}
