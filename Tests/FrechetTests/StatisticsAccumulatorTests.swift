import XCTest

@testable import Frechet

final class StatisticsAccumulatorTests: XCTestCase {
    /// Rows with a large common offset, which breaks naive one-pass sum-of-squares formulas.
    private func makeRows(count: Int, dimension d: Int, seed: UInt64) -> [Float] {
        var random = TestRandom(seed: seed)
        return (0..<(count * d)).map { i in Float(1000 + Double(i % d) + random.normal()) }
    }

    /// Mean, then covariance of the centred rows, in plain Float64 loops (np.cov rowvar=False).
    private func twoPass(_ rows: [Float], dimension d: Int) -> (mu: [Double], sigma: [Double]) {
        let n = rows.count / d
        var mu = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mu[j] += Double(rows[r * d + j]) } }
        mu = mu.map { $0 / Double(n) }
        var sigma = [Double](repeating: 0, count: d * d)
        for r in 0..<n {
            for i in 0..<d {
                for j in 0..<d {
                    sigma[i * d + j] += (Double(rows[r * d + i]) - mu[i]) * (Double(rows[r * d + j]) - mu[j])
                }
            }
        }
        return (mu, sigma.map { $0 / Double(n - 1) })
    }

    func testMatchesTwoPassReference() throws {
        let d = 16
        let rows = makeRows(count: 257, dimension: d, seed: 3)
        let accumulator = StatisticsAccumulator(dimension: d)
        for start in stride(from: 0, to: 257, by: 50) {
            accumulator.add(rows: Array(rows[(start * d)..<(min(start + 50, 257) * d)]))
        }
        let statistics = try accumulator.statistics()
        let reference = twoPass(rows, dimension: d)
        XCTAssertEqual(statistics.n, 257)
        assertClose(statistics.mu, reference.mu, rtol: 1e-14, "mu")
        assertClose(statistics.sigma, reference.sigma, rtol: 1e-12, "sigma")
        for i in 0..<d {
            for j in 0..<d { XCTAssertEqual(statistics.sigma[i * d + j], statistics.sigma[j * d + i]) }
        }
    }

    func testResultDoesNotDependOnBatchSize() throws {
        let d = 24
        let count = 301
        let rows = makeRows(count: count, dimension: d, seed: 4)
        var results: [FrechetStatistics] = []
        for batch in [1, 7, 64, 300, count] {
            let accumulator = StatisticsAccumulator(dimension: d)
            for start in stride(from: 0, to: count, by: batch) {
                accumulator.add(rows: Array(rows[(start * d)..<(min(start + batch, count) * d)]))
            }
            results.append(try accumulator.statistics())
        }
        for result in results.dropFirst() {
            assertClose(result.mu, results[0].mu, rtol: 1e-13, "mu")
            assertClose(result.sigma, results[0].sigma, rtol: 1e-12, "sigma")
        }
    }

    func testMergeEqualsSequentialAndDoubleInput() throws {
        let d = 8
        let rows = makeRows(count: 90, dimension: d, seed: 5)
        let whole = StatisticsAccumulator(dimension: d)
        whole.add(rows: rows)
        let first = StatisticsAccumulator(dimension: d)
        first.add(rows: Array(rows[0..<(30 * d)]))
        let second = StatisticsAccumulator(dimension: d)
        second.add(rows: Array(rows[(30 * d)...]).map(Double.init))
        first.merge(second)
        first.merge(StatisticsAccumulator(dimension: d))  // empty: no effect
        let merged = try first.statistics()
        let expected = try whole.statistics()
        XCTAssertEqual(merged.n, 90)
        assertClose(merged.mu, expected.mu, rtol: 1e-14, "mu")
        assertClose(merged.sigma, expected.sigma, rtol: 1e-12, "sigma")
    }

    func testFewerThanTwoRowsIsAnError() {
        let accumulator = StatisticsAccumulator(dimension: 3)
        accumulator.add(rows: [Float]([1, 2, 3]))
        XCTAssertThrowsError(try accumulator.statistics(source: "batch of one")) { error in
            XCTAssertEqual(
                (error as? FrechetError)?.description,
                "batch of one: 1 sample(s) given but at least 2 are needed for a covariance "
                    + "with the N-1 denominator; add more images")
        }
    }
}
