import InceptionGraph
import XCTest

/// The one ranking of class scores: Top-1, Top-5 and Top-N all come from `topIndices`.
final class ClassScoreTests: XCTestCase {
    func testTopIndicesBreakTiesTowardsTheLowerIndex() {
        let scores: [Float] = [0.1, 0.9, 0.5, 0.9, 0.2,
                               3, 3, 3, 3, 3]
        XCTAssertEqual(ClassScore.topIndices(rows: scores, classes: 5, n: 3), [[1, 3, 2], [0, 1, 2]])
        XCTAssertEqual(ClassScore.topIndices(scores[5...], n: 1), [0], "a slice is indexed from its own start")
        XCTAssertEqual(ClassScore.top1Index(logits: Array(scores[0 ..< 5])), 1)
    }

    func testTopKAgreesWithTopIndicesAndSoftmax() {
        let logits: [Float] = [2, -1, 5, 5, 0.5, 3]
        let top = ClassScore.top(3, logits: logits)
        XCTAssertEqual(top.map(\.index), ClassScore.topIndices(logits[...], n: 3))
        XCTAssertEqual(top.map(\.index), [2, 3, 5])
        let total = logits.reduce(0.0) { $0 + exp(Double($1)) }
        XCTAssertEqual(top[0].probability, exp(5) / total, accuracy: 1e-15)
        XCTAssertEqual(top[2].probability, exp(3) / total, accuracy: 1e-15)
        XCTAssertEqual(top[0].label, ImageNetLabels.label(2))
    }
}
