import XCTest
import Autograd

final class OpGradientTests: XCTestCase {
    private func convWeights(out: Int, in inC: Int, kh: Int, kw: Int, bias: Bool = true, seed: UInt64 = 7) -> Conv2dWeights {
        var random = TestRandom(seed: seed)
        return Conv2dWeights(outChannels: out, inChannels: inC, kernelH: kh, kernelW: kw,
                             weight: random.values(out * inC * kh * kw, -0.5, 0.5),
                             bias: bias ? random.values(out) : nil)
    }

    // MARK: - conv2d

    func testConvGradientsForEveryInceptionKernelShape() {
        let cases: [(kh: Int, kw: Int, geometry: WindowGeometry)] = [
            (3, 3, WindowGeometry(stride: 2)),
            (3, 3, WindowGeometry(stride: 1, padH: 1, padW: 1)),
            (1, 7, WindowGeometry(stride: 1, padH: 0, padW: 3)),
            (7, 1, WindowGeometry(stride: 1, padH: 3, padW: 0)),
            (1, 3, WindowGeometry(stride: 1, padH: 0, padW: 1)),
            (3, 1, WindowGeometry(stride: 1, padH: 1, padW: 0)),
            (5, 5, WindowGeometry(stride: 1, padH: 2, padW: 2)),
            (1, 1, WindowGeometry()),
            (3, 3, WindowGeometry(strideH: 2, strideW: 1, padTop: 0, padBottom: 2, padLeft: 1, padRight: 0)),
        ]
        for (index, c) in cases.enumerated() {
            let weights = convWeights(out: 3, in: 2, kh: c.kh, kw: c.kw, seed: UInt64(index))
            checkGradient(shape: [2, 2, 7, 8], seed: UInt64(10 + index)) { $0.conv2d(weights, c.geometry) }
        }
    }

    /// Against the defining sum, for a strided asymmetric geometry and for the stride-1 shapes
    /// whose output is as wide as the input (im2col copies whole shifted planes there).
    func testConvMatchesDirectSum() {
        let cases: [(kh: Int, kw: Int, geometry: WindowGeometry)] = [
            (3, 2, WindowGeometry(strideH: 2, strideW: 1, padTop: 1, padBottom: 0, padLeft: 0, padRight: 1)),
            (3, 3, WindowGeometry(stride: 1, padH: 1, padW: 1)),
            (1, 7, WindowGeometry(stride: 1, padH: 0, padW: 3)),
            (7, 1, WindowGeometry(stride: 1, padH: 3, padW: 0)),
            (5, 5, WindowGeometry(stride: 1, padH: 2, padW: 2)),
            (2, 2, WindowGeometry(strideH: 1, strideW: 1, padTop: 1, padBottom: 0, padLeft: 0, padRight: 1)),
        ]
        let (h, w) = (6, 5)
        for (index, c) in cases.enumerated() {
            let weights = convWeights(out: 4, in: 3, kh: c.kh, kw: c.kw, seed: UInt64(index))
            var random = TestRandom(seed: 3)
            let x = Tensor(shape: [3, 3, h, w], data: random.values(3 * 3 * h * w))
            let y = x.conv2d(weights, c.geometry)
            let g = c.geometry
            let oh = (h + g.padTop + g.padBottom - c.kh) / g.strideH + 1
            let ow = (w + g.padLeft + g.padRight - c.kw) / g.strideW + 1
            XCTAssertEqual(y.shape, [3, 4, oh, ow])
            var worst: Float = 0
            for n in 0 ..< 3 { for o in 0 ..< 4 { for p in 0 ..< oh { for q in 0 ..< ow {
                var sum = weights.bias![o]
                for ch in 0 ..< 3 { for i in 0 ..< c.kh { for j in 0 ..< c.kw {
                    let ih = p * g.strideH - g.padTop + i, iw = q * g.strideW - g.padLeft + j
                    guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                    sum += weights.weight[((o * 3 + ch) * c.kh + i) * c.kw + j] * x.data[((n * 3 + ch) * h + ih) * w + iw]
                } } }
                worst = max(worst, abs(sum - y.data[((n * 4 + o) * oh + p) * ow + q]))
            } } } }
            XCTAssertLessThan(worst, 1e-5, "\(c.kh)x\(c.kw) \(g)")
        }
    }

    /// Small maps batch several images into one GEMM; the result must not depend on the batch.
    func testConvBatchedEqualsPerImage() {
        let weights = convWeights(out: 5, in: 4, kh: 3, kw: 3)
        var random = TestRandom(seed: 5)
        let batch = Tensor(shape: [6, 4, 8, 8], data: random.values(6 * 4 * 64))
        assertConvBatchedEqualsPerImage(batch, weights, WindowGeometry(stride: 1, padH: 1, padW: 1))
    }

    /// Inference applies the bias and the ReLU in one pass over the GEMM's output: the same bits
    /// as conv2d then relu (NaN and negative pre-activations to +0), with and without a bias, on
    /// planes whose size is not a multiple of the vector width; tracked, the same gradient.
    func testConvReLUIsConvThenReLU() {
        var random = TestRandom(seed: 31)
        var values = random.values(2 * 3 * 7 * 9)
        values[5] = .nan
        let x = Tensor(shape: [2, 3, 7, 9], data: values)
        for (bias, kernel, geometry) in [(true, 3, WindowGeometry(stride: 1, padH: 1, padW: 1)),
                                         (false, 1, WindowGeometry()), (true, 3, WindowGeometry(stride: 2))] {
            let weights = convWeights(out: 4, in: 3, kh: kernel, kw: kernel, bias: bias)
            assertConvReLUIsConvThenReLU(x, weights, geometry, "bias \(bias), \(geometry)")
        }
        checkGradient(shape: [2, 3, 5, 5]) { $0.conv2dReLU(self.convWeights(out: 2, in: 3, kh: 3, kw: 3), WindowGeometry()) }
    }

    func testPointwiseConvBatchedGradient() {
        let weights = convWeights(out: 3, in: 4, kh: 1, kw: 1)
        checkGradient(shape: [3, 4, 3, 3]) { $0.conv2d(weights) }
    }

    // MARK: - Pools

    func testMaxPoolGradients() {
        // Distinct values so that no window has a tie (finite differences need a unique max).
        let values: [Float] = (0 ..< 486).map { (i: Int) -> Float in Float((i * 37) % 163) / 50 - 1.6 }
        checkGradient(shape: [2, 3, 9, 9], input: values) { $0.maxPool2d(kernel: 3, WindowGeometry(stride: 2)) }
        checkGradient(shape: [2, 3, 9, 9], input: values) {
            $0.maxPool2d(kernel: 3, WindowGeometry(stride: 1, padH: 1, padW: 1))
        }
    }

    func testMaxPoolTiesGoToFirstMaximum() {
        let tape = Tape()
        let x = tape.watch(Tensor(shape: [1, 1, 3, 3], data: [Float](repeating: 2, count: 9)))
        let y = x.maxPool2d(kernel: 3, WindowGeometry(stride: 2))
        tape.backward(from: y, seed: [1])
        XCTAssertEqual(x.grad, [1, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    func testAvgPoolExcludingPadValuesAndGradient() {
        let x = Tensor(shape: [1, 1, 3, 3], data: (1 ... 9).map(Float.init))
        let y = x.avgPool2dExcludingPad(kernel: 3, WindowGeometry(stride: 1, padH: 1, padW: 1))
        // Corner averages 4 cells, edge 6, centre 9 (count_include_pad=False).
        XCTAssertEqual(y.data[0], (1 + 2 + 4 + 5) / 4, accuracy: 1e-6)
        XCTAssertEqual(y.data[1], (1 + 2 + 3 + 4 + 5 + 6) / 6, accuracy: 1e-6)
        XCTAssertEqual(y.data[4], 5, accuracy: 1e-6)
        checkGradient(shape: [2, 2, 5, 6]) { $0.avgPool2dExcludingPad(kernel: 3, WindowGeometry(stride: 1, padH: 1, padW: 1)) }
    }

    /// Values with ties, -0 beside +0, NaN and infinities, quantised so that windows often tie.
    private func poolInput(_ count: Int, seed: UInt64) -> [Float] {
        var random = TestRandom(seed: seed)
        let specials: [Float] = [.nan, .infinity, -.infinity, -0.0, 0]
        return (0 ..< count).map { _ in
            let u = random.uniform()
            if u > 0.9 { return specials[Int((u - 0.9) / 0.1 * Float(specials.count)) % specials.count] }
            return (u * 8).rounded() / 4
        }
    }

    private let poolGeometries: [(kernel: Int, geometry: WindowGeometry)] = [
        (3, WindowGeometry(stride: 2)), (3, WindowGeometry(stride: 1, padH: 1, padW: 1)),
        (2, WindowGeometry(stride: 2)), (3, WindowGeometry(stride: 2, padH: 1, padW: 1)),
    ]

    /// Inference computes max-pool values a row of outputs at a time; tracked passes scan each
    /// window for its argmax. Both must give the same bits, NaN for NaN.
    func testMaxPoolValuesWithoutArgmaxAreTheTrackedValues() {
        for (i, pool) in poolGeometries.enumerated() {
            let (kernel, geometry) = (pool.kernel, pool.geometry)
            let x = Tensor(shape: [2, 3, 9, 11], data: poolInput(594, seed: UInt64(10 + i)))
            let plain = x.maxPool2d(kernel: kernel, geometry)
            let tracked = Tape().watch(x).maxPool2d(kernel: kernel, geometry)
            XCTAssertEqual(plain.shape, tracked.shape)
            XCTAssertGreaterThan(plain.data.filter(\.isNaN).count, 0, "the input should put NaN in some window")
            for (a, b) in zip(plain.data, tracked.data) {
                XCTAssertTrue(a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern, "\(geometry): \(a) against \(b)")
            }
        }
    }

    /// The average pool sums each window row left to right and the rows top to bottom, both from
    /// 0, then scales: the same bits as that order written window by window.
    func testAvgPoolKeepsTheWindowByWindowSummationOrder() {
        for (i, pool) in poolGeometries.enumerated() {
            let (kernel, geometry) = (pool.kernel, pool.geometry)
            var random = TestRandom(seed: UInt64(20 + i))
            let (h, w) = (9, 11)
            let values = random.values(2 * 3 * h * w, -3, 3)
            let y = Tensor(shape: [2, 3, h, w], data: values).avgPool2dExcludingPad(kernel: kernel, geometry)
            let oh = (h + 2 * geometry.padTop - kernel) / geometry.strideH + 1
            let ow = (w + 2 * geometry.padLeft - kernel) / geometry.strideW + 1
            XCTAssertEqual(y.shape, [2, 3, oh, ow])
            for plane in 0 ..< 6 {
                for p in 0 ..< oh {
                    for q in 0 ..< ow {
                        let top: Int = p * geometry.strideH - geometry.padTop
                        let left: Int = q * geometry.strideW - geometry.padLeft
                        let rows: Range<Int> = max(0, top) ..< min(h, top + kernel)
                        let cols: Range<Int> = max(0, left) ..< min(w, left + kernel)
                        var total: Float = 0
                        for r in rows {
                            var rowSum: Float = 0
                            for c in cols { rowSum += values[plane * h * w + r * w + c] }
                            total += rowSum
                        }
                        total *= 1 / Float(rows.count * cols.count)
                        XCTAssertEqual(y.data[(plane * oh + p) * ow + q].bitPattern, total.bitPattern,
                                       "\(geometry) plane \(plane) at (\(p), \(q))")
                    }
                }
            }
        }
    }

    func testGlobalMeanGradient() {
        checkGradient(shape: [2, 3, 4, 5]) { $0.globalMeanPool() }
    }

    // MARK: - Elementwise

    func testReluGradientAwayFromZero() {
        let values: [Float] = (0 ..< 40).map { (i: Int) -> Float in
            let sign: Float = i % 2 == 0 ? 1 : -1
            return sign * (0.1 + Float(i) / 50)
        }
        checkGradient(shape: [2, 2, 2, 5], input: values) { $0.relu() }
    }

    func testReluGradientAtZeroIsZero() {
        let tape = Tape()
        let x = tape.watch(Tensor(shape: [3], data: [-1, 0, 2]))
        let y = x.relu()
        tape.backward(from: y, seed: [1, 1, 1])
        XCTAssertEqual(y.data, [0, 0, 2])
        XCTAssertEqual(x.grad, [0, 0, 1])
    }

    func testAffineGradient() {
        checkGradient(shape: [2, 3, 2, 2]) { $0.affine(scale: 2, shift: -1) }
    }

    // MARK: - Shape ops

    func testConcatAndLinearGradients() {
        let other = Tensor(shape: [2, 1, 3, 3], data: (0 ..< 18).map { Float($0) / 10 })
        checkGradient(shape: [2, 2, 3, 3]) { x in
            // x is used twice, so its gradient must accumulate both contributions.
            Tensor.concatChannels([x, other, x.affine(scale: 3, shift: 0)])
        }
        var random = TestRandom(seed: 11)
        let w = random.values(4 * 6), b = random.values(4)
        checkGradient(shape: [3, 6]) { $0.linear(weight: w, bias: b, outFeatures: 4) }
    }

    // MARK: - Resize

    func testBilinearResizeGradientUpAndDown() {
        checkGradient(shape: [1, 2, 5, 7]) { $0.resizeBilinear(height: 11, width: 9) }
        checkGradient(shape: [1, 2, 9, 13]) { $0.resizeBilinear(height: 4, width: 5) }
    }

    /// Known values of PyTorch's align_corners=False upsampling of [0, 1] to 4 samples.
    func testBilinearResizeMatchesPyTorchConvention() {
        let x = Tensor(shape: [1, 1, 1, 2], data: [0, 1])
        let y = x.resizeBilinear(height: 1, width: 4)
        // src = (d + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (upper index clamped)
        XCTAssertEqual(y.data, [0, 0.25, 0.75, 1])
    }

    // MARK: - Tape

    func testBackwardStopsAtRequestedTensorAndKeepsItsGradient() {
        let tape = Tape()
        let x = tape.watch(Tensor(shape: [1, 1, 2, 2], data: [1, -2, 3, 4]))
        let middle = x.affine(scale: 2, shift: 0)
        middle.retainGrad()
        let y = middle.relu().globalMeanPool()
        tape.backward(from: y, seed: [1], stopAt: middle)
        XCTAssertEqual(middle.grad, [0.25, 0, 0.25, 0.25])
        XCTAssertNil(x.grad, "records before the stop point must not run")
        tape.backward(from: y, seed: [2])
        XCTAssertEqual(x.grad, [1, 0, 1, 1])
    }
}
