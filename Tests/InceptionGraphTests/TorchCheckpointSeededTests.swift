import Foundation
import TestCheckpoints
import XCTest
@testable import InceptionGraph
@testable import TorchCheckpoint

/// The reader on seeded-0-legacy.pth: 95 MB written exactly like the real pytorch-fid weights
/// (legacy layout, sorted plain dict, HWIO conv storages viewed as OIHW, fc.weight transposed).
/// The file is not in the repository: the test writes it from the formula with the storage keys
/// torch.save gave it, checks that the bytes are torch.save's (the fingerprints in
/// Tests/Fixtures/pth/seeded-0-legacy.json), and reads that. When the file itself is on this
/// machine ($FIDVIZ_SEEDED_PTH, or ../shared/reference), it is read as well.
final class TorchCheckpointSeededTests: XCTestCase {
    func testSeededFullSizeFileLoadsWithTheRealLayout() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("TorchCheckpointSeededTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let written = folder.appendingPathComponent("seeded-0-legacy.pth")
        try SeededLegacyReference.load().writeCheckpoint(to: written)
        try checkLoadsWithTheRealLayout(written)
        if let shared = SeededLegacyReference.sharedFile {
            try checkLoadsWithTheRealLayout(shared)
        }
    }

    private func checkLoadsWithTheRealLayout(_ url: URL) throws {
        let start = Date()
        let tensors = try TorchCheckpoint.load(contentsOf: url)
        let seconds = Date().timeIntervalSince(start)
        print("loaded \(url.path): \(tensors.count) tensors in \(String(format: "%.3f", seconds)) s")
        #if !DEBUG
        XCTAssertLessThan(seconds, 1.0, "a release build must load the 95 MB weights well under a second")
        #endif

        XCTAssertEqual(tensors.count, 566)
        XCTAssertEqual(tensors["fc.weight"]?.shape, [1008, 2048])
        XCTAssertEqual(tensors["fc.bias"]?.shape, [1008])
        XCTAssertEqual(tensors["Conv2d_1a_3x3.conv.weight"]?.shape, [32, 3, 3, 3])
        let counters = tensors.filter { $0.key.hasSuffix("num_batches_tracked") }
        XCTAssertEqual(counters.count, 94)
        for (key, counter) in counters {
            XCTAssertEqual(counter, CheckpointTensor(shape: [], values: .int64([0])), key)
        }
        // No storage is shared, so the values and their count headers fill the file after its
        // 86,067 bytes of pickles.
        let valueBytes = tensors.values.reduce(0) { $0 + $1.values.count * ($1.values.dtype == "int64" ? 8 : 4) }
        XCTAssertEqual(valueBytes + 566 * 8, 95_632_915 - 86_067)

        // The transposed and permuted views, every element, against the generating formula.
        for key in ["fc.weight", "Conv2d_1a_3x3.conv.weight", "Mixed_7c.branch3x3_2a.conv.weight"] {
            let tensor = try XCTUnwrap(tensors[key], key)
            XCTAssertEqual(tensor.floatValues, (0 ..< tensor.values.count).map {
                SeededFormula.value(key: key, shape: tensor.shape, index: $0)
            }, key)
        }
        // Every other float tensor at a sparse sample of elements.
        for (key, tensor) in tensors where !key.hasSuffix("num_batches_tracked") {
            guard case .float32(let values) = tensor.values else { return XCTFail("\(key) is not float32") }
            for index in stride(from: 0, to: values.count, by: 997) + [values.count - 1] {
                XCTAssertEqual(values[index], SeededFormula.value(key: key, shape: tensor.shape, index: index),
                               "\(key)[\(index)]")
            }
        }
    }
}

/// seeded_weights.py's formula for seed 0 (see /work/shared/reference/seeded_weights.py):
/// z = splitmix64(fnv1a64(key) + i), u = (z >> 40) / 2^24, value = float32(round(rule(u) * 4096) / 4096).
private enum SeededFormula {
    static func value(key: String, shape: [Int], index: Int) -> Float {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        var z = hash &+ UInt64(index) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = Double(z >> 40) / Double(1 << 24)
        let raw: Double
        if key.hasSuffix("conv.weight") {
            raw = (2 * u - 1) * (6.0 / Double(shape[1] * shape[2] * shape[3])).squareRoot()
        } else if key.hasSuffix("bn.weight") {
            raw = 0.9 + 0.2 * u
        } else if key.hasSuffix("bn.bias") || key.hasSuffix("bn.running_mean") {
            raw = 0.2 * (u - 0.5)
        } else if key.hasSuffix("bn.running_var") {
            raw = 0.5 + u
        } else if key == "fc.weight" {
            raw = (2 * u - 1) * (3.0 / 2048).squareRoot()
        } else {
            raw = 0.02 * (u - 0.5)
        }
        return Float((raw * 4096 + 0.5).rounded(.down) / 4096)
    }
}
