import SeededRandom
import XCTest

@testable import Frechet

final class NullSpaceOptimizerTests: XCTestCase {
    /// Three classes, noisy, generated proportions off: the minimum over the weights lies below
    /// both the uniform and the Top-1 FID; the weights stay on the simplex; the trace never
    /// rises; the reported FID is that of the weights. 48 images cannot match the 65 moments
    /// of d = 10 exactly, so the minimum is > 0.
    func testMinimumIsBelowUniformAndTop1AndOnTheSimplex() throws {
        var random = TestRandom(seed: 61)
        let d = 10
        let features = ClassFeatures(classes: 3, dimension: d, random: &random)
        let reference = features.rows(classCounts: [100, 100, 100],
                                      noise: (0..<100).map { _ in random.normals(d, scale: 0.8) })
        let generated = features.rows(classCounts: [8, 16, 24],
                                      noise: (0..<24).map { _ in random.normals(d, scale: 0.8) })
        let referenceStatistics = try statistics(ofRows: reference.rows, dimension: d)
        let objective = try WeightedFrechetDistance(
            reference: referenceStatistics, rows: FeatureRows(generated.rows, dimension: d))
        let uniform = try objective.distance(weights: WeightedStatistics.uniformWeights(count: 48))
        let top1 = try objective.distance(weights: ClassMatching.top1Weights(
            referenceHistogram: [100, 100, 100] as [Int64], generatedTop1: generated.labels).weights)
        let result = try NullSpaceOptimizer(relativeTolerance: 1e-10).minimize(objective)
        print("FID uniform \(uniform), Top-1 \(top1), minimum \(result.fid) in \(result.iterations) "
              + "iterations (\(result.reason.rawValue)), Frank-Wolfe gap \(result.frankWolfeGap)")
        XCTAssertTrue(result.converged)
        XCTAssertLessThan(result.fid, top1)
        XCTAssertLessThan(result.fid, uniform)
        XCTAssertTrue(result.weights.allSatisfy { $0 >= 0 })
        XCTAssertEqual(result.weights.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(result.fid, try objective.distance(weights: result.weights), accuracy: 1e-12 * uniform)
        XCTAssertEqual(result.fidTrace.first!, uniform, accuracy: 1e-12 * uniform)
        XCTAssertEqual(result.fidTrace.last!, result.fid, accuracy: 1e-9 * uniform)
        for k in 1..<result.fidTrace.count {  // up to the rounding of a fresh eigendecomposition
            XCTAssertLessThanOrEqual(result.fidTrace[k], result.fidTrace[k - 1] + 1e-13 * uniform)
        }
        XCTAssertGreaterThan(result.fid, 1e-3 * uniform)
        XCTAssertEqual(result.fidTrace.count, result.iterations + 1)
        // The minimum: no feasible move along a pair e_i - e_j (i with weight) decreases FID.
        XCTAssertLessThan(result.frankWolfeGap, 1e-3 * result.fid)
        // Starting at the Top-1 weights reaches the same minimum.
        let fromTop1 = try NullSpaceOptimizer(relativeTolerance: 1e-10).minimize(
            objective, initialWeights: ClassMatching.top1Weights(
                referenceHistogram: [100, 100, 100] as [Int64], generatedTop1: generated.labels).weights)
        XCTAssertEqual(fromTop1.fid, result.fid, accuracy: 1e-6 * result.fid)
    }

    func testIterationLimitIsReported() throws {
        var random = TestRandom(seed: 62)
        let reference = random.statistics(dimension: 5, columns: 9, ridge: 0.2)
        let objective = try WeightedFrechetDistance(
            reference: reference, rows: FeatureRows(random.normals(200 * 5, scale: 2), dimension: 5))
        let result = try NullSpaceOptimizer(maximumIterations: 2).minimize(objective)
        XCTAssertEqual(result.iterations, 2)
        XCTAssertFalse(result.converged)
        XCTAssertEqual(result.reason, .iterationLimit)
        XCTAssertEqual(result.fidTrace.count, 3)
        assertThrowsFrechetError(try NullSpaceOptimizer().minimize(objective, initialWeights: [1]),
                                 containing: "initial weights: 1 weights given for 200 images;")
    }

    /// Resampling: fixed seed, same FIDs; each draw's FID is that of the resampled rows built
    /// explicitly; another seed draws differently.
    func testResampledFIDIsDeterministicAndIsTheFIDOfTheResample() throws {
        var random = TestRandom(seed: 63)
        let (n, d) = (60, 4)
        let reference = random.statistics(dimension: d, columns: 8, ridge: 0.3)
        let values = random.normals(n * d)
        var weights = (0..<n).map { _ in random.uniform() }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let rows = FeatureRows(values, dimension: d)
        let first = try Resampling.medianFID(reference: reference, rows: rows, weights: weights, seed: 7)
        let second = try Resampling.medianFID(reference: reference, rows: rows, weights: weights, seed: 7)
        let other = try Resampling.medianFID(reference: reference, rows: rows, weights: weights, seed: 8)
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first.values, other.values)
        XCTAssertEqual(first.values.count, 3)
        XCTAssertEqual(first.median, first.values.sorted()[1])
        var generator = SplitMix64(seed: 7)
        let drawn = generator.draw(n, weights: weights)
        let resampled = drawn.flatMap { Array(values[($0 * d)..<(($0 + 1) * d)]) }
        let direct = try FrechetDistance.distance(reference: reference,
                                                  generated: statistics(ofRows: resampled, dimension: d))
        XCTAssertEqual(first.values[0], direct, accuracy: 1e-12 * direct)
    }
}
