import Foundation
import InceptionGraph
import _SeededWeights
import TestCheckpoints
import XCTest
import TorchCheckpoint

final class SeededWeightsTests: XCTestCase {
    /// Values printed by the team's Python reference generator (seeded_weights.py, seed 0).
    func testFormulaMatchesReferenceGenerator() {
        XCTAssertEqual(Array(SeededWeights.values(key: "Mixed_5b.branch1x1.conv.weight", shape: [64, 192, 1, 1], seed: 0).prefix(5)),
                       [187, 13, -566, -172, 651].map { Float($0) / 4096 })
        XCTAssertEqual(Array(SeededWeights.values(key: "fc.bias", shape: [1008], seed: 0).prefix(5)),
                       [-2, -22, 0, -21, -17].map { Float($0) / 4096 })
    }

    func testParameterTableHasTheRealFilesKeys() {
        let shapes = InceptionArchitecture.parameterShapes
        XCTAssertEqual(shapes.count, 566)
        XCTAssertEqual(InceptionArchitecture.convs.count, 94)
        XCTAssertEqual(shapes.first { $0.key == "Conv2d_1a_3x3.conv.weight" }?.shape, [32, 3, 3, 3])
        XCTAssertEqual(shapes.first { $0.key == "Mixed_7c.branch3x3dbl_1.conv.weight" }?.shape, [448, 2048, 1, 1])
        XCTAssertEqual(shapes.first { $0.key == "fc.weight" }?.shape, [1008, 2048])
        XCTAssertEqual(shapes.map(\.key), shapes.map(\.key).sorted())
    }

    func testStrictCheckNamesTheOffendingKey() {
        var parameters = SeededWeights.parameters(seed: 0)
        parameters["Mixed_6e.branch_pool.bn.bias"] = nil
        XCTAssertThrowsError(try InceptionWeights(parameters: parameters, source: "x.pth")) { error in
            XCTAssertEqual("\(error)", "x.pth: not the FID Inception-v3 weights: missing key 'Mixed_6e.branch_pool.bn.bias'; use pytorch-fid's pt_inception-2015-12-05-6726825d.pth")
        }
        parameters = SeededWeights.parameters(seed: 0)
        parameters["AuxLogits.fc.weight"] = NamedParameter(shape: [1], values: [0])
        XCTAssertThrowsError(try InceptionWeights(parameters: parameters, source: "x.pth")) { error in
            XCTAssertTrue("\(error)".contains("unexpected key 'AuxLogits.fc.weight'"), "\(error)")
        }
        parameters = SeededWeights.parameters(seed: 0)
        parameters["fc.weight"] = NamedParameter(shape: [1000, 2048], values: [Float](repeating: 0, count: 1000 * 2048))
        XCTAssertThrowsError(try InceptionWeights(parameters: parameters, source: "x.pth")) { error in
            XCTAssertEqual("\(error)", "x.pth: 'fc.weight' has shape [1000, 2048], the FID Inception-v3 needs [1008, 2048]")
        }
    }

    /// seeded-0-legacy.pth, the full-size file torch.save wrote from seeded_weights.py and laid out
    /// like the real weights, decodes to exactly this formula's values. The test writes the file
    /// from the formula with torch.save's storage keys, checks it is torch.save's file byte for
    /// byte (the fingerprints in Tests/Fixtures/pth/seeded-0-legacy.json), and reads it through the
    /// real loader; the file itself is read too when it is on this machine.
    func testFullSizeLegacyCheckpointEqualsFormula() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("SeededWeightsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let written = folder.appendingPathComponent("seeded-0-legacy.pth")
        try SeededLegacyReference.load().writeCheckpoint(to: written)
        let formula = SeededWeights.parameters(seed: 0)
        for url in [written] + (SeededLegacyReference.sharedFile.map { [$0] } ?? []) {
            let loaded = try TorchCheckpoint.load(contentsOf: url)
            XCTAssertEqual(Set(loaded.keys), Set(formula.keys), url.path)
            for (key, expected) in formula {
                XCTAssertEqual(loaded[key]?.shape, expected.shape, "\(url.path): \(key)")
                XCTAssertEqual(loaded[key]?.floatValues, expected.values, "\(url.path): \(key)")
            }
        }
    }
}
