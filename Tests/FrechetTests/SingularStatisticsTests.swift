import TestSupport
import XCTest

@testable import Frechet
@testable import NumpyFiles

/// FID on singular covariances follows pytorch-fid and scipy: negative eigenvalues clamped to
/// 0, every positive one kept. Fixtures: Tests/Fixtures/frechet/make_singular_fixtures.py
/// (d = 96; `fid_exact` in 40-digit arithmetic of the very float64 arrays).
final class SingularStatisticsTests: XCTestCase {
    struct Fixture {
        let reference: FrechetStatistics
        let generated: FrechetStatistics
        let exact: Double, eigh: Double, sqrtm: Double, eig: Double, cutoff: Double
    }

    static func load(_ name: String) throws -> Fixture {
        let arrays = try Npz.read(contentsOf: Fixtures.url("frechet/singular_\(name).npz"))
        func values(_ key: String) throws -> [Double] { try XCTUnwrap(arrays[key]?.doubles(), key) }
        func scalar(_ key: String) throws -> Double { try XCTUnwrap(arrays[key]?.scalarDouble(), key) }
        return Fixture(
            reference: FrechetStatistics(mu: try values("mu_r"), sigma: try values("sigma_r")),
            generated: FrechetStatistics(mu: try values("mu_g"), sigma: try values("sigma_g")),
            exact: try scalar("fid_exact"), eigh: try scalar("fid_eigh"),
            sqrtm: try scalar("fid_sqrtm"), eig: try scalar("fid_eig"), cutoff: try scalar("fid_cutoff"))
    }

    /// Constant features (exact zero rows and columns) and real eigenvalues of A S_g A far
    /// below d * eps * lambda_max: nothing is noise here, so FID is fixed to ~1e-14 and
    /// fidviz must match the exact value and scipy-style float64 code to 1e-10. The old
    /// cutoff convention dropped those eigenvalues and missed by 5e-7.
    func testDeadFeaturesMatchExactAndScipyStyleFID() throws {
        let fixture = try Self.load("dead")
        XCTAssertEqual(try ReferenceFactor(reference: fixture.reference).method, .eigen,
                       "S_r is singular")
        let fid = try FrechetDistance.distance(reference: fixture.reference,
                                               generated: fixture.generated)
        print("dead: fidviz \(fid), exact \(fixture.exact), relative error "
              + "\(relativeError(fid, fixture.exact)); eigh \(relativeError(fixture.eigh, fixture.exact)), "
              + "sqrtm \(relativeError(fixture.sqrtm, fixture.exact)), old cutoff "
              + "\(relativeError(fixture.cutoff, fixture.exact))")
        XCTAssertEqual(fid, fixture.exact, accuracy: 1e-10 * fixture.exact)
        XCTAssertEqual(fid, fixture.eigh, accuracy: 1e-10 * fixture.eigh)
        // scipy-style through a general eig of S_r S_g (the paper's code): every positive eigenvalue.
        XCTAssertEqual(fid, fixture.eig, accuracy: 1e-10 * fixture.eig)
        XCTAssertGreaterThan(abs(fixture.cutoff - fixture.exact), 1e-7 * fixture.exact,
                             "the fixture must separate the two conventions")
        // A second route in Swift: the symmetric square root A instead of a factor F.
        let direct = FrechetDistance.distance(
            reference: fixture.reference, generated: fixture.generated,
            traceOfSquareRoot: FrechetDistance.traceOfSquareRoot(
                eigenvalues: try symmetricRootSpectrum(reference: fixture.reference,
                                                       generated: fixture.generated)))
        XCTAssertEqual(fid, direct, accuracy: 1e-10 * direct)
    }

    /// Fewer samples than dimensions: the zero eigenvalues of A S_g A come out as rounding
    /// noise, each adding sqrt(noise) to the trace, differently on every float64 route. The
    /// fixture proves 1e-10 unreachable (pytorch-fid's sqrtm and numpy's eigh route disagree
    /// by more), so the bar is: no farther from the exact value than pytorch-fid itself, and
    /// within the spectral bound `FrechetDistance.spectralTolerance` of both float64 routes.
    func testFewerSamplesThanDimensionsAsCloseAsPytorchFID() throws {
        for name in ["thin", "thin_generated"] {
            let fixture = try Self.load(name)
            let fid = try FrechetDistance.distance(reference: fixture.reference,
                                                   generated: fixture.generated)
            let spectrum = try symmetricRootSpectrum(reference: fixture.reference,
                                                     generated: fixture.generated)
            let bound = FrechetDistance.spectralTolerance(eigenvalues: spectrum)
            print("\(name): fidviz \(fid), exact \(fixture.exact); relative errors: fidviz "
                  + "\(relativeError(fid, fixture.exact)), numpy eigh \(relativeError(fixture.eigh, fixture.exact)), "
                  + "pytorch-fid sqrtm \(relativeError(fixture.sqrtm, fixture.exact)); sqrtm vs eigh "
                  + "\(relativeError(fixture.sqrtm, fixture.eigh)); spectral bound \(bound / fixture.exact)")
            XCTAssertGreaterThan(abs(fixture.sqrtm - fixture.eigh), 1e-10 * fixture.exact,
                                 "\(name): two float64 routes must disagree by more than 1e-10")
            XCTAssertLessThanOrEqual(abs(fid - fixture.exact), abs(fixture.sqrtm - fixture.exact),
                                     "\(name): no farther from exact than pytorch-fid")
            XCTAssertEqual(fid, fixture.eigh, accuracy: bound, name)
            XCTAssertEqual(fid, fixture.sqrtm, accuracy: bound, name)
            XCTAssertEqual(fid, fixture.eig, accuracy: bound, name)
        }
    }
}
