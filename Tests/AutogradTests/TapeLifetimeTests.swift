import XCTest
import Autograd

/// A tape and everything it recorded are freed once the caller lets go of the tape: the tensors
/// it made must not keep it alive (each explained image records hundreds of MB).
final class TapeLifetimeTests: XCTestCase {
    func testTapeIsFreedAfterBackward() {
        weak var released: Tape?
        weak var activation: Tensor?
        var gradient: [Float]?
        do {
            let tape = Tape()
            released = tape
            let x = tape.watch(Tensor(shape: [2, 3], data: [1, -2, 3, -4, 5, -6]))
            let hidden = x.gelu()
            activation = hidden
            let y = hidden.softmaxLastAxis()
            tape.backward(from: y, seed: [1, 0, 0, 0, 0, 1])
            gradient = x.grad
        }
        XCTAssertNotNil(gradient)
        XCTAssertNil(released, "the tape outlived its last reference")
        XCTAssertNil(activation, "a recorded tensor outlived its tape")
    }

    /// A tensor kept past its tape keeps its values and gradient, and is a constant from then on.
    func testTensorKeptPastItsTapeIsAConstant() {
        var kept: Tensor?
        do {
            let tape = Tape()
            let x = tape.watch(Tensor(shape: [3], data: [1, 2, 3]))
            kept = x.affine(scale: 2, shift: 0)
            XCTAssertTrue(kept!.isTracked)
            tape.backward(from: kept!, seed: [1, 1, 1])
            XCTAssertEqual(x.grad, [2, 2, 2])
        }
        XCTAssertEqual(kept?.data, [2, 4, 6])
        XCTAssertEqual(kept?.isTracked, false)
        XCTAssertFalse(kept!.affine(scale: 1, shift: 1).isTracked)
    }
}
