import XCTest

@testable import Frechet

final class SymmetricEigenTests: XCTestCase {
    func testTwoByTwoEigenvaluesAscendingWithUnitRows() throws {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3, vectors (1, -1)/sqrt2 and (1, 1)/sqrt2.
        let eigen = try SymmetricEigen(symmetric: [2, 1, 1, 2], dimension: 2)
        assertClose(eigen.eigenvalues, [1, 3], rtol: 1e-15)
        let v = eigen.eigenvectors
        XCTAssertEqual(abs(v[0] + v[1]), 0, accuracy: 1e-15)  // row 0 ~ (1, -1)
        XCTAssertEqual(abs(v[2] - v[3]), 0, accuracy: 1e-15)  // row 1 ~ (1, 1)
        XCTAssertEqual(v[2] * v[2] + v[3] * v[3], 1, accuracy: 1e-15)
    }

    func testReconstructionAndSquareRoot() throws {
        var random = TestRandom(seed: 1)
        let d = 40
        let s = random.covariance(dimension: d, columns: 60, ridge: 0.1)
        let eigen = try SymmetricEigen(symmetric: s, dimension: d)
        assertClose(eigen.reconstruct { $0 }, s, rtol: 1e-13, "V diag V^T")
        let root = eigen.reconstruct { max($0, 0).squareRoot() }
        assertClose(multiply(root, root, dimension: d), s, rtol: 1e-13, "sqrt(S)^2")
        let valuesOnly = try SymmetricEigen(symmetric: s, dimension: d, vectors: false)
        XCTAssertTrue(valuesOnly.eigenvectors.isEmpty)
        assertClose(valuesOnly.eigenvalues, eigen.eigenvalues, rtol: 1e-13)
    }

    func testLapackFailureIsATypedError() {
        // NaN input makes dsyevd report a failure (or produce NaN); both must not trap.
        let nan = Double.nan
        do {
            let eigen = try SymmetricEigen(symmetric: [nan, 0, 0, 1], dimension: 2)
            XCTAssertTrue(eigen.eigenvalues.contains { $0.isNaN })
        } catch let error as FrechetError {
            XCTAssertTrue(error.description.contains("dsyevd returned info="), error.description)
        } catch {
            XCTFail("unexpected \(error)")
        }
        XCTAssertEqual(
            FrechetError.eigendecompositionFailed(dimension: 3, info: 2).description,
            "symmetric eigendecomposition of a 3x3 matrix failed: LAPACK dsyevd returned info=2: "
                + "the algorithm failed to converge (2); the matrix may hold extreme values")
    }
}
