import XCTest

@testable import Frechet

final class ClassMatchingTests: XCTestCase {
    /// Reference and generated sets hold the same images per class (class mean + the same
    /// noise vectors); only how often each class occurs differs. FID > 0, yet the Top-1
    /// weights reproduce the reference's distribution exactly: mu_w = mu_r and, from the two
    /// sets' N/(N-1) normalisations, S_w = a S_r with a = (300/299) / (120/119), so matched FID
    /// is exactly Tr S_r (sqrt(a) - 1)^2, about 6e-6 Tr S_r.
    func testClassProportionsAloneGiveZeroMatchedFID() throws {
        var random = TestRandom(seed: 51)
        let d = 10
        let features = ClassFeatures(classes: 4, dimension: d, random: &random)
        let noise = (0..<30).map { _ in random.normals(d, scale: 0.1) }
        let reference = features.rows(classCounts: [30, 30, 30, 30], noise: noise)
        let generated = features.rows(classCounts: [90, 30, 60, 120], noise: noise)
        let referenceStatistics = try statistics(ofRows: reference.rows, dimension: d)
        let rows = FeatureRows(generated.rows.map { Float($0) }, dimension: d)
        let histogram = [Int64](repeating: 30, count: 4) + [0, 0]  // 6 classes, 2 unused
        let matching = try ClassMatching.top1Weights(referenceHistogram: histogram,
                                                     generatedTop1: generated.labels)
        let objective = try WeightedFrechetDistance(reference: referenceStatistics, rows: rows)
        let fid = try objective.distance(weights: WeightedStatistics.uniformWeights(count: rows.count))
        let matched = try objective.distance(weights: matching.weights)
        print("class proportions only: FID \(fid), Top-1 matched \(matched)")
        let a = (300.0 / 299) / (120.0 / 119)
        let expected = referenceStatistics.traceOfSigma * pow(a.squareRoot() - 1, 2)
        XCTAssertGreaterThan(fid, 1)
        XCTAssertLessThan(matched, 1e-4 * fid)
        XCTAssertEqual(matched, expected, accuracy: 1e-6 * expected)
        XCTAssertEqual(matching.unmatchedReferenceMass, 0)
        XCTAssertEqual(matching.unmatchedImages, 0)
        // ESS: weights 1/90, 1/30, 1/60, 1/120 (unnormalised) on 90, 30, 60, 120 images.
        let w = [1.0 / 90, 1.0 / 30, 1.0 / 60, 1.0 / 120]
        let z = 4.0  // each class's weights sum to 1 before normalising
        let sumSquares = zip(w, [90.0, 30, 60, 120]).reduce(0) { $0 + $1.1 * pow($1.0 / z, 2) }
        XCTAssertEqual(matching.effectiveSampleSize, 1 / sumSquares, accuracy: 1e-9)
    }

    func testIdenticalProportionsGiveThePlainFID() throws {
        var random = TestRandom(seed: 52)
        let d = 8
        let features = ClassFeatures(classes: 3, dimension: d, random: &random)
        let reference = features.rows(classCounts: [50, 100, 150],
                                      noise: (0..<150).map { _ in random.normals(d, scale: 0.5) })
        let generated = features.rows(classCounts: [20, 40, 60],
                                      noise: (0..<60).map { _ in random.normals(d, scale: 0.7) })
        let matching = try ClassMatching.top1Weights(referenceHistogram: [50, 100, 150] as [Int64],
                                                     generatedTop1: generated.labels)
        for w in matching.weights { XCTAssertEqual(w, 1.0 / 120, accuracy: 1e-15) }
        XCTAssertEqual(matching.effectiveSampleSize, 120, accuracy: 1e-9)
        let referenceStatistics = try statistics(ofRows: reference.rows, dimension: d)
        let rows = FeatureRows(generated.rows, dimension: d)
        let matched = try FrechetDistance.distance(reference: referenceStatistics, rows: rows,
                                                   weights: matching.weights)
        let plain = try FrechetDistance.distance(reference: referenceStatistics,
                                                 generated: statistics(ofRows: generated.rows, dimension: d))
        XCTAssertEqual(matched, plain, accuracy: 1e-12 * plain)
    }

    /// The weighted Top-1 histogram is the reference's normalised histogram on the classes
    /// both sets have; reference mass elsewhere is reported, images elsewhere get weight 0.
    func testTop1WeightedHistogramEqualsTheReferenceOnSharedClasses() throws {
        let histogram: [Double] = [10, 0, 30, 20, 40]  // class 3 has no generated image
        let top1 = [0, 0, 1, 2, 2, 2, 2, 4, 0, 1]  // class 1: not in the reference
        let matching = try ClassMatching.top1Weights(referenceHistogram: histogram, generatedTop1: top1)
        XCTAssertEqual(matching.unmatchedReferenceMass, 0.2, accuracy: 1e-15)
        XCTAssertEqual(matching.unmatchedImages, 2)
        var weighted = [Double](repeating: 0, count: 5)
        for (i, c) in top1.enumerated() { weighted[c] += matching.weights[i] }
        assertClose(weighted, [10.0 / 80, 0, 30.0 / 80, 0, 40.0 / 80], rtol: 1e-15, "histogram")
        XCTAssertEqual(matching.weights[2], 0)
        XCTAssertEqual(matching.weights.reduce(0, +), 1, accuracy: 1e-15)
    }

    func testTop1BrokenInputsThrowNamedErrors() {
        assertThrowsFrechetError(
            try ClassMatching.top1Weights(referenceHistogram: [1, 2] as [Double], generatedTop1: [0, 2]),
            containing: "Top-1 class matching: generated image 1 has Top-1 class 2, outside 0..<2;")
        assertThrowsFrechetError(
            try ClassMatching.top1Weights(referenceHistogram: [0, 3] as [Double], generatedTop1: [0, 0]),
            containing: "Top-1 class matching: no generated image is in a class the reference has;")
        assertThrowsFrechetError(
            try ClassMatching.top1Weights(referenceHistogram: [1, -3] as [Double], generatedTop1: [0]),
            containing: "Top-1 class matching: reference histogram entry 1 is -3.0;")
        assertThrowsFrechetError(
            try ClassMatching.top1Weights(referenceHistogram: [0, 0] as [Double], generatedTop1: [0]),
            containing: "Top-1 class matching: the reference histogram is empty;")
    }

    func testMultiHotRowsSetEachImagesFirstNClasses() {
        XCTAssertEqual(ClassMatching.topNMultiHot(topClasses: [[1, 3, 2], [0, 1, 2]], classCount: 5, n: 2),
                       [0, 1, 0, 1, 0, 1, 1, 0, 0, 0])
    }

    /// Image kinds with fixed Top-3 class sets: the reference and generated sets differ only
    /// in how often each kind occurs, so Top-N matching can reproduce the reference's
    /// multi-hot distribution: the multi-hot FD falls to ~0, the pool3 FID with it.
    func testTopNMatchingReproducesTheReferenceClassDistribution() throws {
        var random = TestRandom(seed: 53)
        let classes = 12
        let kinds: [[Int]] = [[0, 1, 2], [1, 2, 3], [4, 5, 6], [0, 6, 9], [2, 7, 8]]
        func scores(_ counts: [Int]) -> (scores: [Float], kinds: [Int]) {
            var scores: [Float] = []
            var labels: [Int] = []
            for (kind, count) in counts.enumerated() {
                for _ in 0..<count {
                    var row = (0..<classes).map { _ in Float(random.uniform()) }
                    for (rank, c) in kinds[kind].enumerated() { row[c] = Float(10 - rank) }
                    scores += row
                    labels.append(kind)
                }
            }
            return (scores, labels)
        }
        let reference = scores([40, 40, 40, 40, 40])
        let generated = scores([10, 80, 30, 60, 20])
        let referenceMultiHot = try ClassMatching.topNStatistics(
            topClasses: topClasses(reference.scores, classes: classes, n: 3), classCount: classes, n: 3)
        let matching = try ClassMatching.topNWeights(
            reference: referenceMultiHot, generatedTopClasses: topClasses(generated.scores, classes: classes, n: 3), n: 3,
            optimizer: NullSpaceOptimizer(relativeTolerance: 1e-12))
        XCTAssertEqual(matching.classes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "columns 10, 11 are empty")
        var kindMass = [Double](repeating: 0, count: 5)
        for (i, kind) in generated.kinds.enumerated() { kindMass[kind] += matching.weights[i] }
        assertClose(kindMass, [0.2, 0.2, 0.2, 0.2, 0.2], rtol: 1e-3, "kind proportions")
        let uniformFD = try FrechetDistance.distance(
            reference: referenceMultiHot,
            rows: FeatureRows(ClassMatching.topNMultiHot(topClasses: topClasses(generated.scores, classes: classes, n: 3),
                                                   classCount: classes, n: 3),
                              dimension: classes),
            weights: WeightedStatistics.uniformWeights(count: 200))
        print("Top-3 multi-hot FD: uniform \(uniformFD), matched \(matching.optimization.fid)")
        XCTAssertLessThan(matching.optimization.fid, 1e-4 * uniformFD)
    }
}

final class ClassMatchingReportTests: XCTestCase {
    /// The report's numbers are the library's definitions applied one by one.
    func testReportAgreesWithTheDefinitions() throws {
        var random = TestRandom(seed: 54)
        let (d, classes, n) = (6, 5, 60)
        let features = ClassFeatures(classes: classes, dimension: d, random: &random)
        let generated = features.rows(classCounts: [6, 12, 18, 24, 0],
                                      noise: (0..<24).map { _ in random.normals(d, scale: 0.5) })
        // Logits: the class's own entry highest, so Top-1 = the class.
        var logits: [Float] = []
        for c in generated.labels {
            var row = (0..<classes).map { _ in Float(random.uniform()) }
            row[c] = 5
            row[(c + 1) % classes] = 4
            logits += row
        }
        let referenceRows = features.rows(classCounts: [20, 20, 20, 20, 20],
                                          noise: (0..<20).map { _ in random.normals(d, scale: 0.5) })
        let referenceLogits = (0..<100).flatMap { i -> [Float] in
            var row = (0..<classes).map { _ in Float(random.uniform()) }
            row[referenceRows.labels[i]] = 5
            row[(referenceRows.labels[i] + 1) % classes] = 4
            return row
        }
        let pool3 = try statistics(ofRows: referenceRows.rows, dimension: d)
        let logitStatistics = try statistics(ofRows: referenceLogits.map(Double.init), dimension: classes)
        let multiHot = try ClassMatching.topNStatistics(
            topClasses: topClasses(referenceLogits, classes: classes, n: 2), classCount: classes, n: 2)
        let clip = random.statistics(dimension: 3, columns: 5, ridge: 0.2)
        let clipRows = FeatureRows(random.normals(n * 3), dimension: 3)
        var options = ClassMatching.Analysis.Options()
        options.topN = 2
        options.optimizer = NullSpaceOptimizer(maximumIterations: 30)
        var reference = ClassMatching.Analysis.Reference(pool3: pool3, top1Histogram: [20, 20, 20, 20, 20])
        reference.logits = logitStatistics
        reference.topNMultiHot = multiHot
        reference.otherFeatures = [.named("clip"): clip]
        var generatedSide = ClassMatching.Analysis.Generated(
            pool3: FeatureRows(generated.rows, dimension: d), logits: FeatureRows(logits, dimension: classes),
            topClasses: topClasses(logits, classes: classes, n: 2))
        generatedSide.otherFeatures = [.named("clip"): clipRows]
        let report = try ClassMatching.Analysis(reference: reference, generated: generatedSide, options: options)

        let rows = FeatureRows(generated.rows, dimension: d)
        let uniform = WeightedStatistics.uniformWeights(count: n)
        let top1 = try ClassMatching.top1Weights(referenceHistogram: [20, 20, 20, 20, 20] as [Int64],
                                                 generatedTop1: generated.labels)
        XCTAssertEqual(report.top1, top1)
        XCTAssertEqual(report.unmatchedReferenceMass!, 0.2, accuracy: 1e-15)  // class 4
        XCTAssertEqual(report.fid, try FrechetDistance.distance(reference: pool3, rows: rows, weights: uniform))
        XCTAssertEqual(report.fidTop1Matched,
                       try FrechetDistance.distance(reference: pool3, rows: rows, weights: top1.weights))
        let topN = try ClassMatching.topNWeights(reference: multiHot,
                                                 generatedTopClasses: topClasses(logits, classes: classes, n: 2), n: 2,
                                                 optimizer: options.optimizer)
        XCTAssertEqual(report.topN?.weights, topN.weights)
        XCTAssertEqual(report.fidTopNMatched,
                       try FrechetDistance.distance(reference: pool3, rows: rows, weights: topN.weights))
        let objective = try WeightedFrechetDistance(reference: pool3, rows: rows)
        let matched = try options.optimizer.minimize(objective, initialWeights: top1.weights)
        XCTAssertEqual(report.pool3Weighted.weights, matched.weights)
        XCTAssertLessThanOrEqual(report.fidPool3Weighted, report.fidTop1Matched!)
        XCTAssertEqual(report.fidPool3Resampled,
                       try Resampling.medianFID(objective, weights: matched.weights))
        let logitRows = FeatureRows(logits, dimension: classes)
        XCTAssertEqual(report.fdLogits,
                       try FrechetDistance.distance(reference: logitStatistics, rows: logitRows, weights: uniform))
        XCTAssertEqual(report.fdLogitsTop1Matched,
                       try FrechetDistance.distance(reference: logitStatistics, rows: logitRows,
                                                    weights: top1.weights))
        XCTAssertEqual(report.otherFeatures.map(\.space), [.named("clip")])
        XCTAssertEqual(report.otherFeatures[0].fdPool3Weighted,
                       try FrechetDistance.distance(reference: clip, rows: clipRows, weights: matched.weights))
        XCTAssertEqual(report.otherFeatures[0].fd,
                       try FrechetDistance.distance(reference: clip, rows: clipRows, weights: uniform))
    }

    func testMismatchedRowCountsThrow() {
        let statistics = FrechetStatistics(mu: [0, 0], sigma: [1, 0, 0, 1])
        assertThrowsFrechetError(
            try ClassMatching.Analysis(
                reference: .init(pool3: statistics, top1Histogram: [1, 1]),
                generated: .init(pool3: FeatureRows([1, 2, 3, 4, 5, 6] as [Float], dimension: 2),
                                 logits: FeatureRows([1, 2, 3, 4] as [Float], dimension: 2), topClasses: nil)),
            containing: "generated logits: key 'logits' has shape [2, 2] but [3, 2] was expected "
                + "(one row per generated image)")
    }
}

/// Each row's `n` highest scores, highest first, ties towards the lower index: the test's own
/// ranking (a sort), independent of the network module's `ClassScore.topIndices`.
func topClasses(_ scores: [Float], classes: Int, n: Int) -> [[Int]] {
    (0..<(scores.count / classes)).map { row in
        let values = scores[row * classes..<(row + 1) * classes].map { $0 }
        return Array(values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(n))
    }
}
