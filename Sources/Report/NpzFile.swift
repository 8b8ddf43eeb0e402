import Foundation
import NumpyFiles

/// Writes a numpy `.npz` (as `np.savez` does: stored `<name>.npy` members) through the one
/// atomic writer, so a statistics or features file is either complete or not there.
public enum NpzFile {
    public static func write(_ arrays: [(name: String, array: NpyArray)], to url: URL) throws {
        // MERGE: stream through AtomicFile once Npz has a streaming encoder.
        try Interrupts.critical { try Npz.write(arrays, to: url) }
    }
}
