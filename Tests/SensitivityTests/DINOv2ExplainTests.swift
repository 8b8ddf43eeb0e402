import Autograd
import DINOv2
import Frechet
@testable import NumpyFiles
import Pixels
import _SeededWeights
import Sensitivity
import TestSupport
import XCTest

/// FD_DINOv2 contributions, sensitivity maps and pixel gradients against PyTorch
/// (Fixtures/dinov2/<stem>.dinov2-vits14.explain.npz: the image joins the generated set of
/// dinov2-vits14-stats.npz, seeded ViT-S/14 at full depth).
final class DINOv2ExplainTests: XCTestCase {
    static let explainer = DINOv2Explainer(
        model: DINOv2(weights: SeededDINOv2Weights.weights(DINOv2Architecture(size: .vits14, depth: 12), seed: 0)))
    static let contribution: FIDContribution = {
        try! lowRankContribution(Npz.read(contentsOf: Fixtures.url("dinov2/dinov2-vits14-stats.npz")))
    }()

    func check(_ stem: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = try Npz.read(contentsOf: Fixtures.url("dinov2/\(stem).dinov2-vits14.explain.npz"))
        let stats = try Npz.read(contentsOf: Fixtures.url("dinov2/dinov2-vits14-stats.npz"))
        let image = try ImageDecoder.decode(contentsOf: Fixtures.url("golden/images/\(stem).png"))
        let pixels = DINOv2Preprocessing.pixels01(of: image)
        let contribution = Self.contribution
        let routed = Self.explainer.explain(pixels01: pixels, pixelGradient: true) { contribution.evaluate(feature: $0) }
        XCTAssertEqual(routed.layer, "blocks.11.norm1", file: file, line: line)

        let fdBefore = golden["fd_before"]!.scalarDouble()!, fdAfter = golden["fd_after"]!.scalarDouble()!
        XCTAssertEqual(stats["fd"]!.scalarDouble()!, fdBefore, accuracy: 1e-9 * fdBefore, "the fixture's own FD")
        let beforeError = abs(routed.fdBefore - fdBefore) / abs(fdBefore)
        let afterError = abs(routed.contribution.fidAfter - fdAfter) / abs(fdAfter)
        let delta = fdAfter - fdBefore
        let deltaError = abs(routed.contribution.deltaFID - delta) / abs(delta)
        print("\(stem): fd_before relative error \(beforeError), fd_after \(afterError), ΔFD \(routed.contribution.deltaFID) "
              + "(golden \(delta), relative error \(deltaError))")
        XCTAssertLessThanOrEqual(beforeError, 1e-6, "\(stem) fd_before", file: file, line: line)
        XCTAssertLessThanOrEqual(afterError, 1e-6, "\(stem) fd_after", file: file, line: line)

        let reference = golden["sensitivity"]!
        XCTAssertEqual([routed.sensitivity.height, routed.sensitivity.width], reference.shape, file: file, line: line)
        let mapError = relativeError(routed.sensitivity.values, reference.doubles()!)
        print("\(stem) sensitivity at blocks.11.norm1: L-inf/max error \(mapError)")
        XCTAssertLessThanOrEqual(mapError, 1e-3, "\(stem) sensitivity", file: file, line: line)

        let gradient = try XCTUnwrap(routed.pixelGradient)
        let referenceGradient = golden["input_gradient"]!
        XCTAssertEqual(referenceGradient.shape, [3, 224, 224], file: file, line: line)
        let gradientError = relativeError(gradient, referenceGradient.floats()!)
        print("\(stem) input gradient: L-inf/max error \(gradientError)")
        XCTAssertLessThanOrEqual(gradientError, 1e-3, "\(stem) input gradient", file: file, line: line)

        // The map alone: the tape starts at norm1, and the map is the same.
        let mapOnly = Self.explainer.explain(pixels01: pixels) { contribution.evaluate(feature: $0) }
        XCTAssertNil(mapOnly.pixelGradient, file: file, line: line)
        XCTAssertLessThanOrEqual(relativeError(mapOnly.sensitivity.values, routed.sensitivity.values), 1e-6,
                                 "\(stem) map with the tape from norm1", file: file, line: line)
        XCTAssertEqual(mapOnly.contribution, routed.contribution, file: file, line: line)
    }

    func testAstronaut() throws { try check("astronaut") }
    func testChelseaCrop96() throws { try check("chelsea_crop96") }
}

/// Phase 2's DINOv2 maps from the tokens phase 1 kept: starting at the last block's input gives
/// the features, contribution and map a full pass gives, to the bit (the depth-2 ViT-S/14).
final class DINOv2LastBlockInputTests: XCTestCase {
    func testMapFromKeptTokensEqualsMapFromPixels() throws {
        let model = DINOv2(weights: SeededDINOv2Weights.weights(DINOv2Architecture(size: .vits14, depth: 2), seed: 0))
        let contribution = try lowRankContribution(Npz.read(contentsOf: Fixtures.url("dinov2/dinov2-vits14-stats.npz")))
        let pixels = try ["astronaut", "camera", "horse"].map {
            DINOv2Preprocessing.pixels01(of: try ImageDecoder.decode(contentsOf: Fixtures.url("golden/images/\($0).png")))
        }
        // As phase 1 runs: a batch split across workers, several images per pass.
        let batch = Tensor.concatenate(pixels, axis: 0)
        let kept = model.forwardInParallel(batch, keepingLastBlockInputs: true, workers: 2, imagesPerPass: 2)
        let tokens = try XCTUnwrap(kept.lastBlockInputs)
        XCTAssertEqual(tokens.shape, [3, 257, 384])
        XCTAssertEqual(kept.features.data, model.forwardInParallel(batch, workers: 2, imagesPerPass: 2).data,
                       "keeping the tokens changes no feature")
        let explainer = DINOv2Explainer(model: model)
        for (i, image) in pixels.enumerated() {
            // Phase 2 runs each image with single-threaded BLAS, as each of phase 1's workers does.
            let (full, fromTokens) = ComputeRuntime.withThreads(1) {
                (explainer.explain(pixels01: image) { contribution.evaluate(feature: $0) },
                 explainer.explain(lastBlockInput: tokens.sliced(axis: 0, i ..< i + 1)) { contribution.evaluate(feature: $0) })
            }
            XCTAssertEqual(fromTokens.layer, "blocks.1.norm1")
            XCTAssertEqual(fromTokens.features, full.features, "image \(i): features")
            XCTAssertEqual(fromTokens.features, Array(kept.features.data[i * 384 ..< (i + 1) * 384]), "image \(i): phase 1's")
            XCTAssertEqual(fromTokens.contribution, full.contribution, "image \(i): contribution")
            XCTAssertEqual([fromTokens.sensitivity.height, fromTokens.sensitivity.width], [16, 16])
            XCTAssertEqual(fromTokens.sensitivity.values, full.sensitivity.values, "image \(i): map")
            XCTAssertTrue(full.sensitivity.values.contains { $0 != 0 }, "image \(i): the map is not empty")
        }
    }
}
