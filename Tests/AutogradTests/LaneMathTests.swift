import Foundation
import XCTest
@testable import Autograd

/// The polynomial e^x and erf that GELU and softmax evaluate eight lanes at a time, against the
/// C library in Double on dense grids.
final class LaneMathTests: XCTestCase {
    func testExponentialWithinOneUlp() {
        var worst = 0.0, worstAt: Float = 0
        for i in 0 ... 400_000 {
            let x = Float(-87.3 + (88 + 87.3) * Double(i) / 400_000)
            let value = Float.exponential(Lanes(repeating: x))[3]
            let exact = exp(Double(x))
            let ulps = abs(Double(value) - exact) / Double(Float(exact).ulp)
            if ulps > worst { (worst, worstAt) = (ulps, x) }
        }
        XCTAssertLessThanOrEqual(worst, 1, "at x = \(worstAt)")
        let edges = Float.exponential(Lanes(-100, -.infinity, 100, .infinity, .nan, 0, -87.4, 1))
        XCTAssertEqual(edges[0], 0)
        XCTAssertEqual(edges[1], 0)
        XCTAssertEqual(edges[2], .infinity)
        XCTAssertEqual(edges[3], .infinity)
        XCTAssertTrue(edges[4].isNaN)
        XCTAssertEqual(edges[5], 1)
        XCTAssertEqual(edges[6], 0, "below the smallest normal result")
        XCTAssertEqual(edges[7], Float(M_E), accuracy: Float(M_E).ulp)
    }

    func testErrorFunctionWithin5e7() {
        var worst = 0.0, worstAt: Float = 0, worstRelativeNearZero = 0.0
        for i in 0 ... 400_000 {
            let x = Float(-6 + 12 * Double(i) / 400_000)
            let value = Double(Float.errorFunction(Lanes(repeating: x))[5])
            let exact = erf(Double(x))
            if abs(value - exact) > worst { (worst, worstAt) = (abs(value - exact), x) }
            if abs(x) < 0.5 && x != 0 { worstRelativeNearZero = max(worstRelativeNearZero, abs(value - exact) / abs(exact)) }
        }
        XCTAssertLessThanOrEqual(worst, 5e-7, "at x = \(worstAt)")
        XCTAssertLessThanOrEqual(worstRelativeNearZero, 4 * Double(Float.ulpOfOne))
        XCTAssertEqual(Float.errorFunction(Lanes(repeating: 0))[0], 0)
        XCTAssertEqual(Float.errorFunction(Lanes(repeating: 50))[0], 1)
        XCTAssertEqual(Float.errorFunction(Lanes(repeating: -50))[0], -1)
    }

    /// The lane loops' tails (counts that are not multiples of 8) give what whole lanes give.
    func testTailsMatchWholeLanes() {
        var random = TestRandom(seed: 77)
        let x = random.values(21, -4, 4)
        let whole = Tensor(shape: [21], data: x).gelu().data
        for count in [1, 7, 8, 9, 13] {
            XCTAssertEqual(Tensor(shape: [count], data: Array(x[0 ..< count])).gelu().data, Array(whole[0 ..< count]))
        }
        let softmax = Tensor(shape: [3, 7], data: x).softmaxLastAxis().data
        for row in 0 ..< 3 {
            let values = x[row * 7 ..< row * 7 + 7].map(Double.init)
            let top = values.max()!, total = values.map { exp($0 - top) }.reduce(0, +)
            for j in 0 ..< 7 {
                XCTAssertEqual(Double(softmax[row * 7 + j]), exp(values[j] - top) / total, accuracy: 1e-7)
            }
        }
    }
}
