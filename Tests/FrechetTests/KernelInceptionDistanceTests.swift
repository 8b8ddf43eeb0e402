import TestSupport
import XCTest

@testable import Frechet
@testable import NumpyFiles

final class KernelInceptionDistanceTests: XCTestCase {
    /// MMD^2 of the torch-fidelity formula written out term by term, no BLAS.
    private func naiveMMD2(_ x: [[Double]], _ y: [[Double]]) -> Double {
        let m = Double(x.count)
        let d = Double(x[0].count)
        func k(_ a: [Double], _ b: [Double]) -> Double {
            pow(zip(a, b).map(*).reduce(0, +) / d + 1, 3)
        }
        var xx = 0.0, yy = 0.0, xy = 0.0
        for i in 0..<x.count {
            for j in 0..<x.count where i != j {
                xx += k(x[i], x[j])
                yy += k(y[i], y[j])
            }
            for j in 0..<y.count { xy += k(x[i], y[j]) }
        }
        return (xx + yy) / (m * (m - 1)) - 2 * xy / (m * m)
    }

    func testTwoPointExampleByHand() {
        // d = 1, x = {0, 1}, y = {2, 3}: k(a, b) = (ab + 1)^3.
        // XX off-diagonal: 2 k(0,1) = 2; YY: 2 k(2,3) = 686; XY: k(0,2)+k(0,3)+k(1,2)+k(1,3) = 93.
        let value = KernelInceptionDistance.unbiasedMMD2([0, 1], [2, 3], rows: 2, dimension: 1)
        let expected: Double = 688.0 / 2.0 - 186.0 / 4.0
        XCTAssertEqual(value, expected, accuracy: 1e-12)
    }

    func testMatchesNaiveFormula() {
        var random = TestRandom(seed: 41)
        let (m, d) = (9, 7)
        let x = (0..<m).map { _ in random.normals(d) }
        let y = (0..<m).map { _ in random.normals(d).map { $0 + 0.5 } }
        let fast = KernelInceptionDistance.unbiasedMMD2(
            x.flatMap { $0 }, y.flatMap { $0 }, rows: m, dimension: d)
        XCTAssertEqual(fast, naiveMMD2(x, y), accuracy: 1e-12 * abs(naiveMMD2(x, y)))
    }

    /// torch-fidelity's KID of the fixture's 300 x 2048 sets as one subset. The golden value
    /// (9.140625) was accumulated in Float32 and carries ~1.1e-5 relative rounding error; the
    /// same formula in Float64 (NumPy, at fixture-making time) gives 9.140522935232752.
    func testWholeSetKIDMatchesTorchFidelity() throws {
        let arrays = try Npz.read(contentsOf: Fixtures.url("golden/kid_fixture.npz"))
        let a = arrays["a"]!.floats()!
        let b = arrays["b"]!.floats()!
        XCTAssertEqual(arrays["a"]!.shape, [300, 2048])
        let golden = arrays["kid"]!.scalarDouble()!
        let kid = try KernelInceptionDistance.compute(features1: a, features2: b, dimension: 2048,
                                                      subsets: 1, subsetSize: 1000)
        XCTAssertEqual(kid.subsetSize, 300)
        XCTAssertEqual(kid.standardDeviation, 0)
        print("KID \(kid.mean): relative error vs golden (Float32) \(relativeError(kid.mean, golden)), "
              + "vs Float64 NumPy \(relativeError(kid.mean, 9.140522935232752))")
        XCTAssertEqual(kid.mean, 9.140522935232752, accuracy: 1e-10 * 9.14)
        XCTAssertEqual(kid.mean, golden, accuracy: 2e-5 * golden)
    }

    func testSubsetsAreDeterministicAndStdIsPopulationStd() throws {
        var random = TestRandom(seed: 42)
        let d = 16
        let first = (0..<(40 * d)).map { _ in Float(random.normal()) }
        let second = (0..<(50 * d)).map { _ in Float(random.normal() + 0.2) }
        let kid = try KernelInceptionDistance.compute(features1: first, features2: second,
                                                      dimension: d, subsets: 7, subsetSize: 20)
        let again = try KernelInceptionDistance.compute(features1: first, features2: second,
                                                        dimension: d, subsets: 7, subsetSize: 20)
        XCTAssertEqual(kid, again)
        XCTAssertEqual(kid.subsetValues.count, 7)
        XCTAssertEqual(Set(kid.subsetValues).count, 7, "subsets must differ")
        let mean = kid.subsetValues.reduce(0, +) / 7
        let variance = kid.subsetValues.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 7
        XCTAssertEqual(kid.mean, mean, accuracy: 1e-15)
        XCTAssertEqual(kid.standardDeviation, variance.squareRoot(), accuracy: 1e-15)
        let otherSeed = try KernelInceptionDistance.compute(
            features1: first, features2: second, dimension: d, subsets: 7, subsetSize: 20, seed: 1)
        XCTAssertNotEqual(otherSeed.subsetValues, kid.subsetValues)
    }

    func testTooFewRowsThrows() {
        assertThrowsFrechetError(
            try KernelInceptionDistance.compute(features1: [1, 2], features2: [1, 2, 3, 4],
                                                dimension: 2),
            containing: "first feature set: 1 sample(s) given but at least 2 are needed")
    }
}
