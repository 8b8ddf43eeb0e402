import XCTest
@testable import Autograd

/// `Tensor64` ops against the float32 ops, and replaying float64 routing on a tape.
final class RoutingTests: XCTestCase {
    private func wide(_ t: Tensor, routing: Routing? = nil) -> Tensor64 {
        Tensor64(shape: t.shape, data: t.data.map(Double.init), routing: routing)
    }

    /// max |a - b| / max(1, max |b|).
    private func error(_ a: Tensor64, _ b: Tensor, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, name, file: file, line: line)
        let scale = max(1, b.data.map { abs(Double($0)) }.max() ?? 0)
        let worst = zip(a.data, b.data).map { abs($0 - Double($1)) }.max() ?? 0
        XCTAssertLessThan(worst / scale, 1e-5, name, file: file, line: line)
    }

    // MARK: - Tensor64 ops

    func testTensor64OpsMatchFloatOps() {
        var random = TestRandom(seed: 21)
        let x = Tensor(shape: [2, 3, 9, 8], data: random.values(2 * 3 * 9 * 8))
        let x64 = wide(x)
        let geometry = WindowGeometry(strideH: 2, strideW: 1, padTop: 1, padBottom: 0, padLeft: 0, padRight: 1)
        let same = WindowGeometry(stride: 1, padH: 1, padW: 1)
        for (kh, kw, g) in [(3, 2, geometry), (1, 1, WindowGeometry()), (1, 7, WindowGeometry(stride: 1, padH: 0, padW: 3))] {
            let weight = random.values(4 * 3 * kh * kw), bias = random.values(4)
            let w32 = Conv2dWeights(outChannels: 4, inChannels: 3, kernelH: kh, kernelW: kw, weight: weight, bias: bias)
            let w64 = Conv2dWeights64(outChannels: 4, inChannels: 3, kernelH: kh, kernelW: kw,
                                      weight: weight.map(Double.init), bias: bias.map(Double.init))
            error(x64.conv2d(w64, g), x.conv2d(w32, g), "conv2d \(kh)x\(kw)")
        }
        error(x64.relu(), x.relu(), "relu")
        error(x64.affine(scale: 2, shift: -1), x.affine(scale: 2, shift: -1), "affine")
        error(x64.maxPool2d(kernel: 3, WindowGeometry(stride: 2)), x.maxPool2d(kernel: 3, WindowGeometry(stride: 2)), "max pool s2")
        error(x64.maxPool2d(kernel: 3, same), x.maxPool2d(kernel: 3, same), "max pool same")
        error(x64.avgPool2dExcludingPad(kernel: 3, same), x.avgPool2dExcludingPad(kernel: 3, same), "avg pool")
        error(x64.globalMeanPool(), x.globalMeanPool(), "global mean")
        error(x64.resizeBilinear(height: 13, width: 5), x.resizeBilinear(height: 13, width: 5), "resize")
        error(Tensor64.concatChannels([x64, x64.relu()]), Tensor.concatChannels([x, x.relu()]), "concat")
        let features = x.globalMeanPool(), weight = random.values(5 * 3), bias = random.values(5)
        error(wide(features).linear(weight: weight.map(Double.init), bias: bias.map(Double.init), outFeatures: 5),
              features.linear(weight: weight, bias: bias, outFeatures: 5), "linear")
    }

    func testTensor64LogsReluMasksAndArgmaxInCallOrder() {
        let routing = Routing()
        let x = Tensor64(shape: [1, 1, 2, 2], data: [-1, 3, 0, 3], routing: routing)
        let pooled = x.relu().maxPool2d(kernel: 2, WindowGeometry())
        XCTAssertEqual(pooled.data, [3])
        // ties go to the first maximum (index 1, not 3)
        XCTAssertEqual(routing.decisions, [.relu(mask: [false, true, false, true]), .maxPool(argmax: [1])])
    }

    /// Candidates within float64 rounding of each other tie: the first wins, as where PyTorch's
    /// values tie exactly; a real difference still wins.
    func testTensor64MaxPoolTreatsRoundingLevelDifferencesAsTies() {
        let routing = Routing()
        let nearTie = 0.3 * (1 + 4e-16), real = 0.3 * (1 + 1e-9)
        XCTAssertGreaterThan(nearTie, 0.3)
        _ = Tensor64(shape: [1, 2, 2, 2], data: [0.3, nearTie, 0.1, 0.1, 0.3, real, 0.1, 0.1], routing: routing)
            .maxPool2d(kernel: 2, WindowGeometry())
        XCTAssertEqual(routing.decisions, [.maxPool(argmax: [0, 1])])
    }

    /// Ties, NaN, -infinity and +infinity windows, and a 1-ulp float32 difference: float32 and
    /// float64 max pools pick the same cells (Float through its gradient, Double in its log).
    func testMaxPoolRuleIsTheSameForFloatAndDouble() {
        let ulp = Float(0.3).nextUp
        let values: [Float] = [1, 1, 3, .nan, -.infinity, -.infinity, .infinity, .infinity, 0.3, ulp,
                               1, 0, 9, 2, -.infinity, -.infinity, 1, 2, 0, 0]
        let expected: [Int32] = [0, 3, 4, 6, 9]
        let tape = Tape()
        let x = tape.watch(Tensor(shape: [1, 1, 2, 10], data: values))
        let pooled = x.maxPool2d(kernel: 2, WindowGeometry(stride: 2))
        tape.backward(from: pooled, seed: [1, 2, 3, 4, 5])
        var routedTo = [Float](repeating: 0, count: values.count)
        for (k, index) in expected.enumerated() { routedTo[Int(index)] = Float(k + 1) }
        XCTAssertEqual(x.grad, routedTo)

        let routing = Routing()
        let pooled64 = wide(x, routing: routing).maxPool2d(kernel: 2, WindowGeometry(stride: 2))
        XCTAssertEqual(routing.decisions, [.maxPool(argmax: expected)])
        for (a, b) in zip(pooled.data, pooled64.data) {
            XCTAssertTrue(a.isNaN ? b.isNaN : Double(a) == b, "float32 \(a), float64 \(b)")
        }
        XCTAssertEqual(pooled.data[2], -.infinity)
        XCTAssertEqual(pooled.data[4], ulp)
    }

    // MARK: - Replay on a tape

    /// relu -> max pool -> relu on a random input: no near-ties, so the replayed float32 pass
    /// equals the plain one, value and gradient.
    func testReplayWithoutNearTiesChangesNothing() {
        var random = TestRandom(seed: 4)
        let x = Tensor(shape: [1, 2, 6, 6], data: random.values(72))
        func run(_ tape: Tape) -> (value: [Float], grad: [Float]) {
            let input = tape.watch(x)
            let y = input.relu().maxPool2d(kernel: 3, WindowGeometry(stride: 2)).affine(scale: 1, shift: -0.2).relu()
            tape.backward(from: y, seed: (0 ..< y.count).map { Float($0 + 1) })
            return (y.data, input.grad!)
        }
        let routing = Routing()
        _ = wide(x, routing: routing).relu().maxPool2d(kernel: 3, WindowGeometry(stride: 2))
            .affine(scale: 1, shift: -0.2).relu()
        XCTAssertEqual(routing.decisions.count, 3)
        let plain = run(Tape()), replayed = run(Tape(replaying: routing))
        XCTAssertEqual(replayed.value, plain.value)
        XCTAssertEqual(replayed.grad, plain.grad)
    }

    /// A recorded decision wins over what float32 would choose: the ReLU passes a value float32
    /// sees as negative, and the max pool takes the recorded (second) cell of a tie.
    func testReplayForcesRecordedChoiceOnNearTie() {
        let x = Tensor(shape: [1, 1, 1, 2], data: [-1e-9, 0.5])
        let routing = Routing(decisions: [.relu(mask: [true, true]), .maxPool(argmax: [0, 1])])
        let tape = Tape(replaying: routing)
        let input = tape.watch(x)
        let y = input.relu().maxPool2d(kernel: 1, WindowGeometry()).affine(scale: 1, shift: 0)
        tape.backward(from: y, seed: [1, 1])
        XCTAssertEqual(input.grad, [1, 1])
        XCTAssertEqual(y.data, [-1e-9, 0.5])

        let tie = Tensor(shape: [1, 1, 2, 2], data: [2, 2, 0, 0])
        let tieTape = Tape(replaying: Routing(decisions: [.maxPool(argmax: [1])]))
        let tieInput = tieTape.watch(tie)
        let pooled = tieInput.maxPool2d(kernel: 2, WindowGeometry(stride: 1, padH: 0, padW: 0))
        XCTAssertEqual(pooled.shape, [1, 1, 1, 1])
        tieTape.backward(from: pooled, seed: [1])
        XCTAssertEqual(tieInput.grad, [0, 1, 0, 0], "the recorded argmax (second cell) gets the gradient")
        let plainTape = Tape(), plainInput = plainTape.watch(tie)
        let plainPooled = plainInput.maxPool2d(kernel: 2, WindowGeometry(stride: 1, padH: 0, padW: 0))
        plainTape.backward(from: plainPooled, seed: [1])
        XCTAssertEqual(plainInput.grad, [1, 0, 0, 0], "without replay the first maximum wins")
    }

    /// Constants on a replaying tape take no decisions: only tracked ops consume the log.
    func testUntrackedOpsDoNotConsumeRouting() {
        let tape = Tape(replaying: Routing(decisions: [.relu(mask: [true])]))
        let constant = Tensor(shape: [1], data: [-2])
        XCTAssertEqual(constant.relu().data, [0])
        let tracked = tape.watch(constant).relu()
        XCTAssertEqual(tracked.data, [-2])
    }
}
