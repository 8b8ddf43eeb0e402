import Foundation
import UntrustedInput

/// A parameter tensor as read from a state dict: its shape and its values in row-major order.
public struct NamedParameter {
    public let shape: [Int]
    public let values: [Float]
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "parameter of shape \(shape) with \(values.count) values")
        self.shape = shape
        self.values = values
    }
}

extension TorchCheckpoint {
    /// The state dict in the file at `url` as named Float parameters (float64 and float16 values
    /// converted, int64 counters as Float): what a network's weights are checked against.
    /// Throws `TorchCheckpointError` as `load(contentsOf:limits:)` does.
    public static func parameters(contentsOf url: URL, limits: Limits = .current) throws -> [String: NamedParameter] {
        try load(contentsOf: url, limits: limits).mapValues { NamedParameter(shape: $0.shape, values: $0.floatValues) }
    }
}

extension TorchCheckpoint {
    /// The keys of the state dict in the file at `url`, to tell which network a file is for. A
    /// zip checkpoint's keys come from its pickle alone, without reading a storage (a 1.2 GB
    /// file is not read twice); a legacy one is loaded whole. Loading the file later checks the
    /// rest.
    public static func parameterNames(contentsOf url: URL, limits: Limits = .current) throws -> Set<String> {
        if let mapped = MappedFile(path: url.path) {
            do {
                if let names = try zipKeys(mapped.bytes, limits: limits) { return Set(names) }
            } catch let problem as CheckpointProblem {
                throw problem.inFile(url.path)
            }
        }
        return Set(try load(contentsOf: url, limits: limits).keys)
    }
}
