import Foundation
import TestCheckpoints
import UntrustedInput
import XCTest
@testable import InceptionGraph
@testable import TorchCheckpoint

/// Each limit a checkpoint is read under (`Limits`: pickle depth, values, memo, tensor elements),
/// exceeded with lowered limits so that the files stay tiny, and refused with its exact error.
final class CheckpointLimitTests: XCTestCase {
    private let floats: [UInt8] = (0 ..< 6).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }

    // MARK: - Pickles

    func testPickleDepthLimit() {
        let pickle: [UInt8] = [0x80, 2, 0x29] + [UInt8](repeating: 0x85, count: 5) + [0x2e]  // (((((),),),),)
        assertPickleError(pickle, limits: Limits(maxPickleDepth: 3), "x.pkl, byte offset 5: the pickle nests "
            + "containers deeper than 3 levels; a state dict never does")
    }

    func testPickleValueLimit() {
        let pickle: [UInt8] = [0x80, 2] + [UInt8](repeating: 0x4e, count: 11) + [0x2e]  // NONE x 11
        assertPickleError(pickle, limits: Limits(maxPickleValues: 10), "x.pkl, byte offset 12: the pickle holds "
            + "more than 10 values, far more than a state dict needs; refusing to continue")
    }

    func testPickleMemoLimit() {
        let pickle: [UInt8] = [0x80, 2, 0x4e] + (0 ..< 4).flatMap { [0x71, UInt8($0)] } + [0x2e]  // NONE, BINPUT x 4
        assertPickleError(pickle, limits: Limits(maxPickleValues: 3), "x.pkl, byte offset 9: the pickle memoizes "
            + "more than 3 values; refusing to continue")
    }

    /// EMPTY_LIST, then (DUP, NONE, APPEND) repeated: every APPEND copies the list it shares with
    /// the one below, so memory would grow with the square of the pickle's length. Copies count
    /// as values: iteration i costs 2 pushes and i - 1 copied elements, and the 13th APPEND brings
    /// the total to 105.
    func testCopiesOfSharedContainersCountAsValues() {
        let pickle: [UInt8] = [0x80, 2, 0x5d] + [UInt8](repeating: 0, count: 20).flatMap { _ in [0x32, 0x4e, 0x61] }
            + [0x2e]
        assertPickleError(pickle, limits: Limits(maxPickleValues: 100), "x.pkl, byte offset 41: the pickle holds "
            + "more than 100 values, far more than a state dict needs; refusing to continue")
    }

    func testQuadraticPickleStopsEarlyUnderTheDefaultLimit() {
        let pickle: [UInt8] = [0x80, 2, 0x5d] + [UInt8](repeating: 0, count: 20_000).flatMap { _ in [0x32, 0x4e, 0x61] }
            + [0x2e]
        XCTAssertThrowsError(try TorchCheckpoint.stateDictShapes(pickle: Data(pickle), name: "x.pkl")) {
            let error = $0 as? TorchCheckpointError
            XCTAssertEqual(error?.kind, .unsupported)
            XCTAssertTrue(error?.problem == "the pickle holds more than 4194304 values, far more than a state dict "
                + "needs; refusing to continue", "\($0)")
        }
    }

    // MARK: - Tensor elements

    func testBroadcastViewsWithinTheLimitLoad() throws {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [16], stride: [0]) })])
        let tensors = try TorchCheckpoint.load(data: legacyFile(object, storages: [("0", 6, floats)]), name: "x.pth",
                                               limits: Limits(maxTensorElements: 10))
        XCTAssertEqual(tensors["w"], CheckpointTensor(shape: [16], values: .float32([Float](repeating: 0, count: 16))))
    }

    func testKeysSharingOneStorageCountAgainstTheLimit() {
        let view: (inout PickleWriter) -> Void = { $0.tensor(key: "0", numel: 6, size: [6], stride: [1]) }
        let object = stateDict([("a", view), ("b", view), ("c", view)])
        assertLegacyError(object, storages: [("0", 6, floats)], .unsupported, "x.pth, key 'c': has 6 elements "
            + "(size [6], stride [1], offset 0); the checkpoint's tensors would then hold 18 elements, more than its "
            + "storages (6) plus the limit of 10 (FIDVIZ_MAX_TENSOR_ELEMENTS); the file is corrupt or hostile",
            limits: Limits(maxTensorElements: 10))
    }

    func testZipCheckpointsCountTensorElementsToo() {
        let object = stateDict([("w", { $0.tensor(key: "0", numel: 6, size: [17], stride: [0]) })])
        let zip = storedZip([("archive/data.pkl", object + [0x2e]), ("archive/data/0", floats)])
        assertError(zip, .unsupported, "x.pth, key 'w': has 17 elements (size [17], stride [0], offset 0); the "
            + "checkpoint's tensors would then hold 17 elements, more than its storages (6) plus the limit of 10 "
            + "(FIDVIZ_MAX_TENSOR_ELEMENTS); the file is corrupt or hostile", limits: Limits(maxTensorElements: 10))
    }

    // MARK: - Helpers

    private func assertPickleError(_ pickle: [UInt8], limits: Limits, _ message: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TorchCheckpoint.stateDictShapes(pickle: Data(pickle), name: "x.pkl", limits: limits),
                             file: file, line: line) {
            XCTAssertEqual(($0 as? TorchCheckpointError)?.description, message, file: file, line: line)
        }
    }
}
