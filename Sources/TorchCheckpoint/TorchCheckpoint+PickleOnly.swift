// A state-dict pickle read on its own, without the storages it names: what the restricted
// unpickler and the state-dict rules make of it (used by the unpickler's fuzz harness).

import Foundation
import UntrustedInput

extension TorchCheckpoint {
    /// The keys and shapes of the state dict pickled in `data`: a zip checkpoint's `data.pkl`, or
    /// a legacy stream's object pickle. Only the pickle up to its STOP opcode is read; no storage
    /// is looked up and no tensor is allocated. `name` names the bytes in errors.
    ///
    /// Throws `TorchCheckpointError` (byte offsets count from the start of `data`) for anything
    /// `load` would refuse in this pickle.
    public static func stateDictShapes(pickle data: Data, name: String, limits: Limits = .current) throws
        -> [(key: String, shape: [Int])] {
        do {
            return try data.withUnsafeBytes { bytes in
                let object = try unpickle(bytes, at: 0, resolver: StateDictResolver(), limits: limits)
                return try stateDictEntries(object.value).map { ($0.key, $0.tensor.shape) }
            }
        } catch let problem as CheckpointProblem {
            throw problem.inFile(name)
        }
    }
}
