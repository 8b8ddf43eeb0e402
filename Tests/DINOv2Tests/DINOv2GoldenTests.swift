import Autograd
import DINOv2
import Foundation
import NumpyFiles
import Pixels
import _SeededWeights
import TestSupport
import XCTest

/// DINOv2 ViT-S/14 with the seeded stand-in weights (seed 0, full depth, from the formula)
/// against PyTorch's hub code with dgm-eval's preprocessing in float64 (Fixtures/dinov2).
final class DINOv2GoldenTests: XCTestCase {
    static let stems = ["astronaut", "camera", "chelsea_crop96", "chessboard_RGB", "horse"]
    static let model = DINOv2(weights: SeededDINOv2Weights.weights(DINOv2Architecture(size: .vits14, depth: 12), seed: 0))

    static func golden(_ name: String) throws -> [String: NpyArray] {
        try Npz.read(contentsOf: Fixtures.url("dinov2/\(name).npz"))
    }

    static func image(_ stem: String) throws -> RGBImage {
        try ImageDecoder.decode(contentsOf: Fixtures.url("golden/images/\(stem).png"))
    }

    /// The bicubic resize of the 37 x 37 grid as PyTorch's float32 kernel computes it (its
    /// float32 source coordinates; coordinates in Double would be 4.8e-6 off).
    func testPositionEmbeddingsAt224() throws {
        let golden = try Self.golden("dinov2-vits14-pos_embed_224")["pos_embed"]!
        XCTAssertEqual(golden.shape, [257, 384])
        let error = relativeError(Self.model.weights.positionEmbeddingAt224, golden.floats()!)
        print("pos_embed at 224: L-inf/max error \(error)")
        XCTAssertLessThanOrEqual(error, 2e-6)
    }

    /// ToTensor and Normalize on PIL's resized pixels: the golden float32 input, bit for bit.
    func testPreprocessedInputEqualsTorchvision() throws {
        for stem in Self.stems {
            let golden = try Self.golden("\(stem).dinov2-vits14")["input"]!
            XCTAssertEqual(golden.shape, [3, 224, 224])
            let input = DINOv2Preprocessing.normalized(DINOv2Preprocessing.pixels01(of: try Self.image(stem)))
            XCTAssertEqual(input.shape, [1, 3, 224, 224])
            let expected = golden.floats()!
            let differing = zip(input.data, expected).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "\(stem): \(differing) input values differ from torchvision's")
        }
    }

    func testFeaturesAndLastNorm1AtFullDepth() throws {
        for stem in Self.stems {
            let golden = try Self.golden("\(stem).dinov2-vits14")
            let out = Self.model(DINOv2Preprocessing.pixels01(of: try Self.image(stem)), captureLastNorm1: true)
            XCTAssertEqual(out.features.shape, [1, 384])
            let error = relativeError(out.features.data, golden["features"]!.floats()!)
            print("\(stem) features (ViT-S/14, 12 blocks): L-inf/max error \(error)")
            XCTAssertLessThanOrEqual(error, 1e-4, stem)
            if let reference = golden["norm1_last"] {
                let norm1 = try XCTUnwrap(out.lastNorm1)
                XCTAssertEqual(norm1.shape, [1] + reference.shape)
                let error = relativeError(norm1.data, reference.floats()!)
                print("\(stem) blocks.11.norm1: L-inf/max error \(error)")
                XCTAssertLessThanOrEqual(error, 1e-4, stem)
            }
        }
        XCTAssertEqual(Self.model.architecture.lastNorm1Layer, "blocks.11.norm1")
    }

    /// Several images in one batch give each image's own features.
    func testBatchEqualsSingleImages() throws {
        let inputs = try ["astronaut", "chelsea_crop96"].map { DINOv2Preprocessing.pixels01(of: try Self.image($0)) }
        let batch = Self.model(Tensor.stack(inputs)).features
        for (i, input) in inputs.enumerated() {
            let alone = Self.model(input).features.data
            XCTAssertLessThanOrEqual(relativeError(Array(batch.data[i * 384 ..< (i + 1) * 384]), alone), 1e-6)
        }
    }
}

extension DINOv2GoldenTests {
    /// Threads split the batch and each image runs alone with single-threaded BLAS, so its
    /// features are bit for bit the same for any split (OpenBLAS's own threads round GEMMs
    /// differently, so the comparison is with single-threaded runs).
    func testParallelForwardEqualsEachImageAlone() throws {
        let inputs = try Self.stems.map { DINOv2Preprocessing.pixels01(of: try Self.image($0)) }
        let batch = Tensor.stack(inputs)
        let parallel = Self.model.forwardInParallel(batch, workers: 2)
        XCTAssertEqual(parallel.shape, [5, 384])
        XCTAssertEqual(Self.model.forwardInParallel(batch, workers: 3).data, parallel.data, "another split")
        for (i, input) in inputs.enumerated() {
            let alone = ComputeRuntime.withThreads(1) { Self.model(input).features.data }
            XCTAssertEqual(Array(parallel.data[i * 384 ..< (i + 1) * 384]), alone, Self.stems[i])
        }
    }
}
