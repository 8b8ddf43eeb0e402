import Foundation
import InceptionGraph

/// Expands the user's image arguments: files as given, folders walked recursively in sorted order.
///
/// Every file's PNG signature and IHDR are checked here (`PNGDecoder.checkHeader`, 33 bytes
/// each), so a broken or oversized picture anywhere in a large folder ends the run at once, by
/// name, before the weights load; damage deeper in a file is found when it is decoded.
struct ImageInputs {
    /// The PNG files, in a deterministic order.
    let files: [URL]
    /// Files under the given folders that are not PNGs and were skipped.
    let skipped: Int

    init(arguments: [String]) throws {
        let fm = FileManager.default
        var files: [URL] = []
        var skipped = 0
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw InputError("\(argument): no such file or folder")
            }
            if !isDirectory.boolValue {
                files.append(URL(fileURLWithPath: argument))
                continue
            }
            guard let walker = fm.enumerator(atPath: argument) else {
                throw InputError("\(argument): cannot read this folder")
            }
            var found: [URL] = []
            let base = argument.hasSuffix("/") ? String(argument.dropLast()) : argument
            for case let relative as String in walker {
                let path = base + "/" + relative
                var isFolder: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                if (relative as NSString).pathExtension.lowercased() == "png" {
                    found.append(URL(fileURLWithPath: path))
                } else {
                    skipped += 1
                }
            }
            files += found.sorted { $0.path < $1.path }
        }
        if files.isEmpty {
            throw InputError("no PNG images in \(arguments.joined(separator: ", "))"
                + (skipped > 0 ? " (\(skipped) non-PNG files skipped; fidviz reads PNG only)" : ""))
        }
        for file in files { try PNGDecoder.checkHeader(contentsOf: file) }
        self.files = files
        self.skipped = skipped
    }
}

/// A problem with the command-line inputs, reported as one line.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
