import Crypto
import Dispatch
import DINOv2
import Foundation
import InceptionGraph
import Report
import TorchCheckpoint

/// A network ready to run, one case per backbone family.
enum Network {
    case inception(InceptionV3)
    case dinov2(DINOv2)
}

/// The network with the weights it was built from, and their identity for provenance.
struct LoadedModel {
    let network: Network
    let backbone: Backbone
    let weightsFile: URL
    /// Lower-case hex SHA-256 of the weights file.
    let sha256: String

    /// The Inception-v3, for the commands that need its classes (Top-1, Grad-CAM, class matching).
    var inception: InceptionV3? {
        if case .inception(let model) = network { return model }
        return nil
    }

    /// False when the file's hash is published (pytorch-fid's 6726825d) and this is not it. DINOv2's
    /// files have no published hash (torch hub checks none), so they are never called unofficial;
    /// their SHA-256 is recorded all the same.
    var isOfficial: Bool { backbone.weightsFile.sha256Prefix.map(sha256.hasPrefix) ?? true }

    /// One line for users when the weights are not the published ones.
    var unofficialWarning: String? {
        guard !isOfficial, let prefix = backbone.weightsFile.sha256Prefix else { return nil }
        return "weights \(weightsFile.lastPathComponent) (SHA-256 \(sha256.prefix(8))) are NOT the official "
            + "\(backbone == .inception ? "FID" : backbone.displayName) weights (\(prefix)…): numbers are not "
            + "comparable to published \(backbone.space.name)s"
    }

    /// The network's name, space and weights' SHA-256, as a report's summary lists them.
    var networkWeights: NetworkWeights {
        NetworkWeights(network: backbone.displayName, space: backbone.space, sha256: sha256)
    }

    /// Finds, hashes and loads the weights of `options.backbone` (see `load(_:weights:quiet:)`).
    static func load(_ options: NetworkOptions, quiet: Bool) throws -> LoadedModel {
        try load(options.backbone, weights: options.weights, matchByContent: false, quiet: quiet)
    }

    /// Finds, hashes and loads the weights of `backbone`: among the `--weights` files the one
    /// whose content (keys and shapes) is that network, else where `WeightsLocator` looks (see
    /// `weightsFile(for:among:matchByContent:)`).
    static func load(_ backbone: Backbone, weights explicit: [String], matchByContent: Bool, quiet: Bool) throws
        -> LoadedModel {
        let url = try weightsFile(for: backbone, among: explicit, matchByContent: matchByContent)
        let digest = try sha256Hex(of: url)
        let network: Network
        if let size = backbone.dinov2Size {
            let weights = try DINOv2Weights(contentsOf: url)
            guard weights.architecture.size == size else {
                throw InputError("\(url.path): holds DINOv2 \(weights.architecture.size.displayName) weights, but "
                    + "--backbone is \(backbone.rawValue); pass the \(size.displayName) file "
                    + "(\(WeightsFile.dinov2(size).fileName)) or --backbone \(Backbone(weights.architecture.size).rawValue)")
            }
            network = .dinov2(DINOv2(weights: weights))
        } else {
            network = .inception(InceptionV3(weights: try InceptionWeights(contentsOf: url)))
        }
        let loaded = LoadedModel(network: network, backbone: backbone, weightsFile: url, sha256: digest)
        if let warning = loaded.unofficialWarning { note("warning: \(warning)", quiet: quiet) }
        return loaded
    }

    /// The weights file of `backbone`. With several `--weights`, or with `matchByContent` (a run
    /// of several networks), each file is matched by what it holds (a DINOv2 state dict has
    /// `cls_token`), so their order does not matter; in a run of several networks, a network that
    /// none of them holds is looked for where `WeightsLocator` looks. One `--weights` file for one
    /// network is taken as given and refused, by its loader, if it is another network's.
    static func weightsFile(for backbone: Backbone, among explicit: [String], matchByContent: Bool = false) throws
        -> URL {
        let locator = WeightsLocator(file: backbone.weightsFile)
        guard explicit.count > 1 || (matchByContent && !explicit.isEmpty) else {
            return try locator.locate(explicit: explicit.first)
        }
        for path in explicit {
            let url = try locator.locate(explicit: path)
            let isDINOv2 = try TorchCheckpoint.parameterNames(contentsOf: url).contains("cls_token")
            if isDINOv2 == (backbone.dinov2Size != nil) { return url }
        }
        if matchByContent { return try locator.locate(explicit: nil) }
        throw InputError("--weights: none of \(explicit.joined(separator: ", ")) holds \(backbone.displayName) "
            + "weights (--backbone \(backbone.rawValue))")
    }
}

// MARK: - The networks of one run

/// The networks of a run of one or more backbones, each loaded when it is first needed, so that
/// a run that reads every set from files and explains no image loads none. Not thread-safe: load
/// what concurrent work needs before it starts.
final class LoadedModels {
    let options: NetworkOptions
    let quiet: Bool
    /// Called with the seconds each load took.
    var onLoad: (Double) -> Void = { _ in }
    private var models: [Backbone: LoadedModel] = [:]

    init(_ options: NetworkOptions, quiet: Bool) {
        self.options = options
        self.quiet = quiet
    }

    /// The network of `backbone`, loading it now if it is not loaded yet.
    func model(_ backbone: Backbone) throws -> LoadedModel {
        if let model = models[backbone] { return model }
        let start = DispatchTime.now().uptimeNanoseconds
        let model = try LoadedModel.load(backbone, weights: options.weights,
                                         matchByContent: options.backbones.backbones.count > 1, quiet: quiet)
        onLoad(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        models[backbone] = model
        return model
    }

    /// The networks loaded so far, in `--backbone` order.
    var loaded: [LoadedModel] { options.backbones.backbones.compactMap { models[$0] } }
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
