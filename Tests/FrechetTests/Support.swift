import SeededRandom
import Foundation
import XCTest

@testable import Frechet

// MARK: - Deterministic test data

/// Seeded normal and uniform numbers for reproducible test matrices.
struct TestRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func uniform() -> Double { generator.uniform() }

    /// Standard normal (Box-Muller).
    mutating func normal() -> Double { generator.normal() }

    mutating func normals(_ count: Int, scale: Double = 1) -> [Double] {
        (0..<count).map { _ in scale * normal() }
    }

    /// B B^T / columns + ridge I for a random d x columns matrix B (rank `columns` + ridge).
    mutating func covariance(dimension d: Int, columns: Int, ridge: Double) -> [Double] {
        let b = normals(d * columns)
        var s = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0..<d {
                var sum = 0.0
                for k in 0..<columns { sum += b[i * columns + k] * b[j * columns + k] }
                s[i * d + j] = sum / Double(columns) + (i == j ? ridge : 0)
            }
        }
        return s
    }

    mutating func statistics(dimension d: Int, columns: Int, ridge: Double, shift: Double = 0)
        -> FrechetStatistics
    {
        FrechetStatistics(mu: normals(d).map { $0 + shift },
                          sigma: covariance(dimension: d, columns: columns, ridge: ridge))
    }
}

// MARK: - Comparisons

/// |a - b| / |b| for two numbers (arrays: TestSupport's `relativeError`, max|a - b| / max|b|).
func relativeError(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(b), Double.leastNormalMagnitude)
}

/// Asserts |a - b| <= atol + rtol * max|b| after checking shapes.
func assertClose(_ a: [Double], _ b: [Double], rtol: Double, atol: Double = 0,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "shape \(message)", file: file, line: line)
    guard a.count == b.count else { return }
    let scale = b.map(abs).max() ?? 0
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, atol + rtol * scale,
                             "\(message): max|a-b| = \(worst), max|b| = \(scale)",
                             file: file, line: line)
}

/// Asserts that `body` throws a `FrechetError` whose description contains `fragment`.
func assertThrowsFrechetError<T>(
    _ body: @autoclosure () throws -> T, containing fragment: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("expected an error containing '\(fragment)'", file: file, line: line)
    } catch let error as FrechetError {
        XCTAssertTrue(error.description.contains(fragment),
                      "'\(error.description)' does not contain '\(fragment)'",
                      file: file, line: line)
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
    }
}

// MARK: - Matrices

/// Dense symmetric matrix from a diagonal-plus-rank-one description.
func denseDiagonalPlusRankOne(_ d: [Double], _ z: [Double]) -> [Double] {
    let n = d.count
    var m = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0..<n { m[i * n + j] = z[i] * z[j] + (i == j ? d[i] : 0) }
    }
    return m
}

/// y = M x for a row-major n x n matrix.
func matrixVector(_ m: [Double], _ x: [Double]) -> [Double] {
    let n = x.count
    return (0..<n).map { i in (0..<n).reduce(0) { $0 + m[i * n + $1] * x[$1] } }
}

// MARK: - How precisely float64 fixes FID on singular statistics

/// The eigenvalues of A S_g A, A = S_r^{1/2} (A from `SymmetricEigen`, negatives clamped).
func symmetricRootSpectrum(reference: FrechetStatistics, generated: FrechetStatistics) throws
    -> [Double]
{
    let d = reference.dimension
    let a = try SymmetricEigen(symmetric: reference.sigma, dimension: d)
        .reconstruct { max($0, 0).squareRoot() }
    let m = multiply(multiply(a, generated.sigma, dimension: d), a, dimension: d)
    var symmetric = m
    for i in 0..<d {
        for j in 0..<d { symmetric[i * d + j] = 0.5 * (m[i * d + j] + m[j * d + i]) }
    }
    return try SymmetricEigen(symmetric: symmetric, dimension: d, vectors: false).eigenvalues
}
