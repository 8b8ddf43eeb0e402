import Foundation
import Frechet
import InceptionGraph
import Pixels

// MARK: - What the user named for a set

/// One set of images as named on the command line (the generated set's positional arguments,
/// or `--ref`): image files and folders, or one `.npz` file. Every command resolves its sets
/// here, with one rule: a lone existing file whose name ends in `.npz` is read by its keys
/// (statistics: `mu`/`sigma`; features: `pool3`); anything else is images (files as given,
/// folders walked). Resolving checks that every path exists and every image's header is sound,
/// so a bad argument fails before any work starts.
enum SetSource {
    case images(ImageFiles)
    case npz(URL)

    /// `flag` ("--ref", or nil for positional arguments) prefixes errors.
    init(_ arguments: [String], flag: String?) throws {
        let prefix = flag.map { $0 + " " } ?? ""
        guard !arguments.isEmpty else { throw InputError("\(prefix.isEmpty ? "" : prefix)no images or .npz given") }
        let npzFiles = arguments.filter { $0.lowercased().hasSuffix(".npz") && !ImageFiles.isFolder($0) }
        if npzFiles.isEmpty {
            self = .images(try ImageFiles(arguments: arguments, flag: flag))
            return
        }
        guard arguments.count == 1 else {
            throw InputError("\(prefix)\(arguments.joined(separator: " ")): give one .npz file (statistics or features) or images and folders, not several arguments including a .npz")
        }
        guard FileManager.default.fileExists(atPath: arguments[0]) else {
            throw InputError("\(prefix)\(arguments[0]): no such file")
        }
        self = .npz(URL(fileURLWithPath: arguments[0]))
    }

    /// How messages name the set: the `.npz` path, or the arguments.
    var name: String {
        switch self {
        case .npz(let url): return url.path
        case .images(let files): return files.label
        }
    }
}

// MARK: - Image sets

/// Images measured as one set, in a fixed order: image files (`ImageFiles`) or the images of an
/// ADM batch's `arr_0` (`ImageBatch`).
protocol ImageSet: ImageSource {
    /// How messages and reports name the set (the arguments, or the .npz).
    var label: String { get }
    /// How reports name image `i`.
    func name(_ i: Int) -> String
    /// Where image `i` can be read again (its file; for an array, the .npz).
    func path(_ i: Int) -> ImagePath
    /// Image `i`'s width and height, where known before decoding.
    func size(_ i: Int) -> (width: Int, height: Int)?
}

// MARK: - Image files

/// Image arguments expanded: files as given, folders walked recursively (`FolderWalk`) in byte
/// order, picking up the file types `ImageDecoder` reads (by extension, any letter case); every
/// other entry under a folder is counted and named in `skipped`. Names are kept as bytes
/// (`ImagePath`), so a file whose name is not UTF-8 is read too, and shown with its odd bytes
/// escaped. Every file's header is checked (a few dozen bytes each), so a broken or oversized
/// picture anywhere in a large folder ends the run at once, by name; damage deeper in a file is
/// found when it is decoded. The walks of one set find at most `$FIDVIZ_MAX_FILES` entries
/// (`FolderWalk.maxFiles`).
struct ImageFiles: ImageSet {
    /// The arguments as given.
    let arguments: [String]
    /// The image files, in a deterministic order.
    let files: [ImagePath]
    /// Each file's width and height, from its header.
    let sizes: [(width: Int, height: Int)]
    /// Files under the given folders that are not images fidviz reads, and were skipped.
    let skipped: [String]

    var count: Int { files.count }

    /// How `files[i]` is named in reports: its path as the user gave or walked it.
    func name(_ i: Int) -> String { files[i].description }

    var label: String { arguments.joined(separator: ", ") }
    func path(_ i: Int) -> ImagePath { files[i] }
    func size(_ i: Int) -> (width: Int, height: Int)? { sizes[i] }
    func image(at index: Int) throws -> RGBImage { try ImageDecoder.decode(files[index]) }

    /// The files of `range` (a shard), in order.
    func slice(_ range: Range<Int>) -> ImageFiles {
        ImageFiles(arguments: arguments, files: Array(files[range]), sizes: Array(sizes[range]), skipped: skipped)
    }

    private init(arguments: [String], files: [ImagePath], sizes: [(width: Int, height: Int)], skipped: [String]) {
        self.arguments = arguments
        self.files = files
        self.sizes = sizes
        self.skipped = skipped
    }

    init(arguments: [String], flag: String? = nil) throws {
        let prefix = flag.map { $0 + " " } ?? ""
        let limit = FolderWalk.maxFiles
        var files: [ImagePath] = []
        var skipped: [String] = []
        var walked = 0
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw InputError("\(prefix)\(argument): no such file or folder")
            }
            if !isDirectory.boolValue {
                files.append(ImagePath(argument))
                continue
            }
            let base = argument.count > 1 && argument.hasSuffix("/") ? String(argument.dropLast()) : argument
            let walk = try FolderWalk(ImagePath(base), alreadyFound: walked, limit: limit, name: argument, prefix: prefix)
            walked += walk.files.count + walk.others.count
            let isImage = { (file: ImagePath) in ImageDecoder.fileExtensions.contains(file.lowercasedExtension) }
            files += walk.files.filter(isImage).sorted()
            skipped += walk.files.filter { !isImage($0) }.map(\.description) + walk.others.map(\.description)
        }
        if files.isEmpty {
            throw InputError("\(prefix)no images in \(arguments.joined(separator: ", "))"
                + (skipped.isEmpty ? "" : " (\(skipped.count) other files skipped; fidviz reads \(ImageDecoder.formatNames))"))
        }
        self.arguments = arguments
        self.sizes = try files.map { try ImageDecoder.checkHeader($0) }
        self.files = files
        self.skipped = skipped.sorted()
    }

    /// The note for skipped files, or nil when none were skipped: one line with their count, how
    /// many of them pytorch-fid would have read (so its FID would differ), and the first few names.
    var skippedNote: String? {
        guard !skipped.isEmpty else { return nil }
        let shown = skipped.prefix(3).joined(separator: ", ") + (skipped.count > 3 ? ", …" : "")
        let pytorchFID = skipped.filter { Self.pytorchFIDExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        let theirs = pytorchFID.isEmpty ? "" : "; pytorch-fid would read \(pytorchFID.count) of them"
        let files = skipped.count == 1 ? "1 file" : "\(skipped.count) files"
        return "skipped \(files) that fidviz does not read (\(ImageDecoder.formatNames) only\(theirs)): \(shown)"
    }

    /// The extensions pytorch-fid's folder walk takes (`IMAGE_EXTENSIONS` in its fid_score.py).
    static let pytorchFIDExtensions: Set<String> = ["bmp", "jpg", "jpeg", "pgm", "png", "ppm", "tif", "tiff", "webp"]

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// A problem with the command-line inputs, reported as one line.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Measuring a named set

extension SetSource {
    /// The `.npz`'s contents, read and validated now (before any network work), or nil for images.
    /// With `backbone`, the file must hold that network's features: its dimension, and its
    /// recorded backbone when it records one (a mismatch names both networks).
    func readFile(backbone: Backbone? = .inception, logits: Bool = false, keepRows: Bool = false) throws -> MeasuredSet? {
        guard case .npz(let url) = self else { return nil }
        let file: MeasuredSet
        do {
            file = try MeasuredSet.read(url, dimension: backbone?.featureDimension, logits: logits, keepRows: keepRows)
        } catch let error as FrechetError {
            // Another network's features: say which, when the file records it.
            if let backbone, let other = try? MeasuredSet.read(url, dimension: nil) {
                try MeasuredSet.requireOneBackbone([other], measured: backbone)
            }
            throw error
        }
        if let backbone { try MeasuredSet.requireOneBackbone([file], measured: backbone) }
        return file
    }

    /// `file` when the set is an `.npz` already read, else the images measured with `model()`.
    func measured(_ file: MeasuredSet?, model: () throws -> LoadedModel, batchSize: Int, keepRows: Bool,
                  label: String, quiet: Bool, onNetworkTime: ((Double) -> Void)? = nil) throws -> MeasuredSet {
        if let file { return file }
        guard case .images(let images) = self else { preconditionFailure("an .npz set is read by readFile first") }
        if let skipped = images.skippedNote { note("\(label): \(skipped)", quiet: quiet) }
        return try MeasuredSet.measure(images, model: try model(), batchSize: batchSize, keepRows: keepRows,
                                       label: label, quiet: quiet, onNetworkTime: onNetworkTime)
    }
}
