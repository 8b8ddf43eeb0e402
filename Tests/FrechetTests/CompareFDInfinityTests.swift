import SeededRandom
import XCTest

@testable import Frechet

/// FD_infinity as dgm-eval computes it: its sizes, its line, and its subsets.
final class CompareFDInfinityTests: XCTestCase {
    /// NumPy's `linspace(min(5000, max(N // 10, 2)), N, 15).astype(int32)`, as printed by NumPy.
    func testSizesAreDgmEvalsLinspace() {
        XCTAssertEqual(FrechetDistanceInfinity.sizes(count: 10_000),
                       [1000, 1642, 2285, 2928, 3571, 4214, 4857, 5500, 6142, 6785, 7428, 8071, 8714, 9357, 10000])
        XCTAssertEqual(FrechetDistanceInfinity.sizes(count: 50_000),
                       [5000, 8214, 11428, 14642, 17857, 21071, 24285, 27500, 30714, 33928, 37142, 40357, 43571,
                        46785, 50000])
        XCTAssertEqual(FrechetDistanceInfinity.sizes(count: 1234),
                       [123, 202, 281, 361, 440, 519, 599, 678, 757, 837, 916, 995, 1075, 1154, 1234])
        XCTAssertEqual(FrechetDistanceInfinity.sizes(count: 20),
                       [2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 20])
    }

    /// Distances constructed as FD_N = a + b/N at the sizes of N = 10,000 give back a and b.
    func testTheFitRecoversAKnownSlopeAndIntercept() {
        let sizes = FrechetDistanceInfinity.sizes(count: 10_000)
        for (a, b) in [(3.25, 1800.0), (0.0, 42.0), (12.5, -300.0)] {
            let fit = FrechetDistanceInfinity(sizes: sizes, distances: sizes.map { a + b / Double($0) })
            XCTAssertEqual(fit.intercept, a, accuracy: 1e-9 * max(1, abs(a)))
            XCTAssertEqual(fit.slope, b, accuracy: 1e-9 * abs(b))
        }
        // Noise about the line moves the intercept by about the noise, not by the slope.
        var random = SplitMix64(seed: 1)
        let noisy = FrechetDistanceInfinity(sizes: sizes, distances: sizes.map { 5 + 2000 / Double($0) + 0.001 * random.normal() })
        XCTAssertEqual(noisy.intercept, 5, accuracy: 0.01)
        XCTAssertEqual(noisy.slope, 2000, accuracy: 20)
        // All sizes equal: no slope, the mean (as a least-squares solver gives it).
        let flat = FrechetDistanceInfinity(sizes: [2, 2, 2], distances: [1, 2, 6])
        XCTAssertEqual(flat.slope, 0)
        XCTAssertEqual(flat.intercept, 3)
    }

    /// Each size's distance is the FD of that many distinct rows, drawn afresh from one seeded
    /// stream, with their own mean and `np.cov` (copied out and measured directly).
    func testEachDistanceIsTheFDOfItsSubset() throws {
        let d = 5, n = 400
        var random = SplitMix64(seed: 4)
        let values = (0..<(n * d)).map { _ in Float(random.normal() * 1.3 + 0.2) }
        var reference = FrechetStatistics(mu: [Double](repeating: 0, count: d), sigma: [Double](repeating: 0, count: d * d))
        for i in 0..<d { reference.sigma[i * d + i] = 1 }
        let objective = try WeightedFrechetDistance(reference: reference, rows: FeatureRows(values, dimension: d))
        let result = try FrechetDistanceInfinity(objective, seed: 9)
        XCTAssertEqual(result.sizes, FrechetDistanceInfinity.sizes(count: n))
        var generator = SplitMix64(seed: 9)
        for (size, distance) in zip(result.sizes, result.distances) {
            var copy: [Float] = []
            for i in generator.sample(size, from: n) { copy += values[(i * d)..<((i + 1) * d)] }
            let rows = FeatureRows(copy, dimension: d)
            let statistics = try WeightedStatistics(rows: rows, weights: WeightedStatistics.uniformWeights(count: size))
            let direct = try FrechetDistance.distance(reference: reference, generated: statistics.statistics)
            XCTAssertEqual(distance, direct, accuracy: 1e-10 * max(1, direct), "size \(size)")
        }
        let refit = FrechetDistanceInfinity(sizes: result.sizes, distances: result.distances)
        XCTAssertEqual(result, refit)
        // Gaussian rows against their population: FD_N falls towards the population FD as N grows,
        // so the fitted slope is positive and FD_inf lies below FD_N.
        XCTAssertGreaterThan(result.slope, 0)
        XCTAssertLessThan(result.intercept, result.distances.last!)
    }
}
