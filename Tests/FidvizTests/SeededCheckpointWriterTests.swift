import Foundation
import _SeededWeights
import TestCheckpoints
import XCTest
@testable import InceptionGraph
@testable import TorchCheckpoint

/// The seeded .pth files the command-line tests run on: both layouts load through the real
/// loader with every value equal to the formula, and the legacy one is laid out byte for byte
/// like the team's reference file (written by torch.save).
final class SeededCheckpointWriterTests: XCTestCase {
    // MARK: - Both layouts load, every value from the formula

    func testBothLayoutsLoadWithEveryValueFromTheFormula() throws {
        let shapes = InceptionArchitecture.parameterShapes
        for format in SeededCheckpointWriter.Format.allCases {
            let tensors = try TorchCheckpoint.load(contentsOf: try TestRun.seededCheckpoint(format))
            XCTAssertEqual(tensors.count, 566, "\(format)")
            XCTAssertEqual(Set(tensors.keys), Set(shapes.map(\.key)), "\(format)")
            for (key, shape) in shapes {
                let tensor = try XCTUnwrap(tensors[key], "\(format) \(key)")
                XCTAssertEqual(tensor.shape, shape, "\(format) \(key)")
                if key.hasSuffix("num_batches_tracked") {
                    XCTAssertEqual(tensor.values, .int64([0]), "\(format) \(key)")
                } else {
                    guard case .float32(let values) = tensor.values else {
                        XCTFail("\(format) \(key) is \(tensor.values.dtype)")
                        continue
                    }
                    // Exact equality: any permutation slip would move values.
                    XCTAssertTrue(values == SeededWeights.values(key: key, shape: shape, seed: 0), "\(format) \(key)")
                }
            }
        }
    }

    func testBothLayoutsMakeInceptionWeights() throws {
        for format in SeededCheckpointWriter.Format.allCases {
            XCTAssertNoThrow(try InceptionWeights(contentsOf: try TestRun.seededCheckpoint(format)), "\(format)")
        }
    }

    /// The views are the real file's: HWIO conv storages seen as OIHW, fc.weight transposed,
    /// 0-d int64 counters, plain dict in sorted key order.
    func testLegacyLayoutHasTheRealFilesStrides() throws {
        let data = try Data(contentsOf: try TestRun.seededCheckpoint(.legacy))
        let entries = try data.withUnsafeBytes { bytes in
            try TorchCheckpoint.stateDictEntries(TorchCheckpoint.unpickle(bytes, at: 137,
                                                                          resolver: StateDictResolver()).value)
        }
        XCTAssertEqual(entries.map(\.key), InceptionArchitecture.parameterShapes.map(\.key).sorted())
        let views = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.tensor) })
        XCTAssertEqual(views["Conv2d_1a_3x3.conv.weight"]?.strides, [1, 32, 288, 96])
        XCTAssertEqual(views["Mixed_7c.branch3x3_2a.conv.weight"]?.strides, [1, 384, 384 * 384 * 3, 384 * 384])
        XCTAssertEqual(views["fc.weight"]?.strides, [1, 1008])
        XCTAssertEqual(views["fc.bias"]?.strides, [1])
        XCTAssertEqual(views["Conv2d_1a_3x3.bn.num_batches_tracked"]?.storage.scalarType, .int64)
        XCTAssertEqual(views["Conv2d_1a_3x3.bn.num_batches_tracked"]?.shape, [])
        XCTAssertEqual(data.count, 95_632_915, "the reference file's size")
    }

    // MARK: - Against torch.save's own file

    /// Written with the reference file's storage keys (memory addresses in the process that saved
    /// it), our legacy layout must reproduce torch.save's bytes exactly: the size, the pickles,
    /// every storage and the whole file match the fingerprints recorded from seeded-0-legacy.pth
    /// (Tests/Fixtures/pth/seeded-0-legacy.json). When the 95 MB file itself is on this machine,
    /// the bytes are compared too, and a mismatch names the first differing byte.
    func testLegacyLayoutIsByteIdenticalToTorchSave() throws {
        let reference = try SeededLegacyReference.load()
        let written = reference.checkpoint()
        XCTAssertEqual(written.count, 95_632_915, "the reference file's size")
        XCTAssertEqual(reference.differences(written), [], "parts that differ from torch.save's file")

        guard let shared = SeededLegacyReference.sharedFile else { return }
        let expected = try Data(contentsOf: shared)
        XCTAssertEqual(reference.differences(expected), [], "\(shared.path) against its record in the fixture")
        guard written != expected else { return }
        let common = min(written.count, expected.count)
        let first = written.withUnsafeBytes { (ours: UnsafeRawBufferPointer) in
            expected.withUnsafeBytes { (theirs: UnsafeRawBufferPointer) in
                (0 ..< common).first { ours[$0] != theirs[$0] } ?? common
            }
        }
        let around = max(0, first - 16) ..< min(common, first + 16)
        XCTFail("first difference from \(shared.path) at byte \(first): ours \(hex(written[around])), "
            + "torch.save's \(hex(expected[around])) (bytes \(around))")
    }

    // MARK: - The building blocks

    func testPythonIntegerOpcodes() {
        func encoded(_ value: Int) -> [UInt8] {
            var pickle = PickleWriter()
            pickle.pythonInt(value)
            return Array(pickle.bytes.dropFirst(2))
        }
        XCTAssertEqual(encoded(255), [0x4b, 0xff])
        XCTAssertEqual(encoded(1001), [0x4d, 0xe9, 0x03])
        XCTAssertEqual(encoded(65_536), [0x4a, 0x00, 0x00, 0x01, 0x00])
        XCTAssertEqual(encoded(2_064_384), [0x4a, 0x00, 0x80, 0x1f, 0x00])
        XCTAssertEqual(encoded(-1), [0x4a, 0xff, 0xff, 0xff, 0xff])
        XCTAssertEqual(encoded(1 << 31), [0x8a, 5, 0x00, 0x00, 0x00, 0x80, 0x00])
        XCTAssertEqual(encoded(1 << 40), [0x8a, 6, 0, 0, 0, 0, 0, 0x01])
        XCTAssertEqual(encoded(-(1 << 40)), [0x8a, 6, 0, 0, 0, 0, 0, 0xff])
        XCTAssertEqual(encoded(-(1 << 39)), [0x8a, 5, 0, 0, 0, 0, 0x80])
        XCTAssertEqual(encoded((1 << 39) - 1), [0x8a, 5, 0xff, 0xff, 0xff, 0xff, 0x7f])
    }

    /// Aligned entries put their data at multiples of 64, found from each local header.
    func testAlignedZipEntriesStartAtMultiplesOf64() {
        let archive = [UInt8](storedZip([("a/data.pkl", [1, 2, 3]), ("a/data/0", [UInt8](repeating: 9, count: 100)),
                                         ("a/data/1", [7])], alignment: 64))
        func le(_ offset: Int, _ count: Int) -> Int {
            (0 ..< count).reduce(0) { $0 | Int(archive[offset + $1]) << (8 * $1) }
        }
        var offset = 0, starts: [Int] = []
        while le(offset, 4) == 0x0403_4b50 {
            let start = offset + 30 + le(offset + 26, 2) + le(offset + 28, 2)
            starts.append(start)
            offset = start + le(offset + 22, 4)
        }
        XCTAssertEqual(starts.count, 3)
        XCTAssertEqual(starts.map { $0 % 64 }, [0, 0, 0])
        XCTAssertEqual(Array(archive[starts[1] ..< starts[1] + 100]), [UInt8](repeating: 9, count: 100))
    }

    private func hex(_ bytes: Data) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: " ") }
}
