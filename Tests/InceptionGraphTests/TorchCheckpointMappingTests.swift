import Foundation
import TestCheckpoints
import XCTest
@testable import TorchCheckpoint

/// The reader maps a checkpoint file and gives each storage's pages back once its tensors are
/// built (`MappedFile`), so that a file's bytes and its floats are never all in memory at once.
final class TorchCheckpointMappingTests: XCTestCase {
    private func temporaryFile(_ name: String, _ contents: Data) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("fidviz-mapping-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url)
        return url
    }

    /// A zip file's keys come from its pickle: a file without its storages does not load, yet
    /// lists its keys. A legacy file is loaded whole for them.
    func testParameterNamesOfAZipComeFromItsPickleAlone() throws {
        let floats: [UInt8] = (0 ..< 6).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [3, 2], stride: [2, 1]) }),
                                ("cls_token", { $0.tensor(key: "1", numel: 6, size: [6], stride: [1]) })])
        let whole = try temporaryFile("whole.pth", storedZip([("archive/data.pkl", object + [0x2e]),
                                                               ("archive/data/0", floats), ("archive/data/1", floats)]))
        XCTAssertEqual(try TorchCheckpoint.parameterNames(contentsOf: whole),
                       Set(try TorchCheckpoint.load(contentsOf: whole).keys))
        let pickleOnly = try temporaryFile("pickle-only.pth", storedZip([("archive/data.pkl", object + [0x2e])]))
        XCTAssertThrowsError(try TorchCheckpoint.load(contentsOf: pickleOnly))
        XCTAssertEqual(try TorchCheckpoint.parameterNames(contentsOf: pickleOnly), ["w", "cls_token"])
        let legacy = try temporaryFile("legacy.pth", legacyFile(
            stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [2, 3], stride: [1, 2]) })]), storages: [("0", 6, floats)]))
        XCTAssertEqual(try TorchCheckpoint.parameterNames(contentsOf: legacy), ["w"])
    }

    /// Pages given back are read from the file again when touched.
    func testReleasedPagesReadBackTheFile() throws {
        let bytes = Data((0 ..< 200_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        let url = try temporaryFile("pattern.bin", bytes)
        let mapped = try XCTUnwrap(MappedFile(path: url.path))
        XCTAssertEqual(mapped.bytes.count, bytes.count)
        XCTAssertEqual(Data(mapped.bytes), bytes)
        mapped.release(UnsafeRawBufferPointer(rebasing: mapped.bytes[100 ..< 150_000]))
        mapped.release(mapped.bytes)
        XCTAssertEqual(Data(mapped.bytes), bytes)
    }

    /// What cannot be mapped is left to the ordinary read, which reports why it fails.
    func testMissingEmptyAndFolderAreNotMapped() throws {
        XCTAssertNil(MappedFile(path: "/no/such/file.pth"))
        let empty = try temporaryFile("empty.pth", Data())
        XCTAssertNil(MappedFile(path: empty.path))
        XCTAssertNil(MappedFile(path: empty.deletingLastPathComponent().path))
        XCTAssertThrowsError(try TorchCheckpoint.load(contentsOf: empty)) {
            XCTAssertEqual(($0 as? TorchCheckpointError)?.description, "\(empty.path): not a PyTorch checkpoint: "
                + "torch.save writes a zip archive (50 4b 03 04) or a pickle stream (80 ..), but the file is empty; "
                + "download it again")
        }
    }

    /// Storages spanning many pages, in both layouts: the file read through the mapping (pages
    /// given back storage by storage) gives the tensors its bytes give.
    func testLargeStoragesFromTheFileEqualThoseFromItsBytes() throws {
        var parameters: [String: NamedParameter] = [:]
        for (index, shape) in [[300, 1000], [7], [5, 2049], [64, 64, 3]].enumerated() {
            let count = shape.reduce(1, *)
            parameters["layer\(index).weight"] = NamedParameter(
                shape: shape, values: (0 ..< count).map { Float(($0 &* 2_654_435_761 &+ index) % 100_003) / 1000 - 50 })
        }
        for format in SeededCheckpointWriter.Format.allCases {
            let data = SeededCheckpointWriter.checkpoint(parameters: parameters, format: format)
            let url = try temporaryFile("large-\(format.rawValue).pth", data)
            let fromFile = try TorchCheckpoint.load(contentsOf: url)
            XCTAssertEqual(fromFile, try TorchCheckpoint.load(data: data, name: url.path), format.rawValue)
            for (key, parameter) in parameters {
                XCTAssertEqual(fromFile[key]?.floatValues, parameter.values, "\(format.rawValue) \(key)")
            }
        }
    }
}
