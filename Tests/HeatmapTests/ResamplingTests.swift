import Pixels
import XCTest
@testable import Heatmap

final class ResamplingTests: XCTestCase {
    // MARK: - Normalisation

    func testNormalisationMapsMinToZeroAndMaxToOne() {
        let m = SpatialMap(width: 3, height: 1, values: [2, 4, 6]).normalizedMinMax()
        XCTAssertEqual(m.values, [0, 0.5, 1])
        let negative = SpatialMap(width: 2, height: 2, values: [-1, -3, 1, -2]).normalizedMinMax()
        XCTAssertEqual(negative.values, [0.5, 0, 1, 0.25])
    }

    func testConstantMapNormalisesToZeros() {
        XCTAssertEqual(SpatialMap(width: 2, height: 2, values: [7, 7, 7, 7]).normalizedMinMax().values, [0, 0, 0, 0])
        XCTAssertEqual(SpatialMap(width: 1, height: 1, values: [3]).normalizedMinMax().values, [0])
        XCTAssertEqual(SpatialMap(width: 2, height: 1, values: [0, 0]).normalizedMinMax().values, [0, 0])
    }

    func testNonFiniteValuesAreIgnoredAndBecomeZero() {
        let m = SpatialMap(width: 5, height: 1, values: [.nan, 1, .infinity, 3, -.infinity]).normalizedMinMax()
        XCTAssertEqual(m.values, [0, 0, 0, 1, 0])
        let none = SpatialMap(width: 2, height: 1, values: [.nan, .infinity]).normalizedMinMax()
        XCTAssertEqual(none.values, [0, 0])
        XCTAssertNil(SpatialMap(width: 1, height: 1, values: [.nan]).finiteRange)
    }

    func testTinyMagnitudesNormaliseFully() {
        let m = Support.astronautSensitivity7c.normalizedMinMax()
        XCTAssertEqual(m.values.min(), 0)
        XCTAssertEqual(m.values.max(), 1)
    }

    // MARK: - Lanczos-3

    func testConstantMapStaysConstantAtAnySize() {
        let constant = SpatialMap(width: 8, height: 8, values: [Float](repeating: 0.37, count: 64))
        for (w, h) in [(8, 8), (299, 299), (96, 96), (512, 341), (3, 5)] {
            let up = constant.resampledLanczos3(width: w, height: h)
            XCTAssertEqual(up.width, w)
            XCTAssertEqual(up.height, h)
            let worst = up.values.map { abs($0 - 0.37) }.max() ?? 1
            XCTAssertLessThan(worst, 1e-6, "\(w)x\(h)")
        }
    }

    func testSameSizeIsIdentity() {
        let map = Support.astronautGradCAM7c
        let same = map.resampledLanczos3(width: 8, height: 8)
        for (a, b) in zip(same.values, map.values) {
            XCTAssertEqual(a, b, accuracy: 1e-7)
        }
    }

    func testImpulseUpsamplesSymmetrically() {
        var values = [Float](repeating: 0, count: 17 * 17)
        values[8 * 17 + 8] = 1
        let impulse = SpatialMap(width: 17, height: 17, values: values)
        for size in [35, 340] {
            let up = impulse.resampledLanczos3(width: size, height: size)
            var worst: Float = 0
            for y in 0..<size {
                for x in 0..<size {
                    let v = up[x, y]
                    worst = max(worst, abs(v - up[size - 1 - x, y]))  // left-right
                    worst = max(worst, abs(v - up[x, size - 1 - y]))  // top-bottom
                    worst = max(worst, abs(v - up[y, x]))  // transpose
                }
            }
            XCTAssertLessThan(worst, 1e-6, "impulse to \(size)x\(size) is not symmetric")
            let peak = up.values.max() ?? 0
            let centre = size / 2
            XCTAssertEqual(up[centre, centre], peak, accuracy: 1e-6, "peak not at the centre for \(size)")
            XCTAssertLessThan(up.values.min() ?? 0, 0, "Lanczos should ring negative next to an impulse")
        }
    }

    func testMatchesPILFloatLanczos() {
        // PIL 11: Image.fromarray(a, 'F').resize((10, 7), Image.LANCZOS) for this 4x4 map.
        var input: [Float] = (0..<16).map { Float($0) / 20 }
        input[15] = 1
        input[1 * 4 + 2] = 1.5
        let expected: [[Float]] = [
            [-0.02911186, -0.009656418, 0.02439244, 0.03998185, -0.0126607, -0.09060602, -0.08154272, 0.01695289, 0.115642, 0.1741354],
            [0.05942702, 0.03826533, 0.01009114, 0.05869545, 0.2689203, 0.5236859, 0.5811601, 0.4245331, 0.2363443, 0.1185455],
            [0.2261187, 0.15785, 0.05743867, 0.1443489, 0.6598059, 1.300641, 1.413353, 0.9591466, 0.4368375, 0.1137736],
            [0.3272665, 0.2849109, 0.2234893, 0.289493, 0.6408154, 1.071334, 1.144231, 0.8361509, 0.4830638, 0.2645638],
            [0.4099645, 0.4218877, 0.4446926, 0.4663392, 0.4609559, 0.4438984, 0.4656592, 0.523776, 0.5750158, 0.6041117],
            [0.5439736, 0.5590377, 0.5897392, 0.6081511, 0.5668727, 0.5155973, 0.572539, 0.7229165, 0.856509, 0.9337117],
            [0.6123444, 0.6177988, 0.6357267, 0.6615192, 0.6726031, 0.6946847, 0.7876605, 0.9234807, 1.027195, 1.084458],
        ]
        let out = SpatialMap(width: 4, height: 4, values: input).resampledLanczos3(width: 10, height: 7)
        XCTAssertEqual(out.rows.count, 7)
        for (row, (got, want)) in zip(out.rows, expected).enumerated() {
            for (col, (g, w)) in zip(got, want).enumerated() {
                XCTAssertEqual(g, w, accuracy: 2e-6, "row \(row) col \(col)")
            }
        }
    }

    func testDownsamplingAveragesAndKeepsConstants() {
        let constant = SpatialMap(width: 16, height: 16, values: [Float](repeating: -2, count: 256))
        let down = constant.resampledLanczos3(width: 4, height: 4)
        XCTAssertEqual(down.values.map { abs($0 + 2) }.max() ?? 1, 0, accuracy: 1e-6)
        // A one-pixel stripe pattern averages to about its mean when shrunk 8x.
        let stripes = SpatialMap(width: 64, height: 1, values: (0..<64).map { Float($0 % 2) })
        let flat = stripes.resampledLanczos3(width: 8, height: 1)
        for v in flat.values[2..<6] {
            XCTAssertEqual(v, 0.5, accuracy: 0.02)
        }
    }
}
