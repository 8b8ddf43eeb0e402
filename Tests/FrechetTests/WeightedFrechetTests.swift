import CBLAS
import XCTest

@testable import Frechet

/// Constructed feature sets with known answers: class means plus small noise.
struct ClassFeatures {
    let dimension: Int
    let means: [[Double]]

    init(classes: Int, dimension d: Int, random: inout TestRandom) {
        dimension = d
        means = (0..<classes).map { _ in random.normals(d, scale: 3) }
    }

    /// `noise[k]` (one [d] vector per k) added to the mean of class c: the k-th image of
    /// every class uses the same noise, so two sets with the same images per class differ
    /// only in how many times each class occurs.
    func rows(classCounts: [Int], noise: [[Double]]) -> (rows: [Double], labels: [Int]) {
        var rows: [Double] = []
        var labels: [Int] = []
        for (c, count) in classCounts.enumerated() {
            for k in 0..<count {
                let n = noise[k % noise.count]
                rows += (0..<dimension).map { means[c][$0] + n[$0] }
                labels.append(c)
            }
        }
        return (rows, labels)
    }
}

func statistics(ofRows rows: [Double], dimension d: Int) throws -> FrechetStatistics {
    let accumulator = StatisticsAccumulator(dimension: d)
    accumulator.add(rows: rows)
    return try accumulator.statistics()
}

final class WeightedFrechetTests: XCTestCase {
    func testUniformWeightsGiveThePlainFIDOfTheRows() throws {
        var random = TestRandom(seed: 41)
        let d = 12
        let reference = random.statistics(dimension: d, columns: 30, ridge: 0.1)
        let values = random.normals(300 * d, scale: 1.3).map { $0 + 0.2 }
        let plain = try FrechetDistance.distance(
            reference: reference, generated: statistics(ofRows: values, dimension: d))
        let uniform = WeightedStatistics.uniformWeights(count: 300)
        for rows in [FeatureRows(values, dimension: d), FeatureRows(values.map { Float($0) }, dimension: d)] {
            let floatPlain = try FrechetDistance.distance(
                reference: reference,
                generated: statistics(ofRows: (0..<300).flatMap { rows.row($0) }, dimension: d))
            let weighted = try FrechetDistance.distance(reference: reference, rows: rows, weights: uniform)
            XCTAssertEqual(weighted, floatPlain, accuracy: 1e-12 * floatPlain)
            let statistics = try WeightedStatistics(rows: rows, weights: uniform)
            XCTAssertEqual(statistics.effectiveSampleSize, 300, accuracy: 1e-9)
            XCTAssertEqual(statistics.statistics.n, 300)
        }
        let weighted = try FrechetDistance.distance(reference: reference,
                                                    rows: FeatureRows(values, dimension: d), weights: uniform)
        XCTAssertEqual(weighted, plain, accuracy: 1e-12 * plain)
    }

    /// mu_w and S_w by the definition, naively.
    func testWeightedStatisticsFollowTheDefinition() throws {
        var random = TestRandom(seed: 42)
        let (n, d) = (9, 4)
        let values = random.normals(n * d)
        var weights = (0..<n).map { _ in random.uniform() }
        weights[3] = 0
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let statistics = try WeightedStatistics(rows: FeatureRows(values, dimension: d), weights: weights)
        let mu = (0..<d).map { j in (0..<n).reduce(0) { $0 + weights[$1] * values[$1 * d + j] } }
        var sigma = [Double](repeating: 0, count: d * d)
        for i in 0..<n {
            for a in 0..<d {
                for b in 0..<d {
                    sigma[a * d + b] += Double(n) / Double(n - 1) * weights[i]
                        * (values[i * d + a] - mu[a]) * (values[i * d + b] - mu[b])
                }
            }
        }
        assertClose(statistics.statistics.mu, mu, rtol: 1e-14, "mu_w")
        assertClose(statistics.statistics.sigma, sigma, rtol: 1e-13, "S_w")
        XCTAssertEqual(statistics.effectiveSampleSize, 1 / weights.reduce(0) { $0 + $1 * $1 },
                       accuracy: 1e-12)
    }

    /// With one OpenBLAS thread a co-moment of many rows is summed in two halves on two cores
    /// (`FeatureRows.splitsAcrossCores`): the same sums as one pass, positive and negative weights
    /// and zeros included, to rounding, and the same bits every time; so are the rows' quadratic
    /// forms.
    func testCoMomentSplitInHalvesIsTheSameSum() throws {
        var random = TestRandom(seed: 43)
        let (n, d) = (9 * FeatureRows.blockRows + 37, 6)
        let values = random.normals(n * d).map { Double(Float($0)) }
        let rows = FeatureRows(values.map(Float.init), dimension: d)
        var weights = (0..<n).map { _ in random.uniform() - 0.3 }
        for i in stride(from: 0, to: n, by: 7) { weights[i] = 0 }
        let centre = random.normals(d)
        let previous = openblas_get_num_threads()
        defer { openblas_set_num_threads(previous) }
        openblas_set_num_threads(1)
        XCTAssertEqual(FeatureRows.splitsAcrossCores(n), ProcessInfo.processInfo.activeProcessorCount > 1)
        let split = rows.weightedMoments(weights, centre: centre)
        XCTAssertEqual(rows.weightedMoments(weights, centre: centre).gram, split.gram, "deterministic")
        var gram = [Double](repeating: 0, count: d * d), sum = [Double](repeating: 0, count: d)
        for i in 0..<n where weights[i] != 0 {
            let x = (0..<d).map { values[i * d + $0] - centre[$0] }
            for a in 0..<d {
                sum[a] += weights[i] * x[a]
                for b in 0..<d { gram[a * d + b] += weights[i] * x[a] * x[b] }
            }
        }
        // The sums have terms of size ~1 and totals of ~n: rounding of a few ulps of n.
        assertClose(split.gram, gram, rtol: 1e-12, atol: 1e-12 * Double(n), "gram")
        assertClose(split.sum, sum, rtol: 1e-12, atol: 1e-12 * Double(n), "sum")
        // The rows' quadratic forms x^T G x + x . v, split the same way, against each row's own.
        var g = random.normals(d * d).map { Double(Float($0)) }
        for a in 0..<d { for b in 0..<a { g[a * d + b] = g[b * d + a] } }
        let v = random.normals(d)
        let forms = rows.quadraticForms(g.map(Float.init), linear: v, centre: centre)
        let direct = (0..<n).map { i -> Double in
            let x = (0..<d).map { values[i * d + $0] - centre[$0] }
            var value = 0.0
            for a in 0..<d {
                value += x[a] * v[a]
                for b in 0..<d { value += x[a] * g[a * d + b] * x[b] }
            }
            return value
        }
        assertClose(forms, direct, rtol: 1e-5, "quadratic forms (Float32 products)")
    }

    /// Rows too many to keep Y = X B (`Rotation.storedLimit`) are rotated block by block again
    /// for each gradient, curvature set-up and float64 gradient, two halves at once with one
    /// OpenBLAS thread, and H p goes through feature space: the same numbers as from a kept Y.
    func testRotatingEachBlockAcrossCoresGivesTheKeptRowsNumbers() throws {
        var random = TestRandom(seed: 44)
        let (n, d) = (9 * FeatureRows.blockRows + 5, 12)
        let objective = try randomObjective(&random, n: n, d: d, referenceColumns: 30, scale: 1.1)
        let weights = randomWeights(&random, n: n)
        let point = try objective.evaluate(objective.moments(weights), vectors: true)
        let p = randomDirection(&random, n: n)
        let kept = objective.rotation(at: point, keepingRows: true)
        let keptCurvature = objective.curvature(at: point, rotation: kept)
        let previous = openblas_get_num_threads()
        defer { openblas_set_num_threads(previous) }
        openblas_set_num_threads(1)
        XCTAssertEqual(FeatureRows.splitsAcrossCores(n), ProcessInfo.processInfo.activeProcessorCount > 1)
        let rotating = objective.rotation(at: point, keepingRows: false)
        XCTAssertNil(rotating.rotated)
        let curvature = objective.curvature(at: point, rotation: rotating)
        assertClose(curvature.diagonal, keptCurvature.diagonal, rtol: 1e-6, "diag H")
        assertClose(curvature.times(p), keptCurvature.times(p), rtol: 1e-4, "H p")
        assertClose(objective.gradient(at: point, rotation: rotating, precision: .float32),
                    objective.gradient(at: point, rotation: kept, precision: .float32),
                    rtol: 1e-12, "gradient (Float32 Y, the same blocks)")
        let exact = objective.gradient(at: point, rotation: rotating, precision: .float64)
        openblas_set_num_threads(previous)
        assertClose(exact, objective.gradient(at: point, rotation: kept, precision: .float64), rtol: 1e-12,
                    "float64 gradient, split and not")
    }

    /// dFID/dw against central differences along feasible directions e_i - e_j, and against
    /// the formula evaluated naively: 2 (mu_w - mu_r).f_i + s (|f_i|^2 - 2 mu_w.f_i)
    /// - s [(f_i - mu_w)^T G (f_i - mu_w) - mu_w^T G mu_w], G = A M^{-1/2} A.
    func testWeightGradientMatchesFiniteDifferencesAndTheFormula() throws {
        var random = TestRandom(seed: 43)
        let (n, d) = (40, 6)
        let reference = random.statistics(dimension: d, columns: 20, ridge: 0.3, shift: 0.4)
        let values = random.normals(n * d, scale: 1.2)
        let weights = randomWeights(&random, n: n)
        let objective = try WeightedFrechetDistance(
            reference: reference, rows: FeatureRows(values, dimension: d), precision: .float64)
        let (fid, gradient) = try objective.distanceAndGradient(weights: weights)
        XCTAssertEqual(fid, try objective.distance(weights: weights), accuracy: 1e-13 * fid)

        let step = 1e-6
        var numeric: [Double] = []
        var analytic: [Double] = []
        for (i, j) in [(0, 1), (5, 17), (39, 2), (20, 21), (11, 30)] {
            var plus = weights
            var minus = weights
            plus[i] += step; plus[j] -= step
            minus[i] -= step; minus[j] += step
            numeric.append((try objective.distance(weights: plus) - objective.distance(weights: minus))
                           / (2 * step))
            analytic.append(gradient[i] - gradient[j])
        }
        assertClose(analytic, numeric, rtol: 1e-7, "g_i - g_j")
        XCTAssertGreaterThan(numeric.map(abs).max()!, 0.1, "the check must not be vacuous")

        // The formula, naively, with G from an eigendecomposition route of its own.
        let weighted = try WeightedStatistics(rows: FeatureRows(values, dimension: d), weights: weights)
            .statistics
        let a = try SymmetricEigen(symmetric: reference.sigma, dimension: d)
            .reconstruct { max($0, 0).squareRoot() }
        let m = multiply(multiply(a, weighted.sigma, dimension: d), a, dimension: d)
        let inverseRoot = try SymmetricEigen(symmetric: m, dimension: d)
            .reconstruct { 1 / $0.squareRoot() }
        let g = multiply(multiply(a, inverseRoot, dimension: d), a, dimension: d)
        let mu = weighted.mu
        let s = Double(n) / Double(n - 1)
        func quadratic(_ x: [Double]) -> Double {
            let gx = matrixVector(g, x)
            return zip(x, gx).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let formula = (0..<n).map { i -> Double in
            let f = Array(values[(i * d)..<((i + 1) * d)])
            var value = 0.0
            for k in 0..<d {
                value += 2 * (mu[k] - reference.mu[k]) * f[k] + s * (f[k] * f[k] - 2 * mu[k] * f[k])
            }
            return value - s * (quadratic((0..<d).map { f[$0] - mu[$0] }) - quadratic(mu))
        }
        assertClose(gradient, formula, rtol: 1e-11, "dFID/dw against the formula")

        // Float32 GEMM: the same gradient to Float32 rounding of the quadratic forms.
        let single = try WeightedFrechetDistance(reference: reference, rows: FeatureRows(values, dimension: d))
            .distanceAndGradient(weights: weights).gradient
        let spread = gradient.max()! - gradient.min()!
        XCTAssertLessThan(zip(single, gradient).map { abs($0 - $1) }.max()!, 1e-5 * spread)
    }

    /// The Hessian products behind the optimiser's Newton steps: H p against central differences
    /// of the gradient along p (sum p = 0: only differences between weights count), and the
    /// diagonal against H e_i, for a positive definite reference (Cholesky factor) and a
    /// rank-deficient one (eigen factor, and pseudo-inverse cutoffs in M).
    func testHessianProductsMatchFiniteDifferencesOfTheGradient() throws {
        var random = TestRandom(seed: 49)
        let (n, d) = (30, 7)
        for columns in [25, 4] {
            let objective = try randomObjective(&random, n: n, d: d, referenceColumns: columns, scale: 1.2)
            let weights = randomWeights(&random, n: n)
            let point = try objective.evaluate(objective.moments(weights), vectors: true)
            let curvature = objective.curvature(at: point)
            let p = randomDirection(&random, n: n)
            let step = 1e-4
            let plus = try objective.distanceAndGradient(weights: (0..<n).map { weights[$0] + step * p[$0] }).gradient
            let minus = try objective.distanceAndGradient(weights: (0..<n).map { weights[$0] - step * p[$0] }).gradient
            func centred(_ v: [Double]) -> [Double] {
                let mean = v.reduce(0, +) / Double(v.count)
                return v.map { $0 - mean }
            }
            let numeric = centred((0..<n).map { (plus[$0] - minus[$0]) / (2 * step) })
            let analytic = centred(curvature.times(p))
            assertClose(analytic, numeric, rtol: 1e-4, "H p, \(columns) columns")
            // The route taken when the rotated rows are not kept (large N) is the same product.
            assertClose(centred(curvature.timesInFeatureSpace(p)), numeric, rtol: 1e-4,
                        "H p in feature space, \(columns) columns")
            XCTAssertGreaterThan(numeric.map(abs).max()!, 1e-3, "the check must not be vacuous")
            for i in [0, 13, 29] {
                var unit = [Double](repeating: 0, count: n)
                unit[i] = 1
                let column = curvature.times(unit)
                XCTAssertEqual(curvature.diagonal[i], column[i], accuracy: 1e-4 * abs(column[i]),
                               "H_ii, i = \(i), \(columns) columns")
            }
        }
    }

    /// Fewer images of positive weight than dimensions: the k x k rows route gives the d x d
    /// route's FID and gradient, with the reference positive definite (Cholesky factor) and
    /// rank-deficient (eigen factor), and with some weights at 0.
    func testRowsRouteAgreesWithTheCongruenceRoute() throws {
        var random = TestRandom(seed: 47)
        let (n, d) = (9, 16)
        for columns in [40, 7] {
            let objective = try randomObjective(&random, n: n, d: d, referenceColumns: columns, scale: 1.1)
            var weights = (0..<n).map { _ in 0.2 + random.uniform() }
            weights[3] = 0
            let total = weights.reduce(0, +)
            weights = weights.map { $0 / total }
            let moments = objective.moments(weights)
            let direct = try objective.evaluate(moments, vectors: true, route: .congruence)
            let rows = try objective.evaluate(moments, vectors: true, route: .rows)
            // Every positive eigenvalue counts (pytorch-fid's convention), so each route's FID
            // carries the square roots of its rounding-level eigenvalues: those of the d - rank
            // directions S_w does not span (each within delta = d eps lambda_max of 0). The
            // routes agree to 2 sqrt(delta) per such eigenvalue, as in `FIDContribution`.
            let lambdaMax = direct.spectrum!.lambda.max()!
            let bound = Double(d) * 2 * (Double(d) * Double.ulpOfOne * lambdaMax).squareRoot()
            XCTAssertEqual(rows.distance, direct.distance, accuracy: bound, "columns \(columns)")
            XCTAssertGreaterThan(direct.distance, 100 * bound, "the check must not be vacuous")
            let valueOnly = try objective.evaluate(moments, vectors: false, route: .rows)
            XCTAssertEqual(valueOnly.distance, rows.distance, accuracy: bound)
            assertClose(objective.gradient(at: rows), objective.gradient(at: direct), rtol: 1e-8,
                        "gradient, columns \(columns)")
        }
    }

    func testBrokenWeightsAndRowsThrowNamedErrors() throws {
        let reference = FrechetStatistics(mu: [0, 0], sigma: [1, 0, 0, 1])
        let rows = FeatureRows([1, 2, 3, 4, 5, 7] as [Double], dimension: 2)
        let objective = try WeightedFrechetDistance(reference: reference, rows: rows)
        XCTAssertThrowsError(try objective.distance(weights: [0.5, 0.5])) {
            XCTAssertEqual("\($0)", "weights: 2 weights given for 3 images; weights must be finite, "
                           + ">= 0, one per image, and sum to 1")
        }
        assertThrowsFrechetError(try objective.distance(weights: [0.5, 0.6, -0.1]),
                                 containing: "weights: weight 2 is -0.1;")
        assertThrowsFrechetError(try objective.distance(weights: [0.5, 0.5, 0.5]),
                                 containing: "weights: the weights sum to 1.5;")
        assertThrowsFrechetError(try objective.distance(weights: [0.5, .nan, 0.5]),
                                 containing: "weights: weight 1 is nan;")
        assertThrowsFrechetError(
            try WeightedFrechetDistance(reference: reference,
                                        rows: FeatureRows([1, .infinity, 3, 4] as [Float], dimension: 2)),
            containing: "feature rows: key 'rows' holds inf at index [0, 1]")
        assertThrowsFrechetError(
            try WeightedFrechetDistance(reference: reference, rows: FeatureRows([1, 2, 3] as [Float], dimension: 3)),
            containing: "weighted rows: 1 sample(s) given but at least 2")
        assertThrowsFrechetError(
            try WeightedFrechetDistance(reference: reference, rows: FeatureRows([1, 2, 3, 4, 5, 6] as [Float], dimension: 3)),
            containing: "feature rows against reference statistics: feature dimension 3 does not match 2")
    }
}

extension WeightedFrechetTests {
    /// n random rows of dimension d (normals of `scale`) against a reference drawn from
    /// `referenceColumns` columns, shifted by 0.3: positive definite (ridge 0.2) when the columns
    /// outnumber d, rank-deficient otherwise. Float64 products throughout.
    /// n weights 0.5 + U(0, 1), normalised to sum 1.
    func randomWeights(_ random: inout TestRandom, n: Int) -> [Double] {
        let weights = (0..<n).map { _ in 0.5 + random.uniform() }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// A direction on the simplex: n normal draws less their mean, over n (sum 0, entries ~1/n).
    func randomDirection(_ random: inout TestRandom, n: Int) -> [Double] {
        let p = random.normals(n)
        let mean = p.reduce(0, +) / Double(n)
        return p.map { ($0 - mean) / Double(n) }
    }

    func randomObjective(_ random: inout TestRandom, n: Int, d: Int, referenceColumns columns: Int,
                         scale: Double) throws -> WeightedFrechetDistance {
        let reference = random.statistics(dimension: d, columns: columns, ridge: columns > d ? 0.2 : 0, shift: 0.3)
        let values = random.normals(n * d, scale: scale)
        return try WeightedFrechetDistance(reference: reference, rows: FeatureRows(values, dimension: d),
                                           precision: .float64)
    }
}
