import Foundation
import SeededRandom
import TestSupport
import XCTest
@testable import InceptionGraph
@testable import TorchCheckpoint

/// The .pth reader against the fixtures torch.save wrote (Tests/Fixtures/pth).
final class TorchCheckpointTests: XCTestCase {
    // MARK: - Tiny state dicts match PyTorch's values

    private struct Expected: Decodable {
        let shape: [Int]
        let dtype: String
        let values: [Double]
    }

    private func assertMatchesExpected(_ tensors: [String: CheckpointTensor], file: StaticString = #filePath,
                                       line: UInt = #line) throws {
        let json = try Fixtures.data("pth/tiny-expected.json")
        let expected = try JSONDecoder().decode([String: Expected].self, from: json)
        XCTAssertEqual(Set(tensors.keys), Set(expected.keys), file: file, line: line)
        for (key, want) in expected {
            guard let got = tensors[key] else { continue }
            XCTAssertEqual(got.shape, want.shape, "shape of \(key)", file: file, line: line)
            XCTAssertEqual(got.values.dtype, want.dtype, "dtype of \(key)", file: file, line: line)
            switch got.values {
            case .float32(let values), .float16(let values):
                XCTAssertEqual(values, want.values.map { Float($0) }, "values of \(key)", file: file, line: line)
            case .float64(let values):
                XCTAssertEqual(values, want.values, "values of \(key)", file: file, line: line)
            case .int64(let values):
                XCTAssertEqual(values, want.values.map { Int64($0) }, "values of \(key)", file: file, line: line)
            }
        }
    }

    func testTinyLegacyMatchesPyTorch() throws {
        try assertMatchesExpected(try TorchCheckpoint.load(contentsOf: Fixtures.url("pth/tiny-legacy.pth")))
    }

    func testTinyZipMatchesPyTorch() throws {
        try assertMatchesExpected(try TorchCheckpoint.load(contentsOf: Fixtures.url("pth/tiny-zip.pth")))
    }

    func testTinyOrderedDictZipMatchesPyTorch() throws {
        try assertMatchesExpected(try TorchCheckpoint.load(contentsOf: Fixtures.url("pth/tiny-ordereddict-zip.pth")))
    }

    func testLoadingFromDataMatchesLoadingFromFile() throws {
        for name in ["tiny-legacy.pth", "tiny-zip.pth"] {
            let url = Fixtures.url("pth/\(name)")
            XCTAssertEqual(try TorchCheckpoint.load(data: Data(contentsOf: url), name: name),
                           try TorchCheckpoint.load(contentsOf: url), name)
        }
    }

    func testFloatValuesWidenEveryDtype() throws {
        let tensors = try TorchCheckpoint.load(contentsOf: Fixtures.url("pth/tiny-legacy.pth"))
        XCTAssertEqual(tensors["double"]?.floatValues, [0.5, -1.25, 3.0, Float(0.001)])
        XCTAssertEqual(tensors["half"]?.floatValues, [1.5, -2.0, 0.0999755859375])
        XCTAssertEqual(tensors["bn.num_batches_tracked"]?.floatValues, [7])
        XCTAssertEqual(tensors["bn.num_batches_tracked"]?.shape, [])
    }

    // MARK: - Hostile and broken files fail with their own message

    private func loadError(_ name: String) -> TorchCheckpointError? {
        do {
            _ = try TorchCheckpoint.load(contentsOf: Fixtures.url("pth/\(name)"))
            XCTFail("\(name) loaded")
        } catch let error as TorchCheckpointError {
            return error
        } catch {
            XCTFail("\(name) threw \(error), not a TorchCheckpointError")
        }
        return nil
    }

    func testHostileGlobalInLegacyFileIsRefused() {
        let path = Fixtures.url("pth/hostile-global-legacy.pth").path
        let error = loadError("hostile-global-legacy.pth")
        XCTAssertEqual(error?.kind, .forbidden)
        XCTAssertEqual(error?.description, "\(path), byte offset 139: refusing to load global 'posix.system': "
            + "a state dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and "
            + "torch.*Storage, so this file may be malicious (do not open it with torch.load either)")
    }

    func testHostileGlobalInZipFileIsRefused() {
        let path = Fixtures.url("pth/hostile-global-zip.pth").path
        let error = loadError("hostile-global-zip.pth")
        XCTAssertEqual(error?.kind, .forbidden)
        XCTAssertEqual(error?.entry, "archive/data.pkl")
        XCTAssertEqual(error?.description, "\(path) (archive/data.pkl), byte offset 2: refusing to load global "
            + "'builtins.eval': a state dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2 "
            + "and torch.*Storage, so this file may be malicious (do not open it with torch.load either)")
    }

    func testTruncatedLegacyFileNamesKeyAndOffset() {
        let path = Fixtures.url("pth/truncated-legacy.pth").path
        let error = loadError("truncated-legacy.pth")
        XCTAssertEqual(error?.kind, .truncated)
        XCTAssertEqual(error?.description, "\(path), key 'fc.weight', byte offset 1814: storage "
            + "'93976822271008' needs 120 bytes but the file ends after 80; it is truncated, download it again")
    }

    func testTruncatedPickleNamesTheOffset() throws {
        let data = try Fixtures.data("pth/tiny-legacy.pth").prefix(500)
        XCTAssertThrowsError(try TorchCheckpoint.load(data: data, name: "tiny-legacy.pth")) {
            XCTAssertEqual(($0 as? TorchCheckpointError)?.description, "tiny-legacy.pth, byte offset 500: the "
                + "pickle is cut off in an opcode (1 byte needed, 0 left); the file is truncated, download it again")
        }
    }

    func testLyingElementCountIsRejectedBeforeAllocating() {
        let path = Fixtures.url("pth/lying-count-legacy.pth").path
        let error = loadError("lying-count-legacy.pth")
        XCTAssertEqual(error?.kind, .corrupt)
        XCTAssertEqual(error?.description, "\(path), key 'double', byte offset 1188: storage '93976709425728' "
            + "claims 1099511627776 elements, but its pickle declared 4 and only 738 bytes follow; "
            + "the file is corrupt or hostile")
    }

    func testNotACheckpointIsRecognised() {
        let path = Fixtures.url("pth/not-a-pth.pth").path
        let error = loadError("not-a-pth.pth")
        XCTAssertEqual(error?.kind, .notACheckpoint)
        XCTAssertEqual(error?.description, "\(path): not a PyTorch checkpoint: the file starts with a zip "
            + "signature but is no zip archive (its first entry is garbled and it has no central directory)")
    }

    func testArbitraryBytesAreNotACheckpoint() {
        XCTAssertThrowsError(try TorchCheckpoint.load(data: Data("hello, world".utf8), name: "hello.txt")) {
            XCTAssertEqual(($0 as? TorchCheckpointError)?.description, "hello.txt: not a PyTorch checkpoint: "
                + "torch.save writes a zip archive (50 4b 03 04) or a pickle stream (80 ..), but the file starts "
                + "with 68 65 6c 6c; check that this is the weights file")
        }
        XCTAssertThrowsError(try TorchCheckpoint.load(data: Data("version https://git-lfs.github.com/spec/v1\n".utf8),
                                                      name: "lfs.pth")) {
            XCTAssertEqual(($0 as? TorchCheckpointError)?.description, "lfs.pth: not a PyTorch checkpoint: "
                + "torch.save writes a zip archive (50 4b 03 04) or a pickle stream (80 ..), but the file is a "
                + "Git LFS pointer; fetch the real file (git lfs pull)")
        }
    }

    func testTruncatedZipIsCalledTruncated() throws {
        let data = try Fixtures.data("pth/tiny-zip.pth")
        XCTAssertThrowsError(try TorchCheckpoint.load(data: data.prefix(3000), name: "tiny-zip.pth")) {
            XCTAssertEqual(($0 as? TorchCheckpointError)?.description, "tiny-zip.pth, byte offset 3000: the zip "
                + "archive has no end-of-central-directory record; the file is truncated, download it again")
        }
    }

    func testMissingFileIsUnreadable() {
        let error = loadError("no-such-file.pth")
        XCTAssertEqual(error?.kind, .unreadable)
        XCTAssertTrue(error?.description.contains("cannot read the file") ?? false, "\(String(describing: error))")
    }

    // MARK: - Fuzz-ish: damaged files throw, never crash

    /// Every proper prefix must throw a TorchCheckpointError (and never trap).
    private func assertEveryPrefixThrows(_ name: String, step: Int = 1) throws {
        let data = try Data(contentsOf: Fixtures.url("pth/\(name)"))
        for length in stride(from: 0, to: data.count, by: step) {
            do {
                _ = try TorchCheckpoint.load(data: data.prefix(length), name: name)
                XCTFail("\(name) cut to \(length) bytes loaded")
            } catch is TorchCheckpointError {
            } catch {
                XCTFail("\(name) cut to \(length) bytes threw \(error)")
            }
        }
    }

    func testEveryTruncationOfTinyLegacyThrows() throws {
        try assertEveryPrefixThrows("tiny-legacy.pth")
    }

    func testEveryTruncationOfTinyZipThrows() throws {
        try assertEveryPrefixThrows("tiny-zip.pth")
    }

    /// Random byte flips either load (a flipped value byte) or throw a TorchCheckpointError.
    func testRandomByteFlipsNeverCrash() throws {
        for name in ["tiny-legacy.pth", "tiny-zip.pth"] {
            let original = try Data(contentsOf: Fixtures.url("pth/\(name)"))
            var random = SplitMix64(seed: 20_151_205)
            var failures = 0
            let trials = 300
            for _ in 0 ..< trials {
                var mutant = original
                for _ in 0 ..< 1 + Int(random.next() % 3) {
                    let index = Int(random.next() % UInt64(mutant.count))
                    mutant[index] ^= UInt8(1 + random.next() % 255)
                }
                do {
                    let tensors = try TorchCheckpoint.load(data: mutant, name: name)
                    XCTAssertFalse(tensors.isEmpty)
                } catch is TorchCheckpointError {
                    failures += 1
                } catch {
                    XCTFail("\(name) mutant threw \(error)")
                }
            }
            // Most flips land in the pickle, headers or CRC-guarded data, so most must be refused.
            XCTAssertGreaterThan(failures, trials / 3, name)
        }
    }
}
