import CVectorKernels
import XCTest
@testable import Autograd

/// Winograd convolutions against the im2col + GEMM route they replace.
final class WinogradTests: XCTestCase {
    /// A kernel shape, its stride-1 padding, and the output tiles to try on it.
    private struct Case {
        let kh: Int, kw: Int
        let geometry: WindowGeometry
        let tiles: [(h: Int, w: Int)]
    }

    /// Every stride-1 kernel shape of Inception-v3, plus asymmetric padding, on maps whose sizes
    /// leave partial tiles at the bottom and right.
    private let cases: [Case] = [
        Case(kh: 3, kw: 3, geometry: WindowGeometry(), tiles: [(2, 2), (3, 3), (4, 4), (6, 6)]),
        Case(kh: 3, kw: 3, geometry: WindowGeometry(stride: 1, padH: 1, padW: 1), tiles: [(2, 2), (3, 3), (4, 4)]),
        Case(kh: 1, kw: 7, geometry: WindowGeometry(stride: 1, padH: 0, padW: 3), tiles: [(1, 2), (1, 3)]),
        Case(kh: 7, kw: 1, geometry: WindowGeometry(stride: 1, padH: 3, padW: 0), tiles: [(2, 1), (3, 1)]),
        Case(kh: 1, kw: 3, geometry: WindowGeometry(stride: 1, padH: 0, padW: 1), tiles: [(1, 2), (1, 4)]),
        Case(kh: 3, kw: 1, geometry: WindowGeometry(stride: 1, padH: 1, padW: 0), tiles: [(2, 1), (4, 1)]),
        Case(kh: 5, kw: 5, geometry: WindowGeometry(stride: 1, padH: 2, padW: 2), tiles: [(2, 2), (4, 4)]),
        Case(kh: 3, kw: 3, geometry: WindowGeometry(strideH: 1, strideW: 1, padTop: 0, padBottom: 2, padLeft: 1, padRight: 0),
             tiles: [(2, 2), (4, 4)]),
    ]

    private func weights(out: Int, in inC: Int, kh: Int, kw: Int, seed: UInt64) -> Conv2dWeights {
        var random = TestRandom(seed: seed)
        return Conv2dWeights(outChannels: out, inChannels: inC, kernelH: kh, kernelW: kw,
                             weight: random.values(out * inC * kh * kw, -0.5, 0.5), bias: random.values(out))
    }

    /// max |a - b| / max |b|.
    private func relative(_ a: [Float], _ b: [Float]) -> Double {
        XCTAssertEqual(a.count, b.count)
        var worst = 0.0, scale = 0.0
        for (x, y) in zip(a, b) {
            worst = max(worst, abs(Double(x) - Double(y)))
            scale = max(scale, abs(Double(y)))
        }
        return worst / scale
    }

    // MARK: - The transforms

    /// A^T [(G g) ⊙ (B^T d)] is the correlation, exactly up to Double rounding, for every F(m, r) used.
    func testMinimalFilteringComputesTheCorrelation() {
        var random = TestRandom(seed: 4)
        for (m, r) in [(1, 1), (2, 3), (3, 3), (4, 3), (6, 3), (2, 5), (2, 7), (3, 7), (4, 7)] {
            let f = MinimalFiltering(outputs: m, taps: r)
            XCTAssertEqual(f.alpha, m + r - 1)
            let d = random.values(f.alpha).map(Double.init), g = random.values(r).map(Double.init)
            let gg = (0 ..< f.alpha).map { k in (0 ..< r).reduce(0.0) { $0 + f.filterTransform[k * r + $1] * g[$1] } }
            let bd = (0 ..< f.alpha).map { k in (0 ..< f.alpha).reduce(0.0) { $0 + f.inputTransform[k * f.alpha + $1] * d[$1] } }
            for i in 0 ..< m {
                let y = (0 ..< f.alpha).reduce(0.0) { $0 + f.outputTransform[i * f.alpha + $1] * gg[$1] * bd[$1] }
                let expected = (0 ..< r).reduce(0.0) { $0 + g[$1] * d[i + $1] }
                XCTAssertEqual(y, expected, accuracy: 1e-12, "F(\(m), \(r)) output \(i)")
            }
        }
    }

    /// In Double the Winograd route equals the direct one to rounding: the tiling, padding and
    /// transposes are right, whatever float32 makes of them.
    func testDoubleWinogradEqualsDirectConvolution() {
        var random = TestRandom(seed: 8)
        for (index, c) in cases.enumerated() {
            let w = weights(out: 5, in: 3, kh: c.kh, kw: c.kw, seed: UInt64(index))
            let w64 = Conv2dWeights64(outChannels: 5, inChannels: 3, kernelH: c.kh, kernelW: c.kw,
                                      weight: w.weight.map(Double.init), bias: w.bias!.map(Double.init))
            let x = Tensor64(shape: [2, 3, 11, 9], data: random.values(2 * 3 * 11 * 9).map(Double.init))
            let direct = x.conv2d(w64, c.geometry)
            for tile in c.tiles {
                let fast = x.conv2d(w64.winograd(tile: tile), c.geometry)
                XCTAssertEqual(fast.shape, direct.shape)
                let worst = zip(fast.data, direct.data).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-12, "\(c.kh)x\(c.kw) tile \(tile)")
            }
        }
    }

    // MARK: - float32 against the GEMM route

    /// Forward and backward to 1e-5 relative in float32, on maps of 35 and 17 (Inception's sizes)
    /// with Inception-like channel counts, for every tile up to 4 (larger tiles are not used:
    /// float32 error grows with the tile, and F(6x6, 3x3) comes near 1e-5).
    func testFloatWinogradMatchesDirectForwardAndBackward() {
        for (index, c) in cases.enumerated() {
            let w = weights(out: 48, in: 64, kh: c.kh, kw: c.kw, seed: UInt64(20 + index))
            for size in [35, 17] {
                var random = TestRandom(seed: UInt64(100 + size + index))
                let x = Tensor(shape: [2, 64, size, size - 2], data: random.values(2 * 64 * size * (size - 2)))
                let tape = Tape()
                let watched = tape.watch(x)
                let direct = watched.conv2d(w, c.geometry)
                let seed = random.values(direct.count)
                tape.backward(from: direct, seed: seed)
                let directGrad = watched.grad!
                for tile in c.tiles where tile.h <= 4 && tile.w <= 4 {
                    let fastTape = Tape()
                    let fastInput = fastTape.watch(x)
                    let fast = fastInput.conv2d(w.winograd(tile: tile), c.geometry)
                    let label = "\(c.kh)x\(c.kw) \(c.geometry) tile \(tile) on \(size)"
                    XCTAssertEqual(fast.shape, direct.shape, label)
                    XCTAssertLessThanOrEqual(relative(fast.data, direct.data), 1e-5, "forward " + label)
                    fastTape.backward(from: fast, seed: seed)
                    XCTAssertLessThanOrEqual(relative(fastInput.grad!, directGrad), 1e-5, "backward " + label)
                }
            }
        }
    }

    /// The C kernels' AVX2 and baseline variants (`CVectorKernels`) give the same bits, forward
    /// with bias and ReLU and backward, Float and Double, on channel counts and widths with
    /// whole 8 x 8 blocks and leftovers. (On a CPU without AVX2 both runs take the baseline.)
    func testVectorKernelVariantsGiveTheSameBits() {
        let geometry = WindowGeometry(stride: 1, padH: 3, padW: 0)
        let w = weights(out: 21, in: 19, kh: 7, kw: 1, seed: 91)
        let w64 = Conv2dWeights64(outChannels: 21, inChannels: 19, kernelH: 7, kernelW: 1,
                                  weight: w.weight.map(Double.init), bias: w.bias!.map(Double.init))
        var random = TestRandom(seed: 92)
        let x = Tensor(shape: [2, 19, 17, 21], data: random.values(2 * 19 * 17 * 21))
        let x64 = Tensor64(shape: x.shape, data: x.data.map(Double.init))
        let seed = random.values(2 * 21 * 17 * 21)
        func run() -> (forward: [Float], backward: [Float], double: [Double]) {
            let tape = Tape()
            let input = tape.watch(x)
            let y = input.conv2dReLU(w.winograd(tile: (3, 1)), geometry)
            tape.backward(from: y, seed: seed)
            return (y.data, input.grad!, x64.conv2d(w64.winograd(tile: (3, 1)), geometry).data)
        }
        let chosen = run()
        fidviz_vector_kernels_force_baseline(1)
        defer { fidviz_vector_kernels_force_baseline(0) }
        let baseline = run()
        XCTAssertGreaterThan(chosen.forward.filter { $0 == 0 }.count, 0, "the ReLU should clip some outputs")
        XCTAssertEqual(chosen.forward.map(\.bitPattern), baseline.forward.map(\.bitPattern), "forward")
        XCTAssertEqual(chosen.backward.map(\.bitPattern), baseline.backward.map(\.bitPattern), "backward")
        XCTAssertEqual(chosen.double.map(\.bitPattern), baseline.double.map(\.bitPattern), "Double forward")
    }

    /// Channel counts that are not whole vectors of eight (11 in, 13 out) and widths that are not
    /// whole blocks of eight columns: the channel-last copies take full 8 x 8 blocks through
    /// registers and the rest value by value; forward and backward still match the GEMM route.
    func testFloatWinogradWithPartialChannelBlocks() {
        let geometry = WindowGeometry(stride: 1, padH: 1, padW: 1)
        let w = weights(out: 13, in: 11, kh: 3, kw: 3, seed: 77)
        var random = TestRandom(seed: 78)
        let x = Tensor(shape: [2, 11, 19, 21], data: random.values(2 * 11 * 19 * 21))
        let tape = Tape()
        let watched = tape.watch(x)
        let direct = watched.conv2d(w, geometry)
        let seed = random.values(direct.count)
        tape.backward(from: direct, seed: seed)
        for tile in [(h: 2, w: 2), (h: 4, w: 4)] {
            let fastTape = Tape()
            let fastInput = fastTape.watch(x)
            let fast = fastInput.conv2d(w.winograd(tile: tile), geometry)
            XCTAssertLessThanOrEqual(relative(fast.data, direct.data), 1e-5, "forward, tile \(tile)")
            fastTape.backward(from: fast, seed: seed)
            XCTAssertLessThanOrEqual(relative(fastInput.grad!, watched.grad!), 1e-5, "backward, tile \(tile)")
        }
    }

    /// The backward pass is the derivative of the forward one (finite differences).
    func testWinogradGradientsAgainstFiniteDifferences() {
        for (index, c) in cases.enumerated() {
            let w = weights(out: 3, in: 2, kh: c.kh, kw: c.kw, seed: UInt64(40 + index)).winograd(tile: c.tiles[0])
            checkGradient(shape: [2, 2, 7, 8], seed: UInt64(60 + index)) { $0.conv2d(w, c.geometry) }
        }
    }

    /// Each image gets its own transforms and GEMMs: results do not depend on the batch.
    /// conv2dReLU by Winograd writes the ReLU in its output transform: the same bits as the
    /// Winograd convolution followed by relu, over chunks with partial tiles and negative outputs.
    func testWinogradConvReLUIsConvThenReLU() {
        var random = TestRandom(seed: 12)
        let x = Tensor(shape: [2, 6, 23, 19], data: random.values(2 * 6 * 23 * 19))
        for (index, c) in cases.enumerated() {
            for tile in c.tiles where tile.h <= 4 && tile.w <= 4 {
                let w = weights(out: 7, in: 6, kh: c.kh, kw: c.kw, seed: UInt64(40 + index)).winograd(tile: tile)
                assertConvReLUIsConvThenReLU(x, w, c.geometry, "\(c.kh)x\(c.kw) tile \(tile)")
            }
        }
    }

    func testWinogradBatchedEqualsPerImage() {
        let w = weights(out: 5, in: 4, kh: 3, kw: 3, seed: 5).winograd(tile: (2, 2))
        var random = TestRandom(seed: 5)
        let batch = Tensor(shape: [3, 4, 9, 9], data: random.values(3 * 4 * 81))
        assertConvBatchedEqualsPerImage(batch, w, WindowGeometry(stride: 1, padH: 1, padW: 1))
    }

    /// At stride 2 the transform is ignored and the GEMM route runs (bit-identical).
    func testStridedConvolutionIgnoresTheTransform() {
        let w = weights(out: 4, in: 3, kh: 3, kw: 3, seed: 9)
        var random = TestRandom(seed: 9)
        let x = Tensor(shape: [1, 3, 9, 9], data: random.values(3 * 81))
        let geometry = WindowGeometry(stride: 2)
        XCTAssertEqual(x.conv2d(w.winograd(tile: (2, 2)), geometry).data, x.conv2d(w, geometry).data)
    }
}
