import OutputFiles
import Foundation

/// Writes a numpy `.npz` (`np.savez` layout, or `np.savez_compressed` with `compressed`) through
/// the one atomic writer, streaming one member at a time, so that a statistics or features file
/// is either complete or not there.
public enum NpzFile {
    public static func write(_ arrays: [(name: String, array: NpyArray)], to url: URL, compressed: Bool = false) throws {
        try AtomicFile.write(to: url) { file in
            try Npz.encode(arrays, compressed: compressed) { try file.write($0) }
        }
    }
}
