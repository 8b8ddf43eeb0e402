import Autograd
import Foundation
import InceptionGraph
import Pixels
import NumpyFiles
import _SeededWeights
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
