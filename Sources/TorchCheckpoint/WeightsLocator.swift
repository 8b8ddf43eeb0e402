import Foundation

// MARK: - Which weights file, and where it is found

/// One network's published weights file: its names in the caches a PyTorch user already has, where
/// it is downloaded from, and how it is checked. `WeightsFile.inceptionFID` (InceptionGraph) and
/// `WeightsFile.dinov2(_:)` (DINOv2) are the ones fidviz knows.
public struct WeightsFile: Sendable, Equatable {
    /// How messages name the weights ("FID Inception weights").
    public let description: String
    /// The short name ("FID", "DINOv2 ViT-L/14"): "cannot download the FID weights".
    public let shortName: String
    /// Where the file is published, for messages ("pytorch-fid's release").
    public let publisher: String
    /// The file's name in fidviz's cache and in torch hub's `hub/checkpoints`.
    public let fileName: String
    /// Other names the file has in torch hub's checkpoints folder, with who writes them there.
    public let otherNames: [(name: String, origin: String)]
    /// Who downloads it into torch hub's cache ("pytorch-fid", "torch hub").
    public let torchHubUser: String
    /// The published file's URL.
    public let downloadURL: URL
    /// The published file's SHA-256 starts with this; nil when no hash is published and torch hub
    /// checks none (then fidviz records the hash of whatever file it used).
    public let sha256Prefix: String?
    /// The published file's size, when known.
    public let byteCount: Int?
    /// The environment variable that names the file, when there is one (`FIDVIZ_WEIGHTS`).
    public let environmentVariable: String?
    /// The command that fetches it ("fidviz weights download --backbone dinov2-vitl14").
    public let downloadCommand: String

    public init(description: String, shortName: String, publisher: String, fileName: String,
                otherNames: [(name: String, origin: String)] = [], torchHubUser: String, downloadURL: URL,
                sha256Prefix: String?, byteCount: Int?, environmentVariable: String?, downloadCommand: String) {
        (self.description, self.shortName, self.publisher) = (description, shortName, publisher)
        (self.fileName, self.otherNames, self.torchHubUser) = (fileName, otherNames, torchHubUser)
        (self.downloadURL, self.sha256Prefix, self.byteCount) = (downloadURL, sha256Prefix, byteCount)
        (self.environmentVariable, self.downloadCommand) = (environmentVariable, downloadCommand)
    }

    public static func == (a: WeightsFile, b: WeightsFile) -> Bool { a.fileName == b.fileName }
}

/// Where fidviz looks for a weights file, in the order a PyTorch user expects:
///
/// 1. an explicit path (`--weights PATH`);
/// 2. the file's environment variable, if it has one (`$FIDVIZ_WEIGHTS` for Inception);
/// 3. fidviz's cache: `$XDG_CACHE_HOME/fidviz` (default `~/.cache/fidviz`) / the file's name;
/// 4. the torch hub cache where pytorch-fid and torch hub download it: `$TORCH_HOME` (default
///    `$XDG_CACHE_HOME/torch`, i.e. `~/.cache/torch`) / hub/checkpoints/ the file's name;
/// 5. the same folder under its other names (torch-fidelity's, for Inception).
public struct WeightsLocator {
    public let file: WeightsFile
    public let environment: [String: String]
    public let home: URL

    /// `home` defaults to `$HOME` when set (Python's `expanduser`, hence torch hub, honours it;
    /// Foundation's home folder on Linux does not), else the account's home folder.
    public init(file: WeightsFile, environment: [String: String] = ProcessInfo.processInfo.environment,
                home: URL? = nil) {
        self.file = file
        self.environment = environment
        if let home {
            self.home = home
        } else if let value = environment["HOME"], !value.isEmpty {
            self.home = URL(fileURLWithPath: value, isDirectory: true)
        } else {
            self.home = FileManager.default.homeDirectoryForCurrentUser
        }
    }

    private var cacheRoot: URL {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg) }
        return home.appendingPathComponent(".cache")
    }

    /// fidviz's own cache folder (where `fidviz weights download` writes).
    public var fidvizCacheDirectory: URL { cacheRoot.appendingPathComponent("fidviz") }

    /// torch hub's checkpoints folder.
    public var torchHubCheckpoints: URL {
        let torchHome: URL
        if let value = environment["TORCH_HOME"], !value.isEmpty {
            torchHome = URL(fileURLWithPath: value)
        } else {
            torchHome = cacheRoot.appendingPathComponent("torch")
        }
        return torchHome.appendingPathComponent("hub/checkpoints")
    }

    /// Every place searched, in order, each with the reason it is searched.
    public func candidates(explicit: String?) -> [(url: URL, origin: String)] {
        var list: [(URL, String)] = []
        if let explicit { list.append((URL(fileURLWithPath: explicit), "--weights")) }
        if let variable = file.environmentVariable, let env = environment[variable], !env.isEmpty {
            list.append((URL(fileURLWithPath: env), "$" + variable))
        }
        list.append((fidvizCacheDirectory.appendingPathComponent(file.fileName), "fidviz cache"))
        list.append((torchHubCheckpoints.appendingPathComponent(file.fileName), "torch hub cache (\(file.torchHubUser))"))
        for other in file.otherNames {
            list.append((torchHubCheckpoints.appendingPathComponent(other.name), "torch hub cache (\(other.origin))"))
        }
        return list
    }

    /// The first existing candidate. An explicit `--weights` or environment variable that does not
    /// exist is an error of its own: the user named that file, so falling back silently would mislead.
    public func locate(explicit: String?) throws -> URL {
        let fm = FileManager.default
        let all = candidates(explicit: explicit)
        for (url, origin) in all {
            var isDirectory: ObjCBool = false
            let exists = fm.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if exists && !isDirectory.boolValue { return url }
            if origin == "--weights" || origin.hasPrefix("$") {
                throw WeightsNotFound(file: file, searched: [url.path], named: origin, isDirectory: exists)
            }
        }
        throw WeightsNotFound(file: file, searched: all.map(\.url.path), named: nil, isDirectory: false)
    }
}

/// The weights file is nowhere fidviz looks. The message lists the places and how to fix it.
public struct WeightsNotFound: Error, CustomStringConvertible {
    public let file: WeightsFile
    public let searched: [String]
    public let named: String?
    public let isDirectory: Bool

    public var description: String {
        if let named {
            let what = isDirectory ? "is a folder, not a file" : "does not exist"
            return "the weights file given by \(named) \(what): \(searched[0])"
        }
        return "\(file.description) not found (searched: \(searched.joined(separator: ", "))); "
            + "run `\(file.downloadCommand)`, or fetch \(file.downloadURL.absoluteString) "
            + "by hand and place it at \(searched.first(where: { !$0.isEmpty }) ?? file.fileName), or pass --weights PATH"
    }
}

