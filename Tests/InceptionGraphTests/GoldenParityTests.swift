import Autograd
import Foundation
import InceptionGraph
import NumpyFiles
import SeededWeights
import TestSupport
import XCTest

/// The network against PyTorch: golden outputs of pytorch-fid's InceptionV3 with seeded weights.
final class GoldenParityTests: XCTestCase {
    static let model = InceptionV3(weights: SeededWeights.inceptionWeights(seed: 0))
    static let stems = ["astronaut", "camera", "chelsea_crop96", "chessboard_RGB", "horse"]

    func golden(_ stem: String) throws -> [String: NpyArray] {
        try Npz.read(contentsOf: Fixtures.url("golden/\(stem).npz"))
    }

    func pixels(_ stem: String) throws -> Tensor {
        ImagePreprocessing.pixels01(of: try PNGDecoder.decode(contentsOf: Fixtures.url("golden/images/\(stem).png")))
    }

    func testPool3AndLogitsMatchPyTorchForEveryGoldenImage() throws {
        for stem in Self.stems {
            let reference = try golden(stem)
            let out = Self.model(try pixels(stem))
            XCTAssertEqual(out.pool3.shape, [1, 2048])
            XCTAssertEqual(out.logits.shape, [1, 1008])
            let pool3Error = relativeError(out.pool3.data, reference["pool3"]!.floats()!)
            let logitsError = relativeError(out.logits.data, reference["logits"]!.floats()!)
            XCTAssertLessThanOrEqual(pool3Error, 1e-4, "\(stem) pool3")
            XCTAssertLessThanOrEqual(logitsError, 1e-4, "\(stem) logits")
        }
    }

    func testIntermediateActivationsMatchPyTorch() throws {
        let reference = try golden("astronaut")
        let out = Self.model(try pixels("astronaut"), capture: [.mixed_6e, .mixed_7c])
        for (layer, key) in [(InceptionLayer.mixed_7c, "mixed_7c"), (.mixed_6e, "mixed_6e")] {
            let activation = try XCTUnwrap(out.activations[layer])
            XCTAssertEqual(activation.shape, [1] + reference[key]!.shape)
            XCTAssertLessThanOrEqual(relativeError(activation.data, reference[key]!.floats()!), 1e-4, key)
        }
    }

    /// Batching must not change results: the same images alone and together agree exactly
    /// up to float reassociation.
    func testBatchOfImagesEqualsImagesAlone() throws {
        let images = try ["horse", "camera", "chelsea_crop96"].map {
            ImagePreprocessing.resizedInput(of: try PNGDecoder.decode(contentsOf: Fixtures.url("golden/images/\($0).png")))
        }
        let together = Self.model(Tensor.stack(images)).pool3
        for (i, image) in images.enumerated() {
            let alone = Self.model(image).pool3.data
            XCTAssertLessThanOrEqual(relativeError(Array(together.data[i * 2048 ..< (i + 1) * 2048]), alone), 1e-6)
        }
    }

    /// The backward through the whole network, checked by central differences along random
    /// pixel directions: d/dt L(x + t v) at 0 must equal <dL/dx, v> for L = <pool3, r>.
    func testInputGradientMatchesDirectionalFiniteDifferences() throws {
        let x0 = try pixels("chelsea_crop96")
        var rng = SplitMix(seed: 3)
        let r = (0 ..< 2048).map { _ in Float(rng.unit() * 2 - 1) }
        func objective(_ x: Tensor) -> Double {
            zip(Self.model(x).pool3.data, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let tape = Tape()
        let x = tape.watch(x0)
        let out = Self.model(x)
        tape.backward(from: out.pool3, seed: r)
        let gradient = try XCTUnwrap(x.grad)
        for trial in 0 ..< 2 {
            let v = (0 ..< x0.count).map { _ in Float(rng.unit() * 2 - 1) }
            let eps: Float = 1e-3
            let plus = Tensor(shape: x0.shape, data: zip(x0.data, v).map { $0 + eps * $1 })
            let minus = Tensor(shape: x0.shape, data: zip(x0.data, v).map { $0 - eps * $1 })
            let numeric = (objective(plus) - objective(minus)) / (2 * Double(eps))
            let analytic = zip(gradient, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(analytic, numeric, accuracy: 2e-2 * abs(numeric), "direction \(trial)")
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}

extension GoldenParityTests {
    /// The multi-core batch path gives the serial path's results.
    func testParallelForwardEqualsSerialForward() throws {
        let images = try ["horse", "camera", "chelsea_crop96"].map {
            ImagePreprocessing.resizedInput(of: try PNGDecoder.decode(contentsOf: Fixtures.url("golden/images/\($0).png")))
        }
        let batch = Tensor.stack(images)
        let serial = Self.model(batch)
        let parallel = Self.model.forwardInParallel(batch, workers: 2)
        XCTAssertEqual(parallel.pool3.shape, [3, 2048])
        XCTAssertLessThanOrEqual(relativeError(parallel.pool3.data, serial.pool3.data), 1e-6)
        XCTAssertLessThanOrEqual(relativeError(parallel.logits.data, serial.logits.data), 1e-6)
    }
}
