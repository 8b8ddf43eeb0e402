import Pixels
import XCTest
@testable import Heatmap

final class ClassHistogramChartTests: XCTestCase {
    private let histogram = ClassHistogram(
        counts: [
            ClassCount(index: 876, label: "rugby ball", generated: 30, reference: 120),
            ClassCount(index: 285, label: "Egyptian cat", generated: 12, reference: 2400),
            ClassCount(index: 7, label: "a very long label, with synonyms, that goes on and on and on and on", generated: 5, reference: 10),
            ClassCount(index: 3, label: "tench", generated: 0, reference: 1500),
            ClassCount(index: 9, label: "<b>bold</b>", generated: 3, reference: nil),
        ],
        generatedTotal: 50, referenceTotal: 50_000, title: "Top-1 classes: generated vs reference")

    func testMostFrequentOrdersByLargerShareThenIndex() {
        // Shares: 876 -> 0.6, 285 -> 0.24, 7 -> 0.1, 9 -> 0.06, 3 -> 0.03.
        XCTAssertEqual(histogram.mostFrequent(10).map(\.index), [876, 285, 7, 9, 3])
        XCTAssertEqual(histogram.mostFrequent(2).map(\.index), [876, 285])
        let tie = ClassHistogram(counts: [ClassCount(index: 5, label: "b", generated: 1), ClassCount(index: 2, label: "a", generated: 1)],
                                 generatedTotal: 2)
        XCTAssertEqual(tie.mostFrequent(5).map(\.index), [2, 5])
    }

    func testChartDecodesAndDrawsBothSetColours() throws {
        let png = try ClassHistogramChart.renderPNG(histogram, maxClasses: 4)
        Support.keepSample(png, named: "histogram.png")
        let image = try Support.decodePNG(png)
        XCTAssertEqual(image.width, 960)
        XCTAssertGreaterThan(image.height, 4 * 26)
        XCTAssertGreaterThan(Support.count(ClassHistogramChart.generatedColor, in: image), 200)
        XCTAssertGreaterThan(Support.count(ClassHistogramChart.referenceColor, in: image), 200)
    }

    func testChartWithoutReferenceHasNoReferenceBars() throws {
        let generatedOnly = ClassHistogram(counts: [ClassCount(index: 1, label: "goldfish", generated: 4)], generatedTotal: 4)
        let image = try Support.decodePNG(try ClassHistogramChart.renderPNG(generatedOnly))
        XCTAssertGreaterThan(Support.count(ClassHistogramChart.generatedColor, in: image), 200)
        XCTAssertEqual(Support.count(ClassHistogramChart.referenceColor, in: image), 0)
    }

    func testEmptyHistogramStillRenders() throws {
        let empty = ClassHistogram(counts: [], generatedTotal: 0)
        let image = try Support.decodePNG(try ClassHistogramChart.renderPNG(empty))
        XCTAssertEqual(image.width, 960)
    }

    func testTidyCeiling() {
        XCTAssertEqual(ClassHistogramChart.tidyCeiling(0.6), 0.6, accuracy: 1e-12)
        XCTAssertEqual(ClassHistogramChart.tidyCeiling(0.9), 1)
        XCTAssertEqual(ClassHistogramChart.tidyCeiling(0.24), 0.25, accuracy: 1e-12)
        XCTAssertEqual(ClassHistogramChart.tidyCeiling(0.033), 0.04, accuracy: 1e-12)
        XCTAssertEqual(ClassHistogramChart.tidyCeiling(0.2), 0.2, accuracy: 1e-12)
    }
}
