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
