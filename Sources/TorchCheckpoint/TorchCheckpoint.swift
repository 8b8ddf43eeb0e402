// A safe reader for PyTorch state dicts (`.pth` files written by torch.save).
//
// Both layouts are read: the legacy stream (five pickles, then raw storages; the real
// pytorch-fid weights use it) and the zip archive (torch >= 1.6). The pickles go through a
// restricted unpickler that knows only the globals a state dict needs and never runs code.

import Foundation
import UntrustedInput

// MARK: - Tensors

/// The values of one checkpoint tensor, contiguous and row-major, in their stored precision
/// (float16 is widened to Float exactly).
public enum CheckpointValues: Equatable, Sendable {
    case float32([Float])
    case float64([Double])
    case float16([Float])
    case int64([Int64])

    /// Number of values.
    public var count: Int {
        switch self {
        case .float32(let values), .float16(let values): return values.count
        case .float64(let values): return values.count
        case .int64(let values): return values.count
        }
    }

    /// PyTorch's name for the stored dtype: "float32", "float64", "float16" or "int64".
    public var dtype: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .float16: return "float16"
        case .int64: return "int64"
        }
    }
}

/// One tensor of a state dict: its shape (empty for a 0-d tensor) and its values in row-major
/// order, `values.count == shape.reduce(1, *)`.
public struct CheckpointTensor: Equatable, Sendable {
    public let shape: [Int]
    public let values: CheckpointValues

    public init(shape: [Int], values: CheckpointValues) {
        precondition(shape.allSatisfy { $0 >= 0 } && values.count == shape.reduce(1, *),
                     "shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// The values as Float (float64 rounded, int64 converted), row-major.
    public var floatValues: [Float] {
        switch values {
        case .float32(let values), .float16(let values): return values
        case .float64(let values): return values.map { Float($0) }
        case .int64(let values): return values.map { Float($0) }
        }
    }
}

// MARK: - Loading

/// Reads `.pth` state dicts without executing anything they contain.
public enum TorchCheckpoint {
    /// The state dict in the file at `url`, key -> tensor.
    ///
    /// Throws `TorchCheckpointError` (naming the file by its path) if the file is unreadable,
    /// not a torch.save checkpoint, truncated, inconsistent, asks for anything beyond a plain
    /// dict of float32/float64/float16/int64 tensors, or exceeds `limits` (pickle values and
    /// depth, tensor elements beyond the storages).
    ///
    /// A regular file is mapped (`MappedFile`) and each storage's pages are given back once its
    /// tensors are built, so memory peaks at the tensors plus one storage, not the whole file
    /// beside them. Anything else (a pipe) is read whole.
    public static func load(contentsOf url: URL, limits: Limits = .current) throws -> [String: CheckpointTensor] {
        if let mapped = MappedFile(path: url.path) {
            return try load(bytes: mapped.bytes, name: url.path, limits: limits, release: mapped.release)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CheckpointProblem(.unreadable, "cannot read the file (\(error.localizedDescription)); check the "
                + "path and its permissions").inFile(url.path)
        }
        return try load(data: data, name: url.path, limits: limits)
    }

    /// The state dict in `data`, a whole `.pth` file; `name` names the file in errors.
    public static func load(data: Data, name: String, limits: Limits = .current) throws -> [String: CheckpointTensor] {
        try data.withUnsafeBytes { bytes in try load(bytes: bytes, name: name, limits: limits) { _ in } }
    }

    /// The state dict in `bytes`, a whole `.pth` file; `release` is handed each storage's bytes
    /// once the tensors viewing it are built (a storage viewed by several is read again).
    static func load(bytes: UnsafeRawBufferPointer, name: String, limits: Limits,
                     release: (UnsafeRawBufferPointer) -> Void) throws -> [String: CheckpointTensor] {
        do {
            switch try Layout(sniffing: bytes) {
            case .legacy: return try readLegacy(bytes, limits: limits, release: release)
            case .zip: return try readZip(bytes, limits: limits, release: release)
            }
        } catch let problem as CheckpointProblem {
            throw problem.inFile(name)
        }
    }

    // MARK: - Telling the layouts apart

    private enum Layout {
        case legacy, zip

        /// Zip archives start with a local file header (or, empty, an end record); legacy
        /// streams with pickle's PROTO opcode.
        init(sniffing data: UnsafeRawBufferPointer) throws {
            let head = [UInt8](data.prefix(4))
            if head == [0x50, 0x4b, 0x03, 0x04] || head == [0x50, 0x4b, 0x05, 0x06] {
                self = .zip
            } else if head.first == 0x80 {
                self = .legacy
            } else {
                throw CheckpointProblem(.notACheckpoint, "not a PyTorch checkpoint: torch.save writes a zip "
                    + "archive (50 4b 03 04) or a pickle stream (80 ..), but \(Self.describe(data))")
            }
        }

        private static func describe(_ data: UnsafeRawBufferPointer) -> String {
            if data.isEmpty { return "the file is empty; download it again" }
            let start = Data(data.prefix(64))
            if start.starts(with: Array("version https://git-lfs".utf8)) {
                return "the file is a Git LFS pointer; fetch the real file (git lfs pull)"
            }
            if let text = String(data: start, encoding: .utf8), text.lowercased().contains("<html")
                || text.lowercased().contains("<!doctype") {
                return "the file is an HTML page, probably a failed download; download it again"
            }
            let bytes = data.prefix(4).map { String(format: "%02x", $0) }
            return "the file starts with \(bytes.joined(separator: " ")); check that this is the weights file"
        }
    }
}
