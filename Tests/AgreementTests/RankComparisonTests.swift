import Agreement
import XCTest

/// Ranks, disagreements and per-class sums on constructed Δs whose answers are known exactly.
final class RankComparisonTests: XCTestCase {
    /// Ten images the two spaces rank alike, except images 1 and 8, whose Δs trade places in space B.
    func testTwoSpacesThatAgreeButOnTwoImages() {
        let deltaA = (0 ..< 10).map { Double(10 - $0) }  // 10, 9, ..., 1
        var deltaB = deltaA.map { $0 * 0.5 }
        deltaB.swapAt(1, 8)
        let comparison = RankComparison(deltaA: deltaA, deltaB: deltaB)
        XCTAssertEqual(comparison.rankA, Array(1 ... 10))
        XCTAssertEqual(comparison.rankB, [1, 9, 3, 4, 5, 6, 7, 8, 2, 10])
        for (i, gap) in comparison.disagreement.enumerated() {
            let expected = i == 1 ? 0.7 : i == 8 ? -0.7 : 0
            XCTAssertEqual(gap, expected, accuracy: 1e-15, "image \(i)")
        }
        let (fidOnly, otherOnly) = comparison.mostDisagreeing(3)
        XCTAssertEqual(fidOnly, [1])  // FID ranks it 2nd, space B 9th
        XCTAssertEqual(otherOnly, [8])
        XCTAssertEqual(comparison.spearman, 67.0 / 165.0, accuracy: 1e-15)
    }

    func testRanksAndListsOrderedByGap() {
        let comparison = RankComparison(deltaA: [5, 4, 3, 2, 1], deltaB: [5, 1, 3, 4, 2])
        XCTAssertEqual(comparison.rankA, [1, 2, 3, 4, 5])
        XCTAssertEqual(comparison.rankB, [1, 5, 3, 2, 4])
        let expected = [0, 0.6, 0, -0.4, -0.2]
        for (gap, want) in zip(comparison.disagreement, expected) { XCTAssertEqual(gap, want, accuracy: 1e-15) }
        XCTAssertEqual(comparison.mostDisagreeing(1).fidOnly, [1])
        XCTAssertEqual(comparison.mostDisagreeing(1).otherOnly, [3])
        XCTAssertEqual(comparison.mostDisagreeing(5).otherOnly, [3, 4])
        XCTAssertEqual(comparison.mostDisagreeing(0).fidOnly, [])
    }

    /// Equal Δs keep the order given; a non-finite Δ ranks last and keeps its image out of the lists.
    func testTiesGoInIndexOrderAndNonFiniteRanksLast() {
        let comparison = RankComparison(deltaA: [1, 2, 2, .nan, 0], deltaB: [1, .infinity, 2, 2, 2])
        XCTAssertEqual(comparison.rankA, [3, 1, 2, 5, 4])
        XCTAssertEqual(comparison.rankB, [4, 5, 1, 2, 3])
        let expected = [0.2, 0.8, -0.2, -0.6, -0.2]
        for (gap, want) in zip(comparison.disagreement, expected) { XCTAssertEqual(gap, want, accuracy: 1e-15) }
        let (fidOnly, otherOnly) = comparison.mostDisagreeing(3)
        XCTAssertEqual(fidOnly, [0])
        XCTAssertEqual(otherOnly, [2, 4])
    }

    func testNoImageIsInBothLists() {
        let comparison = RankComparison(deltaA: [3, 2, 1], deltaB: [1, 2, 3])
        let (fidOnly, otherOnly) = comparison.mostDisagreeing(3)
        XCTAssertEqual(fidOnly, [0])  // rank 1 in FID, 3 in B
        XCTAssertEqual(otherOnly, [2])
        XCTAssertTrue(Set(fidOnly).isDisjoint(with: otherOnly))
        XCTAssertEqual(RankComparison(deltaA: [], deltaB: []).mostDisagreeing(2).fidOnly, [])
    }

    func testClassSumsPerClassAndApart() {
        let sums = ClassSums(classes: [0, 1, nil, 0, 1, 2], deltaA: [1, 2, 3, 4, 5, .nan], deltaB: [0.5, -1, 2, 0.25, 1, 3])
        XCTAssertEqual(sums.classIndices, [0, 1, 2])
        XCTAssertEqual(sums.byClass[0], ClassSums.Totals(count: 2, sumA: 5, sumB: 0.75))
        XCTAssertEqual(sums.byClass[1], ClassSums.Totals(count: 2, sumA: 7, sumB: 0))
        XCTAssertEqual(sums.byClass[2], ClassSums.Totals(count: 1, sumA: 0, sumB: 3))  // NaN counted, not summed
        XCTAssertEqual(sums.unclassified, ClassSums.Totals(count: 1, sumA: 3, sumB: 2))
        XCTAssertEqual(ClassSums(classes: [], deltaA: [], deltaB: []).byClass, [:])
    }
}
