import Foundation
import Frechet
import InceptionGraph
import NumpyFiles

// MARK: - What the user named

/// One side of `fidviz fid` (the generated set or the reference) as given on the command line:
/// a single `.npz` file (statistics or features), or PNG files and folders.
enum FIDSetArgument {
    case npz(URL)
    case images(ImageInputs)

    /// `arguments` are the positional inputs or the one `--ref` value; `flag` ("--ref", or nil for
    /// the positional inputs) prefixes errors.
    /// A lone existing file ending in `.npz` is a statistics/features file; anything else is images
    /// (resolved here, so a missing file is reported before any work starts).
    init(_ arguments: [String], flag: String?) throws {
        let prefix = flag.map { $0 + " " } ?? ""
        let npzFiles = arguments.filter { $0.lowercased().hasSuffix(".npz") && !Self.isFolder($0) }
        if npzFiles.isEmpty {
            self = .images(try ImageInputs(arguments: arguments))
            return
        }
        guard arguments.count == 1 else {
            throw InputError("\(prefix)\(arguments.joined(separator: " ")): give one .npz file (statistics or features) or PNG images and folders, not several arguments including a .npz")
        }
        guard FileManager.default.fileExists(atPath: arguments[0]) else {
            throw InputError("\(prefix)\(arguments[0]): no such file")
        }
        self = .npz(URL(fileURLWithPath: arguments[0]))
    }

    private static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

// MARK: - What FID and KID need of a set

/// A set's statistics and, when KID is wanted, its pool3 feature rows.
struct FIDSet {
    /// mu [2048], sigma [2048, 2048]; `n` is nil for pytorch-fid files (they do not record it).
    let statistics: FrechetStatistics
    /// pool3 rows [N, 2048], when loaded.
    let features: [Float]?
    /// Where the set came from, for messages.
    let source: String

    /// Reads and validates a statistics or features .npz (`StatisticsFile.read`: every problem is
    /// a `FrechetError` naming the file and key). With `needFeatures` (KID), the file must be a
    /// features file; a statistics file is refused with one line saying what to pass instead.
    static func load(_ url: URL, needFeatures: Bool) throws -> FIDSet {
        let file = try StatisticsFile.read(contentsOf: url, expectedDimension: InceptionArchitecture.featureCount)
        guard needFeatures else { return FIDSet(statistics: file.statistics, features: nil, source: url.path) }
        guard file.layout == .features else {
            throw InputError("--kid needs feature vectors, but \(url.path) holds \(file.layout.rawValue) (mu, sigma) only; pass a features .npz from `fidviz features` or the images themselves")
        }
        return FIDSet(statistics: file.statistics, features: try pool3Rows(of: url), source: url.path)
    }

    /// Streams images through the network (see `ImageSetMeasurement`).
    static func measure(_ images: ImageInputs, model: InceptionV3, batchSize: Int, needFeatures: Bool,
                        label: String, quiet: Bool) throws -> FIDSet {
        let source = "the \(label) images"
        guard images.files.count >= 2 else {
            throw InputError("\(images.files[0].path): 1 image in the \(label) set, but statistics need at least 2 (the covariance divides by N-1)")
        }
        let measured = try ImageSetMeasurement.measure(images.files, model: model, batchSize: batchSize,
                                                       keepFeatures: needFeatures, label: label,
                                                       source: source, quiet: quiet)
        return FIDSet(statistics: measured.statistics, features: measured.features, source: source)
    }

    /// `pool3` of a features file that `StatisticsFile.read` has already accepted, as Float32 rows.
    private static func pool3Rows(of url: URL) throws -> [Float] {
        do {
            guard let rows = try Npz.read(contentsOf: url, keys: ["pool3"])["pool3"]?.floats() else {
                throw FrechetError.missingKey(source: url.path, key: "pool3", available: [])
            }
            return rows
        } catch let error as NumpyFileError {
            throw FrechetError.unreadable(source: url.path, reason: error.reason)
        }
    }
}
