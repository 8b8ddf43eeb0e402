import Foundation
import XCTest
import Autograd

/// The vision transformer's ops: values against direct formulas, and gradients against finite
/// differences (`checkGradient`).
final class TransformerOpTests: XCTestCase {
    // MARK: - Normalisation

    func testLayerNormValuesAndGradient() {
        var random = TestRandom(seed: 31)
        let weight = random.values(5, 0.5, 1.5), bias = random.values(5)
        let x = Tensor(shape: [2, 3, 5], data: random.values(30, -2, 2))
        let y = x.layerNorm(weight: weight, bias: bias, eps: 1e-6)
        XCTAssertEqual(y.shape, [2, 3, 5])
        for row in 0 ..< 6 {
            let values = (0 ..< 5).map { Double(x.data[row * 5 + $0]) }
            let mean = values.reduce(0, +) / 5
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5
            for j in 0 ..< 5 {
                let expected = (values[j] - mean) / (variance + 1e-6).squareRoot() * Double(weight[j]) + Double(bias[j])
                XCTAssertEqual(Double(y.data[row * 5 + j]), expected, accuracy: 1e-6)
            }
        }
        checkGradient(shape: [2, 3, 5], seed: 32) { $0.layerNorm(weight: weight, bias: bias, eps: 1e-6) }
    }

    func testNormalizedChannelsValuesAndGradient() {
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        let x = Tensor(shape: [1, 3, 1, 2], data: [0, 1, 0.5, 0.25, 128 / 255, 1])
        let y = x.normalizedChannels(mean: mean, std: std)
        // A subtraction then a division in Float, as torchvision computes it.
        XCTAssertEqual(y.data, [(0 - mean[0]) / std[0], (1 - mean[0]) / std[0], (0.5 - mean[1]) / std[1],
                                (0.25 - mean[1]) / std[1], (128 / 255 - mean[2]) / std[2], (1 - mean[2]) / std[2]])
        checkGradient(shape: [2, 3, 2, 3]) { $0.normalizedChannels(mean: mean, std: std) }
    }

    // MARK: - Activations

    func testGeluMatchesErfFormulaAndGradient() {
        let y = Tensor(shape: [4], data: [-1, 0, 1, 3]).gelu()
        // x * Phi(x): Phi(1) = 0.8413447460685429, Phi(3) = 0.9986501019683699.
        XCTAssertEqual(y.data[0], -0.15865525, accuracy: 1e-7)
        XCTAssertEqual(y.data[1], 0)
        XCTAssertEqual(y.data[2], 0.84134475, accuracy: 1e-7)
        XCTAssertEqual(y.data[3], 2.99595031, accuracy: 1e-6)
        checkGradient(shape: [3, 7], eps: 1e-3) { $0.gelu() }
    }

    func testSoftmaxValuesAndGradient() {
        let y = Tensor(shape: [2, 3], data: [0, 1, 2, 1000, 1000, 1000]).softmaxLastAxis()
        let e = [1, exp(1.0), exp(2.0)], total = e.reduce(0, +)
        for j in 0 ..< 3 { XCTAssertEqual(Double(y.data[j]), e[j] / total, accuracy: 1e-7) }
        for j in 3 ..< 6 { XCTAssertEqual(y.data[j], 1.0 / 3, accuracy: 1e-7, "large logits must not overflow") }
        checkGradient(shape: [2, 2, 5], eps: 1e-3) { $0.softmaxLastAxis() }
    }

    // MARK: - Products

    func testLinearOverLeadingAxes() {
        var random = TestRandom(seed: 33)
        let w = random.values(4 * 6), b = random.values(4)
        let x = Tensor(shape: [2, 3, 6], data: random.values(36))
        let flat = x.reshaped([6, 6]).linear(weight: w, bias: b, outFeatures: 4)
        let y = x.linear(weight: w, bias: b, outFeatures: 4)
        XCTAssertEqual(y.shape, [2, 3, 4])
        XCTAssertEqual(y.data, flat.data)
        checkGradient(shape: [2, 3, 6]) { $0.linear(weight: w, bias: b, outFeatures: 4) }
    }

    func testMatmulValuesAndGradientsForBothOperands() {
        var random = TestRandom(seed: 34)
        let a = Tensor(shape: [2, 3, 4], data: random.values(24))
        let b = Tensor(shape: [2, 4, 5], data: random.values(40))
        let bT = b.permuted([0, 2, 1])
        let c = a.matmul(b), cT = a.matmul(bT, transposeB: true)
        XCTAssertEqual(c.shape, [2, 3, 5])
        for i in 0 ..< 2 { for r in 0 ..< 3 { for s in 0 ..< 5 {
            var sum: Float = 0
            for t in 0 ..< 4 { sum += a.data[(i * 3 + r) * 4 + t] * b.data[(i * 4 + t) * 5 + s] }
            XCTAssertEqual(c.data[(i * 3 + r) * 5 + s], sum, accuracy: 1e-5)
            XCTAssertEqual(cT.data[(i * 3 + r) * 5 + s], sum, accuracy: 1e-5)
        } } }
        checkGradient(shape: [2, 3, 4], seed: 35) { $0.matmul(b) }
        checkGradient(shape: [2, 4, 5], seed: 36) { a.matmul($0) }
        checkGradient(shape: [2, 3, 4], seed: 37) { $0.matmul(bT, transposeB: true) }
        checkGradient(shape: [2, 5, 4], seed: 38) { a.matmul($0, transposeB: true) }
        // One tensor on both sides (x x^T): both contributions accumulate.
        checkGradient(shape: [2, 3, 4], seed: 39) { $0.matmul($0, transposeB: true) }
    }

    /// The fused attention op equals the same attention composed from reshape, permute, matmul
    /// and softmax, for every query or the first few, and has their gradient.
    func testSelfAttentionEqualsComposedOpsAndGradient() {
        var random = TestRandom(seed: 44)
        let (batch, tokens, heads, headWidth) = (2, 5, 2, 4)
        let width = heads * headWidth
        let qkv = Tensor(shape: [batch, tokens, 3 * width], data: random.values(batch * tokens * 3 * width, -2, 2))
        let split = qkv.reshaped([batch, tokens, 3, heads, headWidth]).permuted([2, 0, 3, 1, 4])
        func part(_ i: Int) -> Tensor { split.sliced(axis: 0, i ..< i + 1).reshaped([batch * heads, tokens, headWidth]) }
        let composed = part(0).affine(scale: 1 / Float(headWidth).squareRoot(), shift: 0)
            .matmul(part(1), transposeB: true).softmaxLastAxis().matmul(part(2))
            .reshaped([batch, heads, tokens, headWidth]).permuted([0, 2, 1, 3]).reshaped([batch, tokens, width])
        let fused = qkv.selfAttention(heads: heads)
        XCTAssertEqual(fused.shape, [batch, tokens, width])
        for i in 0 ..< fused.count { XCTAssertEqual(fused.data[i], composed.data[i], accuracy: 1e-6) }
        let first = qkv.selfAttention(heads: heads, queries: 2)
        XCTAssertEqual(first.shape, [batch, 2, width])
        XCTAssertEqual(first.data, composed.sliced(axis: 1, 0 ..< 2).data)
        checkGradient(shape: qkv.shape, seed: 45) { $0.selfAttention(heads: heads) }
        checkGradient(shape: qkv.shape, seed: 46) { $0.selfAttention(heads: heads, queries: 1) }
    }

    // MARK: - Elementwise and LayerScale

    func testSumAndLayerScaleGradients() {
        var random = TestRandom(seed: 40)
        let gamma = random.values(4, 0.1, 0.5)
        let constant = Tensor(shape: [2, 3, 4], data: random.values(24))
        let y = Tensor(shape: [1, 2], data: [1, 2]) + Tensor(shape: [1, 2], data: [10, 20])
        XCTAssertEqual(y.data, [11, 22])
        checkGradient(shape: [2, 3, 4]) { $0 + constant }
        checkGradient(shape: [2, 3, 4]) { $0 + $0.scaledLastAxis(by: gamma).gelu() }
        XCTAssertEqual(Tensor(shape: [2, 2], data: [1, 2, 3, 4]).scaledLastAxis(by: [10, 100]).data, [10, 200, 30, 400])
        // The fused residual add of a LayerScaled branch.
        let x = Tensor(shape: [2, 2], data: [1, 2, 3, 4]), branch = Tensor(shape: [2, 2], data: [5, 6, 7, 8])
        XCTAssertEqual(x.adding(branch, scaledBy: [10, 100]).data, [51, 602, 73, 804])
        XCTAssertEqual(constant.adding(constant.gelu(), scaledBy: gamma).data,
                       (constant + constant.gelu().scaledLastAxis(by: gamma)).data)
        checkGradient(shape: [2, 3, 4]) { $0.adding(constant, scaledBy: gamma) }
        checkGradient(shape: [2, 3, 4]) { constant.adding($0, scaledBy: gamma) }
        checkGradient(shape: [2, 3, 4]) { $0.adding($0.gelu(), scaledBy: gamma) }
    }

    // MARK: - Layout

    func testPermuteValuesAndGradient() {
        let x = Tensor(shape: [2, 3, 4], data: (0 ..< 24).map(Float.init))
        let y = x.permuted([2, 0, 1])
        XCTAssertEqual(y.shape, [4, 2, 3])
        for i in 0 ..< 2 { for j in 0 ..< 3 { for k in 0 ..< 4 {
            XCTAssertEqual(y.data[(k * 2 + i) * 3 + j], x.data[(i * 3 + j) * 4 + k])
        } } }
        XCTAssertEqual(y.permuted([1, 2, 0]).data, x.data, "the inverse permutation restores the tensor")
        checkGradient(shape: [2, 3, 2, 4, 3]) { $0.permuted([2, 0, 3, 1, 4]) }
        checkGradient(shape: [3, 5]) { $0.reshaped([5, 3]).permuted([1, 0]) }
    }

    func testConcatenateAndSliceValuesAndGradients() {
        let token = Tensor(shape: [2, 1, 3], data: [9, 9, 9, 8, 8, 8])
        let x = Tensor(shape: [2, 2, 3], data: (0 ..< 12).map(Float.init))
        let joined = Tensor.concatenate([token, x], axis: 1)
        XCTAssertEqual(joined.shape, [2, 3, 3])
        XCTAssertEqual(joined.data, [9, 9, 9, 0, 1, 2, 3, 4, 5, 8, 8, 8, 6, 7, 8, 9, 10, 11])
        XCTAssertEqual(joined.sliced(axis: 1, 1 ..< 3).data, x.data)
        XCTAssertEqual(joined.sliced(axis: 2, 1 ..< 2).data, [9, 1, 4, 8, 7, 10])
        checkGradient(shape: [2, 2, 3]) { Tensor.concatenate([token, $0, $0.sliced(axis: 1, 0 ..< 1)], axis: 1) }
        checkGradient(shape: [3, 4, 5]) { $0.sliced(axis: 1, 1 ..< 3).sliced(axis: 2, 4 ..< 5) }
    }

    // MARK: - Patch embedding

    /// A 14x14 stride-14 convolution (ViT/14's patch embedding) equals a linear map of each
    /// flattened patch, and has the conv's gradient.
    func testPatchConvolutionIsLinearOverPatches() {
        var random = TestRandom(seed: 41)
        let weights = Conv2dWeights(outChannels: 2, inChannels: 3, kernelH: 14, kernelW: 14,
                                    weight: random.values(2 * 588, -0.1, 0.1), bias: random.values(2))
        let x = Tensor(shape: [1, 3, 28, 42], data: random.values(3 * 28 * 42))
        let y = x.conv2d(weights, WindowGeometry(stride: 14))
        XCTAssertEqual(y.shape, [1, 2, 2, 3])
        for p in 0 ..< 2 { for q in 0 ..< 3 {
            var patch = [Float]()
            for c in 0 ..< 3 { for i in 0 ..< 14 { for j in 0 ..< 14 {
                patch.append(x.data[(c * 28 + p * 14 + i) * 42 + q * 14 + j])
            } } }
            let expected = Tensor(shape: [1, 588], data: patch)
                .linear(weight: weights.weight, bias: weights.bias, outFeatures: 2).data
            for o in 0 ..< 2 { XCTAssertEqual(y.data[(o * 2 + p) * 3 + q], expected[o], accuracy: 1e-5) }
        } }
        checkGradient(shape: [1, 3, 28, 28]) { $0.conv2d(weights, WindowGeometry(stride: 14)) }
    }

    // MARK: - Composition

    /// One pre-norm attention block, heads split by reshape and permute, checked end to end.
    func testAttentionBlockGradient() {
        var random = TestRandom(seed: 42)
        let (tokens, width, heads) = (5, 8, 2)
        let headWidth = width / heads
        let qkvWeight = random.values(3 * width * width, -0.4, 0.4), qkvBias = random.values(3 * width, -0.1, 0.1)
        let projWeight = random.values(width * width, -0.4, 0.4), projBias = random.values(width, -0.1, 0.1)
        let normWeight = random.values(width, 0.8, 1.2), normBias = random.values(width, -0.1, 0.1)
        let gamma = random.values(width, 0.1, 0.5)
        checkGradient(shape: [1, tokens, width], seed: 43) { x in
            let qkv = x.layerNorm(weight: normWeight, bias: normBias, eps: 1e-6)
                .linear(weight: qkvWeight, bias: qkvBias, outFeatures: 3 * width)
                .reshaped([1, tokens, 3, heads, headWidth]).permuted([2, 0, 3, 1, 4])
            func part(_ i: Int) -> Tensor { qkv.sliced(axis: 0, i ..< i + 1).reshaped([heads, tokens, headWidth]) }
            let attention = part(0).affine(scale: 1 / Float(headWidth).squareRoot(), shift: 0)
                .matmul(part(1), transposeB: true).softmaxLastAxis()
            let mixed = attention.matmul(part(2)).reshaped([1, heads, tokens, headWidth]).permuted([0, 2, 1, 3])
                .reshaped([1, tokens, width]).linear(weight: projWeight, bias: projBias, outFeatures: width)
            return x + mixed.scaledLastAxis(by: gamma)
        }
    }
}
