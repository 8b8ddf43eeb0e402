import DINOv2
import Foundation
import NumpyFiles
import _SeededWeights
import TestCheckpoints
import TestSupport
import TorchCheckpoint
import XCTest

/// Loading DINOv2 state dicts through the real `.pth` reader: the seeded depth-2 ViT-S/14 file
/// against the formula and the goldens, and files that are not DINOv2 ViT/14, each refused with
/// its exact one-line message.
final class DINOv2WeightsTests: XCTestCase {
    static let depth2 = DINOv2Architecture(size: .vits14, depth: 2)

    /// `torch.save(model.state_dict())` of the seeded depth-2 ViT-S/14, in the team's reference
    /// bundle beside the repository (17 MB, so not copied into Fixtures).
    /// The reference bundle's depth-2 file, as torch.save wrote it (copied unchanged).
    static let referenceFile = Fixtures.url("dinov2/seeded-0-vits14-depth2.pth")

    private var temporary: URL!

    override func setUpWithError() throws {
        temporary = FileManager.default.temporaryDirectory.appendingPathComponent("dinov2-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporary)
    }

    /// Writes `parameters` as a zip-layout `.pth` (linear weights stored transposed, conv weights
    /// HWIO, as `SeededCheckpointWriter` lays them out) and returns its URL.
    private func write(_ parameters: [String: NamedParameter], _ name: String) throws -> URL {
        let url = temporary.appendingPathComponent(name)
        try SeededCheckpointWriter.checkpoint(parameters: parameters, format: .zip).write(to: url)
        return url
    }

    // MARK: - The seeded depth-2 file

    /// The depth-2 goldens (features, last norm1, position embeddings) from weights read off `url`.
    private func checkDepth2Goldens(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let weights = try DINOv2Weights(contentsOf: url)
        XCTAssertEqual(weights.architecture, Self.depth2, file: file, line: line)
        XCTAssertEqual(weights.architecture.lastNorm1Layer, "blocks.1.norm1", file: file, line: line)
        let positions = try DINOv2GoldenTests.golden("dinov2-vits14-depth2-pos_embed_224")["pos_embed"]!
        XCTAssertLessThanOrEqual(relativeError(weights.positionEmbeddingAt224, positions.floats()!), 2e-6, file: file, line: line)
        let model = DINOv2(weights: weights)
        for stem in ["astronaut", "camera"] {
            let golden = try DINOv2GoldenTests.golden("\(stem).dinov2-vits14-depth2")
            let out = model(DINOv2Preprocessing.pixels01(of: try DINOv2GoldenTests.image(stem)), captureLastNorm1: true)
            let error = relativeError(out.features.data, golden["features"]!.floats()!)
            print("\(stem) features (ViT-S/14, 2 blocks, \(url.lastPathComponent)): L-inf/max error \(error)")
            XCTAssertLessThanOrEqual(error, 1e-4, stem, file: file, line: line)
            if let reference = golden["norm1_last"] {
                let error = relativeError(try XCTUnwrap(out.lastNorm1).data, reference.floats()!)
                print("\(stem) blocks.1.norm1 (\(url.lastPathComponent)): L-inf/max error \(error)")
                XCTAssertLessThanOrEqual(error, 1e-4, stem, file: file, line: line)
            }
        }
    }

    /// The formula's depth-2 weights written in torch.save's zip layout, read back by the loader.
    func testDepth2GoldensThroughTheLoader() throws {
        let url = try write(SeededDINOv2Weights.parameters(Self.depth2, seed: 0), "seeded-0-vits14-depth2.pth")
        try checkDepth2Goldens(url)
    }

    /// The reference bundle's file, written by torch.save itself (an OrderedDict with metadata).
    func testReferenceFileEqualsTheFormulaAndTheGoldens() throws {
        let url = Self.referenceFile
        let tensors = try TorchCheckpoint.load(contentsOf: url)
        let expected = Self.depth2.parameterShapes
        XCTAssertEqual(Set(tensors.keys), Set(expected.map(\.key)))
        for (key, shape) in expected {
            let tensor = try XCTUnwrap(tensors[key], key)
            XCTAssertEqual(tensor.shape, shape, key)
            XCTAssertEqual(tensor.values, .float32(SeededDINOv2Weights.values(key: key, shape: shape, seed: 0)), key)
        }
        try checkDepth2Goldens(url)
    }

    // MARK: - Files that are not DINOv2 ViT/14

    private func assertRefused(_ url: URL, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DINOv2Weights(contentsOf: url), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    private func assertRefused(_ parameters: [String: NamedParameter], _ message: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DINOv2Weights(parameters: parameters, source: "w.pth"), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    private static let advice = "use dinov2_vits14_pretrain.pth, dinov2_vitb14_pretrain.pth or "
        + "dinov2_vitl14_pretrain.pth from facebookresearch/dinov2"

    func testTruncatedFileIsRefused() throws {
        let whole = SeededCheckpointWriter.checkpoint(parameters: SeededDINOv2Weights.parameters(Self.depth2, seed: 0),
                                                      format: .zip)
        let url = temporary.appendingPathComponent("truncated.pth")
        try whole.prefix(whole.count / 2).write(to: url)
        assertRefused(url, "\(url.path), byte offset \(whole.count / 2): the zip archive has no end-of-central-directory "
                      + "record; the file is truncated, download it again")
    }

    func testInceptionFileIsRefused() throws {
        let url = try write(SeededWeights.parameters(seed: 0), "pt_inception.pth")
        assertRefused(url, "\(url.path): not a DINOv2 ViT/14 state dict: missing key 'cls_token'; this looks like the "
                      + "FID Inception-v3 weights; \(Self.advice)")
    }

    func testFileWithAKeyMissingIsRefused() throws {
        var parameters = SeededDINOv2Weights.parameters(Self.depth2, seed: 0)
        parameters["blocks.1.attn.proj.bias"] = nil
        let url = try write(parameters, "missing.pth")
        assertRefused(url, "\(url.path): not a DINOv2 ViT/14 state dict: missing key 'blocks.1.attn.proj.bias'; \(Self.advice)")
    }

    func testRegisterTokensSwiGLUAndOtherSizesAreRefused() {
        let base = SeededDINOv2Weights.parameters(DINOv2Architecture(size: .vits14, depth: 1), seed: 0)
        var registers = base
        registers["register_tokens"] = NamedParameter(shape: [1, 4, 384], values: [Float](repeating: 0, count: 1536))
        assertRefused(registers, "w.pth: not a DINOv2 ViT-S/14 state dict as fidviz reads it: unexpected key "
                      + "'register_tokens' (register tokens and SwiGLU MLPs are not supported); \(Self.advice)")

        var swiGLU = base
        for suffix in ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"] { swiGLU["blocks.0.mlp.\(suffix)"] = nil }
        swiGLU["blocks.0.mlp.w12.weight"] = NamedParameter(shape: [2, 384], values: [Float](repeating: 0, count: 768))
        assertRefused(swiGLU, "w.pth: not a DINOv2 ViT/14 state dict: missing key 'blocks.0.mlp.fc1.weight' (and 3 more); "
                      + Self.advice)

        var giant = base
        giant["cls_token"] = NamedParameter(shape: [1, 1, 1536], values: [Float](repeating: 0, count: 1536))
        assertRefused(giant, "w.pth: 'cls_token' has width 1536; fidviz runs DINOv2 ViT-S/14 (384), ViT-B/14 (768) and "
                      + "ViT-L/14 (1024)")

        var wrongShape = base
        wrongShape["blocks.0.ls1.gamma"] = NamedParameter(shape: [383], values: [Float](repeating: 0, count: 383))
        assertRefused(wrongShape, "w.pth: 'blocks.0.ls1.gamma' has shape [383], DINOv2 needs [384] (ViT-S/14)")

        var gap = SeededDINOv2Weights.parameters(Self.depth2, seed: 0)
        for key in gap.keys where key.hasPrefix("blocks.0.") { gap[key] = nil }
        assertRefused(gap, "w.pth: not a DINOv2 ViT/14 state dict: missing key 'blocks.0.norm1.weight'; \(Self.advice)")

        var noBlocks = base
        for key in noBlocks.keys where key.hasPrefix("blocks.") { noBlocks[key] = nil }
        assertRefused(noBlocks, "w.pth: not a DINOv2 ViT/14 state dict: missing key 'blocks.0.norm1.weight'; \(Self.advice)")
    }

    func testSizesAndDepthAreReadOffTheShapes() throws {
        for size in DINOv2Size.allCases {
            let architecture = DINOv2Architecture(size: size, depth: 1)
            let shapes = Dictionary(uniqueKeysWithValues: architecture.parameterShapes.map { ($0.key, $0.shape) })
            XCTAssertEqual(try DINOv2Architecture(inferringFrom: shapes, source: "s"), architecture)
        }
        XCTAssertEqual(DINOv2Size.vitl14.heads, 16)
        XCTAssertEqual(DINOv2Size.vitb14.heads, 12)
        XCTAssertEqual(DINOv2Size.vits14.heads, 6)
        XCTAssertEqual(DINOv2Architecture(size: .vitl14, depth: 24).lastNorm1Layer, "blocks.23.norm1")
        XCTAssertEqual(DINOv2Architecture(size: .vits14, depth: 12).parameterShapes.count, 5 + 12 * 14 + 2)
    }
}
