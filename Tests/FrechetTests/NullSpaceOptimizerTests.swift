import Foundation
import NumpyFiles
import SeededRandom
import TestSupport
import XCTest

@testable import Frechet

final class NullSpaceOptimizerTests: XCTestCase {
    /// Three classes in d = 10 with noise: 300 reference images in equal shares, 48 generated
    /// ones in proportions 8 : 16 : 24; the objective of the generated rows, and them.
    private func threeClasses(seed: UInt64) throws
        -> (objective: WeightedFrechetDistance, generated: (rows: [Double], labels: [Int]))
    {
        var random = TestRandom(seed: seed)
        let d = 10
        let features = ClassFeatures(classes: 3, dimension: d, random: &random)
        let reference = features.rows(classCounts: [100, 100, 100],
                                      noise: (0..<100).map { _ in random.normals(d, scale: 0.8) })
        let generated = features.rows(classCounts: [8, 16, 24],
                                      noise: (0..<24).map { _ in random.normals(d, scale: 0.8) })
        let objective = try WeightedFrechetDistance(
            reference: try statistics(ofRows: reference.rows, dimension: d),
            rows: FeatureRows(generated.rows, dimension: d))
        return (objective, (generated.rows, generated.labels))
    }

    /// Three classes, noisy, generated proportions off: the minimum over the weights lies below
    /// both the uniform and the Top-1 FID; the weights stay on the simplex; the trace never
    /// rises; the reported FID is that of the weights. 48 images cannot match the 65 moments
    /// of d = 10 exactly, so the minimum is > 0.
    func testMinimumIsBelowUniformAndTop1AndOnTheSimplex() throws {
        let (objective, generated) = try threeClasses(seed: 61)
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

    /// scipy's float64 L-BFGS-B on the same objective, run to its tightest tolerances in two
    /// parameterisations (Tests/Fixtures/frechet/make_nullspace_fixture.py): 120 rows in d = 24,
    /// a fifth of them noisier, 24 weights 0 at the minimum. From uniform and from Top-1 weights,
    /// the optimiser's minimum is scipy's to 0.1% (and no higher than it beyond 1e-7), and the
    /// rows scipy leaves without weight get (almost) none.
    func testMinimumMatchesTheFloat64ScipyReference() throws {
        let arrays = try Npz.read(contentsOf: Fixtures.url("frechet/nullspace_small.npz"))
        let rows = try XCTUnwrap(arrays["rows"]?.floats())
        let labels = try XCTUnwrap(arrays["labels"]?.int64s()).map { Int($0) }
        let reference = FrechetStatistics(mu: try XCTUnwrap(arrays["mu_r"]?.doubles()),
                                          sigma: try XCTUnwrap(arrays["sigma_r"]?.doubles()))
        let scipyWeights = try XCTUnwrap(arrays["weights"]?.doubles())
        let scipyMinimum = try XCTUnwrap(arrays["fid_min"]?.doubles()?.first)
        let uniformFID = try XCTUnwrap(arrays["fid_uniform"]?.doubles()?.first)
        let objective = try WeightedFrechetDistance(reference: reference, rows: FeatureRows(rows, dimension: 24))
        // One objective: fidviz's FID of scipy's weights is scipy's.
        let total = scipyWeights.reduce(0, +)
        XCTAssertEqual(try objective.distance(weights: scipyWeights.map { $0 / total }), scipyMinimum,
                       accuracy: 1e-9 * scipyMinimum)
        XCTAssertEqual(try objective.distance(weights: WeightedStatistics.uniformWeights(count: 120)), uniformFID,
                       accuracy: 1e-9 * uniformFID)
        let exact = try WeightedFrechetDistance(reference: reference, rows: FeatureRows(rows, dimension: 24),
                                                precision: .float64)
        let top1 = try ClassMatching.top1Weights(referenceHistogram: [50, 50, 50] as [Int64], generatedTop1: labels)
        for start in [nil, top1.weights] {
            let result = try NullSpaceOptimizer().minimize(objective, initialWeights: start)
            print("minimum \(result.fid) (scipy \(scipyMinimum)) in \(result.iterations) iterations, "
                  + "\(result.fidEvaluations) FID evaluations, \(result.hessianProducts) Hessian products; "
                  + "Frank-Wolfe gap \(result.frankWolfeGap)")
            XCTAssertTrue(result.converged, result.reason.rawValue)
            XCTAssertEqual(result.fid, scipyMinimum, accuracy: 1e-3 * scipyMinimum)
            XCTAssertLessThanOrEqual(result.fid, scipyMinimum * (1 + 1e-7))
            XCTAssertLessThan(result.fid, 0.1 * uniformFID, "the check must not be vacuous")
            for i in 0..<120 where scipyWeights[i] < 1e-12 { XCTAssertLessThan(result.weights[i], 1e-6, "row \(i)") }
            // The reported Frank-Wolfe gap is that of the returned weights, by a float64 gradient
            // computed from scratch (the optimiser's own comes from float32 rotated rows).
            let g = try exact.distanceAndGradient(weights: result.weights).gradient
            var gap = -g.min()!
            for i in 0..<120 { gap += result.weights[i] * g[i] }
            XCTAssertGreaterThan(gap, 0)
            XCTAssertEqual(result.frankWolfeGap, gap, accuracy: 1e-3 * gap)
        }
    }

    /// A reference made of the rows themselves under weights w* (mu_r = mu_w*, S_r = S_w*) has its
    /// minimum FID(w*) = 0 where the answer is known. At every stopping point, converged or not,
    /// the reported Frank-Wolfe gap is sum_i w_i g_i - min_i g_i at the returned weights, and it
    /// bounds FID(w) - 0 up to the one concave term, |mu_w - mu_w*|^2 / (N - 1).
    func testFrankWolfeGapBoundsTheSuboptimalityWhenTheMinimumIsKnown() throws {
        var random = TestRandom(seed: 64)
        let (n, d) = (80, 6)
        let values = random.normals(n * d, scale: 1.5)
        let rows = FeatureRows(values, dimension: d)
        var optimum = (0..<n).map { _ in random.uniform() * random.uniform() }
        let total = optimum.reduce(0, +)
        optimum = optimum.map { $0 / total }
        let reference = try WeightedStatistics(rows: rows, weights: optimum).statistics
        let objective = try WeightedFrechetDistance(reference: reference, rows: rows, precision: .float64)
        XCTAssertEqual(try objective.distance(weights: optimum), 0, accuracy: 1e-10)
        let uniform = try objective.distance(weights: WeightedStatistics.uniformWeights(count: n))
        XCTAssertGreaterThan(uniform, 0.1, "the check must not be vacuous")
        var gaps: [Double] = []
        for limit in [0, 1, 2, 3, 200] {
            let result = try NullSpaceOptimizer(maximumIterations: limit).minimize(objective)
            let (fid, g) = try objective.distanceAndGradient(weights: result.weights)
            var gap = -g.min()!
            for i in 0..<n { gap += result.weights[i] * g[i] }
            XCTAssertEqual(result.fid, fid, accuracy: 1e-12 * uniform)
            // The optimiser's gradient comes from moments updated step by step; this one from scratch.
            XCTAssertEqual(result.frankWolfeGap, gap, accuracy: 1e-6 * gap + 1e-12 * uniform, "limit \(limit)")
            var shift = 0.0
            for j in 0..<d {
                var difference = 0.0
                for i in 0..<n { difference += (result.weights[i] - optimum[i]) * values[i * d + j] }
                shift += difference * difference
            }
            XCTAssertLessThanOrEqual(fid, gap + shift / Double(n - 1) + 1e-12, "limit \(limit)")
            gaps.append(gap)
        }
        XCTAssertGreaterThan(gaps[1], 1e-3, "an unconverged gap must be a real bound, not 0")
        XCTAssertLessThan(gaps.last!, 1e-6 * uniform)
    }

    /// The report's budget (`hessianProductsPerStep`): no step uses more products than it allows,
    /// the trace still falls at every step, and five short steps close most of the distance from
    /// uniform weights to the minimum; the stop is reported as what it is.
    func testProductBudgetCapsEachStepAndStillDescends() throws {
        let objective = try threeClasses(seed: 65).objective
        let minimum = try NullSpaceOptimizer(relativeTolerance: 1e-10).minimize(objective)
        XCTAssertTrue(minimum.converged)
        for budget in [1, 3] {
            let result = try NullSpaceOptimizer(maximumIterations: 5, hessianProductsPerStep: budget).minimize(objective)
            let uniform = result.fidTrace[0]
            print("budget \(budget): FID \(result.fid) after \(result.iterations) steps (\(result.reason.rawValue)), "
                  + "\(result.hessianProducts) products; minimum \(minimum.fid), uniform \(uniform)")
            // A step that fails its line search ends the run, so at most one step more than taken.
            XCTAssertLessThanOrEqual(result.hessianProducts, budget * (result.iterations + 1))
            XCTAssertGreaterThan(result.hessianProducts, 0)
            for k in 1..<result.fidTrace.count { XCTAssertLessThan(result.fidTrace[k], result.fidTrace[k - 1]) }
            XCTAssertLessThan(result.fid - minimum.fid, 0.5 * (uniform - minimum.fid), "budget \(budget)")
            XCTAssertGreaterThanOrEqual(result.fid, minimum.fid * (1 - 1e-9))
            XCTAssertEqual(result.converged, [.toleranceReached, .noFurtherDecrease].contains(result.reason))
        }
        XCTAssertGreaterThan(minimum.hessianProducts, 3 * (minimum.iterations + 1),
                             "the budgets must bind where the unbudgeted optimiser uses more")
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
