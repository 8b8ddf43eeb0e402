import Foundation
import NumpyFiles

#if canImport(Glibc)
    import Glibc
#endif

/// `fidviz-bench --tile-features IN.npz --count N --links DIR -o OUT.npz`: a features file of N
/// rows made from the rows of a real one (from `fidviz features`), repeated in order, for
/// measuring `fidviz explain --features` at a size whose forward passes would take hours. Row i
/// is row i mod n of IN under its own name: DIR/NNNNNN-<name>, a hard link to IN's image, so
/// every listed file exists and no two rows share a name. IN's other arrays are copied as they are.
enum TileFeatures {
    static func run(_ arguments: [String]) throws {
        func value(_ flag: String) -> String? {
            guard let i = arguments.firstIndex(of: flag), i + 1 < arguments.count else { return nil }
            return arguments[i + 1]
        }
        guard let input = value("--tile-features"), let output = value("-o"), let links = value("--links") else {
            print("usage: fidviz-bench --tile-features IN.npz --count N --links DIR -o OUT.npz")
            exit(2)
        }
        let count = argument("--count", default: 50_000)
        let arrays = try Npz.read(contentsOf: URL(fileURLWithPath: input))
        guard let files = arrays["files"]?.strings(), let pool3 = arrays["pool3"]?.floats(),
              let logits = arrays["logits"]?.floats(), !files.isEmpty else {
            print("\(input): needs files, pool3 and logits (a `fidviz features` file)")
            exit(1)
        }
        let rows = files.count, features = pool3.count / rows, classes = logits.count / rows
        try FileManager.default.createDirectory(atPath: links, withIntermediateDirectories: true)
        var names: [String] = [], tiledPool3: [Float] = [], tiledLogits: [Float] = []
        names.reserveCapacity(count)
        tiledPool3.reserveCapacity(count * features)
        tiledLogits.reserveCapacity(count * classes)
        for i in 0 ..< count {
            let source = i % rows
            let name = links + "/" + String(format: "%06d-", i) + (files[source] as NSString).lastPathComponent
            guard link(files[source], name) == 0 || errno == EEXIST else {
                print("cannot link \(name) to \(files[source]): errno \(errno)")
                exit(1)
            }
            names.append(name)
            tiledPool3 += pool3[source * features ..< (source + 1) * features]
            tiledLogits += logits[source * classes ..< (source + 1) * classes]
        }
        var out: [(name: String, array: NpyArray)] = [
            (name: "files", array: NpyArray(shape: [count], values: .unicode(names))),
            (name: "pool3", array: NpyArray(shape: [count, features], values: .float32(tiledPool3))),
            (name: "logits", array: NpyArray(shape: [count, classes], values: .float32(tiledLogits))),
        ]
        for key in arrays.keys.sorted() where !["files", "pool3", "logits"].contains(key) {
            out.append((name: key, array: arrays[key]!))
        }
        try Npz.encoded(out).write(to: URL(fileURLWithPath: output))
        print("wrote \(count) rows (\(rows) distinct) to \(output), image links in \(links)")
    }
}
