// Zip archives of stored (uncompressed) entries, as torch.save's zip format lays them out,
// written by ZipArchive's `ZipWriter`.

import Foundation
import ZipArchive

/// A zip archive of stored entries: local headers and data in the order given, then the central
/// directory and the end record.
///
/// With `alignment` > 1, an entry whose name passes `align` gets its data placed at a multiple of
/// `alignment` bytes by a padding extra field in its local header only, as PyTorch's writer does;
/// readers must then take data offsets from the local headers. With the defaults (and entries
/// under 4 GiB) the layout is fixed: a 30-byte local header and the name before each entry's
/// data, a 46-byte central record and the name for each entry, a 22-byte end record. The
/// hostile-file tests rely on it.
public func storedZip(_ files: [(name: String, bytes: [UInt8])], alignment: Int = 1,
                      align: (String) -> Bool = { _ in true }) -> Data {
    var archive = Data()
    var writer = ZipWriter { archive.append(contentsOf: $0) }
    for (name, bytes) in files {
        try! bytes.withUnsafeBytes {
            try writer.add(name, contents: $0, alignment: alignment > 1 && align(name) ? alignment : 1)
        }
    }
    try! writer.finish()
    return archive
}
