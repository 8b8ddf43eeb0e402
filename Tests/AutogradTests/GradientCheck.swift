import XCTest
import Autograd
import SeededRandom

/// Deterministic pseudo-random values for tests (the package's `SplitMix64`), uniform in [lo, hi).
struct TestRandom {
    private var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func uniform(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(generator.uniform())
    }
    mutating func values(_ count: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0 ..< count).map { _ in uniform(lo, hi) }
    }
}

/// Checks an op's backward against central finite differences of L(x) = sum(op(x) * r).
///
/// The objective is accumulated in Double; `eps` is the Float perturbation. The analytic and
/// numeric gradients must agree within `atol + rtol * max|numeric|` at every element.
func checkGradient(shape: [Int], seed: UInt64 = 1, eps: Float = 1e-2, rtol: Float = 1e-2, atol: Float = 1e-3,
                   input: [Float]? = nil, file: StaticString = #filePath, line: UInt = #line,
                   _ op: (Tensor) -> Tensor) {
    var random = TestRandom(seed: seed)
    let x0 = input ?? random.values(shape.reduce(1, *))
    let probe = op(Tensor(shape: shape, data: x0))
    let r = random.values(probe.count)

    let tape = Tape()
    let x = tape.watch(Tensor(shape: shape, data: x0))
    let y = op(x)
    XCTAssertEqual(y.shape, probe.shape, "tracked and constant outputs differ in shape", file: file, line: line)
    XCTAssertEqual(y.data, probe.data, "tracked and constant outputs differ", file: file, line: line)
    tape.backward(from: y, seed: r)
    guard let analytic = x.grad else { return XCTFail("no gradient reached the input", file: file, line: line) }

    func objective(_ values: [Float]) -> Double {
        let out = op(Tensor(shape: shape, data: values)).data
        return zip(out, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    var numeric = [Float](repeating: 0, count: x0.count)
    var perturbed = x0
    for i in 0 ..< x0.count {
        perturbed[i] = x0[i] + eps
        let plus = objective(perturbed)
        perturbed[i] = x0[i] - eps
        let minus = objective(perturbed)
        perturbed[i] = x0[i]
        numeric[i] = Float((plus - minus) / (2 * Double(eps)))
    }
    let scale = numeric.map(abs).max() ?? 0
    var worst: Float = 0, worstIndex = 0
    for i in 0 ..< numeric.count where abs(analytic[i] - numeric[i]) > worst {
        worst = abs(analytic[i] - numeric[i]); worstIndex = i
    }
    XCTAssertLessThanOrEqual(worst, atol + rtol * scale,
                             "gradient mismatch at \(worstIndex): analytic \(analytic[worstIndex]) numeric \(numeric[worstIndex]) (max|numeric| \(scale))",
                             file: file, line: line)
}

// MARK: - Convolution routes

/// Each image of `batch` convolved alone gives the bits of its slice of the batched result.
func assertConvBatchedEqualsPerImage(_ batch: Tensor, _ weights: Conv2dWeights, _ geometry: WindowGeometry,
                                     file: StaticString = #filePath, line: UInt = #line) {
    let together = batch.conv2d(weights, geometry)
    for i in 0 ..< batch.shape[0] {
        let alone = batch.item(i).conv2d(weights, geometry)
        XCTAssertEqual(Array(together.data[i * alone.count ..< (i + 1) * alone.count]), alone.data,
                       "image \(i)", file: file, line: line)
    }
}

/// `conv2dReLU` on untracked `x` gives the bits of `conv2d` then `relu`, and the output has both
/// zeros and positive values (so that the ReLU was exercised).
func assertConvReLUIsConvThenReLU(_ x: Tensor, _ weights: Conv2dWeights, _ geometry: WindowGeometry, _ label: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
    let fused = x.conv2dReLU(weights, geometry), apart = x.conv2d(weights, geometry).relu()
    XCTAssertEqual(fused.shape, apart.shape, label, file: file, line: line)
    XCTAssertEqual(fused.data.map(\.bitPattern), apart.data.map(\.bitPattern), label, file: file, line: line)
    XCTAssertTrue(fused.data.contains(0) && fused.data.contains { $0 > 0 }, label, file: file, line: line)
}
