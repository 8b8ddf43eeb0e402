import TestSupport
import XCTest

@testable import Frechet
@testable import NumpyFiles

/// FID, per-sample contribution and KID against pytorch-fid / torch-fidelity golden values
/// (Tests/Fixtures/golden, produced in float64; see /work/shared/reference/README.md).
final class GoldenFixtureTests: XCTestCase {
    /// The fixture's statistics: sigma = b b^T + ridge I from `mu_r, b_r, mu_g, b_g, ridge`.
    struct StatsFixture {
        let reference: FrechetStatistics
        let generated: FrechetStatistics
        let n: Int
        let fid: Double
        let feature: [Double]
        let fidAfter: Double
        let gradient: [Double]
    }

    static func loadStatsFixture() throws -> StatsFixture {
        let arrays = try Npz.read(contentsOf: Fixtures.url("golden/stats_fixture.npz"))
        func values(_ key: String) -> [Double] { arrays[key]!.doubles()! }
        func scalar(_ key: String) -> Double { arrays[key]!.scalarDouble()! }
        let ridge = scalar("ridge")
        func covariance(_ key: String) -> [Double] {
            let b = arrays[key]!
            let (d, k) = (b.shape[0], b.shape[1])
            let factor = b.doubles()!
            var sigma = [Double](repeating: 0, count: d * d)
            factor.withUnsafeBufferPointer { f in
                sigma.withUnsafeMutableBufferPointer { s in
                    for i in 0..<d {
                        for j in i..<d {
                            var sum = 0.0
                            for c in 0..<k { sum += f[i * k + c] * f[j * k + c] }
                            s[i * d + j] = sum + (i == j ? ridge : 0)
                            s[j * d + i] = s[i * d + j]
                        }
                    }
                }
            }
            return sigma
        }
        return StatsFixture(
            reference: FrechetStatistics(mu: values("mu_r"), sigma: covariance("b_r")),
            generated: FrechetStatistics(mu: values("mu_g"), sigma: covariance("b_g")),
            n: Int(arrays["n"]!.int64s()![0]), fid: scalar("fid"), feature: values("f"),
            fidAfter: scalar("fid_after_f"), gradient: values("grad_f"))
    }

    func testFIDAndContributionMatchPytorchFID() throws {
        let fixture = try Self.loadStatsFixture()
        let fid = try FrechetDistance.distance(reference: fixture.reference,
                                               generated: fixture.generated)
        print("golden FID relative error: \(relativeError(fid, fixture.fid))")
        XCTAssertEqual(fid, fixture.fid, accuracy: 1e-6 * fixture.fid)

        let contribution = try FIDContribution(reference: fixture.reference,
                                               generated: fixture.generated, n: fixture.n)
        XCTAssertEqual(contribution.fidBefore, fixture.fid, accuracy: 1e-6 * fixture.fid)
        let result = contribution.evaluate(feature: fixture.feature)
        let gradientError = relativeError(result.gradient, fixture.gradient)
        print("golden fid_after relative error: \(relativeError(result.fidAfter, fixture.fidAfter)); "
              + "gradient relative error (L-inf / max|ref|): \(gradientError)")
        XCTAssertEqual(result.fidAfter, fixture.fidAfter, accuracy: 1e-6 * fixture.fidAfter)
        assertClose(result.gradient, fixture.gradient, rtol: 1e-7, "grad_f")

        // The three explained images of the golden set: fid_after and deltaFID (1e-6 relative).
        for stem in ["astronaut", "chelsea_crop96", "horse"] {
            let explain = try Npz.read(contentsOf: Fixtures.url("golden/\(stem).explain.npz"))
            let features = try Npz.read(contentsOf: Fixtures.url("golden/\(stem).npz"))
            let before = explain["fid_before"]!.scalarDouble()!
            let after = explain["fid_after"]!.scalarDouble()!
            let sample = contribution.evaluate(feature: features["pool3"]!.doubles()!)
            print("\(stem): deltaFID \(sample.deltaFID) vs golden \(after - before), relative error "
                  + "\(relativeError(sample.deltaFID, after - before))")
            XCTAssertEqual(sample.fidAfter, after, accuracy: 1e-6 * after, stem)
            XCTAssertEqual(sample.deltaFID, after - before, accuracy: 1e-6 * abs(after - before),
                           stem)
        }
    }

    /// The O(d^2) path against the plain O(d^3) path at d = 2048 on the golden statistics.
    func testFastPathMatchesDirectPathOnGoldenStatistics() throws {
        let fixture = try Self.loadStatsFixture()
        let fast = try FIDContribution(reference: fixture.reference, generated: fixture.generated,
                                       n: fixture.n).evaluate(feature: fixture.feature)
        let plain = try FIDContribution.referenceContribution(
            reference: fixture.reference, generated: fixture.generated, n: fixture.n,
            feature: fixture.feature)
        print("O(d^2) vs O(d^3) at d=2048: gradient \(relativeError(fast.gradient, plain.gradient)), "
              + "fid_after \(relativeError(fast.fidAfter, plain.fidAfter)), "
              + "deltaFID \(relativeError(fast.deltaFID, plain.deltaFID))")
        XCTAssertEqual(fast.fidAfter, plain.fidAfter, accuracy: 1e-12 * plain.fidAfter)
        XCTAssertEqual(fast.deltaFID, plain.deltaFID, accuracy: 1e-7 * abs(plain.deltaFID))
        assertClose(fast.gradient, plain.gradient, rtol: 1e-8, "gradient")
    }
}
