import Pixels
import SeededRandom
import Sensitivity
import XCTest

/// Each CAM variant against a float64 reference written here from its paper's formula (as
/// pytorch-grad-cam computes it), on the same activations and gradients.
final class CAMMethodsTests: XCTestCase {
    static let (channels, height, width) = (7, 5, 6)
    static var plane: Int { height * width }

    /// ReLU-like activations (a fifth exactly 0) and gradients of both signs (a tenth exactly 0).
    static func inputs(seed: UInt64) -> (activation: [Float], gradient: [Float]) {
        var random = SplitMix64(seed: seed)
        let n = channels * plane
        let activation = (0 ..< n).map { _ -> Float in random.uniform() < 0.2 ? 0 : Float(random.uniform() * 3) }
        let gradient = (0 ..< n).map { _ -> Float in random.uniform() < 0.1 ? 0 : Float(random.normal() * 0.5 + 0.2) }
        return (activation, gradient)
    }

    /// A[k][p] and g[k][p] in Double.
    static func planes(_ values: [Float]) -> [[Double]] {
        (0 ..< channels).map { k in (0 ..< plane).map { Double(values[k * plane + $0]) } }
    }

    static func reference(_ method: CAMMethod, activation: [Float], gradient: [Float]) -> [Double] {
        let a = planes(activation), g = planes(gradient)
        func weighted(_ w: [Double]) -> [Double] {
            (0 ..< plane).map { (p: Int) -> Double in
                var sum = 0.0
                for k in 0 ..< channels { sum += w[k] * a[k][p] }
                return max(0, sum)
            }
        }
        func elementwise(_ f: (Double) -> Double) -> [Double] {
            (0 ..< plane).map { (p: Int) -> Double in
                var sum = 0.0
                for k in 0 ..< channels { sum += f(g[k][p]) * a[k][p] }
                return max(0, sum)
            }
        }
        switch method {
        case .gradCAM:
            return weighted(g.map { (row: [Double]) -> Double in row.reduce(0, +) / Double(plane) })
        case .gradCAMPlusPlus:
            return weighted((0 ..< channels).map { (k: Int) -> Double in
                let s: Double = a[k].reduce(0, +)
                var w = 0.0
                for gij in g[k] where gij != 0 {
                    let alpha: Double = pow(gij, 2) / (2 * pow(gij, 2) + s * pow(gij, 3) + 1e-6)
                    w += max(gij, 0) * alpha
                }
                return w
            })
        case .hiResCAM:
            return elementwise { $0 }
        case .layerCAM:
            return elementwise { max($0, 0) }
        case .xGradCAM:
            return weighted((0 ..< channels).map { (k: Int) -> Double in
                var numerator = 0.0, activationSum = 0.0
                for p in 0 ..< plane {
                    numerator += g[k][p] * a[k][p]
                    activationSum += a[k][p]
                }
                return numerator / (activationSum + 1e-7)
            })
        case .eigenCAM:
            // X = [plane, channels], centred per channel; v_1 = top eigenvector of X^T X by power
            // iteration (a different route from the library's Gram matrix X X^T).
            let centred = a.map { (row: [Double]) -> [Double] in
                let mean = row.reduce(0, +) / Double(plane)
                return row.map { $0 - mean }
            }
            var xtx = [[Double]](repeating: [Double](repeating: 0, count: channels), count: channels)
            for i in 0 ..< channels {
                for j in 0 ..< channels {
                    for p in 0 ..< plane { xtx[i][j] += centred[i][p] * centred[j][p] }
                }
            }
            var v = [Double](repeating: 1, count: channels)
            for _ in 0 ..< 5000 {
                var next = [Double](repeating: 0, count: channels)
                for i in 0 ..< channels { for j in 0 ..< channels { next[i] += xtx[i][j] * v[j] } }
                let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
                v = next.map { $0 / norm }
            }
            var projection = [Double](repeating: 0, count: plane)
            for p in 0 ..< plane { for k in 0 ..< channels { projection[p] += centred[k][p] * v[k] } }
            if abs(projection.min()!) > abs(projection.max()!) { projection = projection.map { -$0 } }
            return projection.map { max($0, 0) }
        }
    }

    func testEveryVariantMatchesItsFloat64Formula() {
        for seed: UInt64 in [1, 2, 3] {
            let (activation, gradient) = Self.inputs(seed: seed)
            for method in CAMMethod.allCases {
                let map = method.map(activation: activation, gradient: gradient, channels: Self.channels,
                                     height: Self.height, width: Self.width)
                XCTAssertEqual([map.width, map.height], [Self.width, Self.height])
                let expected = Self.reference(method, activation: activation, gradient: gradient)
                let scale = expected.map(abs).max()!
                XCTAssertGreaterThan(scale, 0, "\(method) seed \(seed): the reference is all zero, the test proves nothing")
                XCTAssertGreaterThan(expected.filter { $0 > 0 }.count, 2, "\(method) seed \(seed): too few positive cells")
                for (p, value) in map.values.enumerated() {
                    XCTAssertEqual(Double(value), expected[p], accuracy: 1e-5 * scale + 1e-12,
                                   "\(method) seed \(seed) cell \(p)")
                }
            }
        }
    }

    /// The variants differ from one another on these inputs (so matching the reference is a
    /// statement about each formula, not about one shared computation).
    func testTheVariantsAreDifferentMaps() {
        let (activation, gradient) = Self.inputs(seed: 7)
        let maps = CAMMethod.allCases.map {
            $0.map(activation: activation, gradient: gradient, channels: Self.channels, height: Self.height, width: Self.width)
        }
        for i in maps.indices {
            for j in maps.indices where j > i {
                XCTAssertNotEqual(maps[i], maps[j], "\(CAMMethod.allCases[i]) and \(CAMMethod.allCases[j])")
            }
        }
    }

    func testEigenCAMIgnoresTheGradientAndKindsAreNamedAsInReportJSON() {
        let (activation, gradient) = Self.inputs(seed: 4)
        let a = CAMMethod.eigenCAM.map(activation: activation, gradient: gradient, channels: Self.channels,
                                       height: Self.height, width: Self.width)
        let b = CAMMethod.eigenCAM.map(activation: activation, gradient: gradient.map { -$0 }, channels: Self.channels,
                                       height: Self.height, width: Self.width)
        XCTAssertEqual(a, b)
        XCTAssertEqual(CAMKind.gradCAMTop1.key, "gradcam_top1")
        XCTAssertEqual(CAMKind(.gradCAMPlusPlus, .deltaFID).key, "gradcam++_delta_fid")
    }
}
