import Crypto
import Foundation
import InceptionGraph

/// The network with the weights it was built from, and their identity for provenance.
struct LoadedModel {
    let model: InceptionV3
    let weightsFile: URL
    /// Lower-case hex SHA-256 of the weights file.
    let sha256: String

    /// True for pytorch-fid's published file (SHA-256 prefix 6726825d).
    var isOfficial: Bool { sha256.hasPrefix(WeightsLocator.officialSHA256Prefix) }

    /// One line for users when the weights are not the published ones.
    var unofficialWarning: String? {
        isOfficial ? nil : "weights \(weightsFile.lastPathComponent) (SHA-256 \(sha256.prefix(8))) are NOT the official FID weights (\(WeightsLocator.officialSHA256Prefix)…): numbers are not comparable to published FIDs"
    }

    /// Locates, hashes and loads the weights (see `WeightsLocator` for the search order).
    static func load(_ options: WeightsOptions, quiet: Bool) throws -> LoadedModel {
        let url = try WeightsLocator().locate(explicit: options.weights)
        let digest = try sha256Hex(of: url)
        let weights = try InceptionWeights(contentsOf: url)
        let loaded = LoadedModel(model: InceptionV3(weights: weights), weightsFile: url, sha256: digest)
        if let warning = loaded.unofficialWarning { note("warning: \(warning)", quiet: quiet) }
        return loaded
    }
}

/// SHA-256 of a file, read in 4 MiB chunks.
func sha256Hex(of url: URL) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
        throw InputError("\(url.path): cannot open for reading")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while true {
        let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
        if chunk.isEmpty { break }
        hasher.update(data: chunk)
    }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}
