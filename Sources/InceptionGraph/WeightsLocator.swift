import Foundation

/// Where fidviz looks for the FID Inception-v3 weights, in the order a pytorch-fid user expects.
///
/// 1. an explicit path (`--weights PATH`);
/// 2. `$FIDVIZ_WEIGHTS`;
/// 3. fidviz's cache: `$XDG_CACHE_HOME/fidviz` (default `~/.cache/fidviz`) / pt_inception-2015-12-05-6726825d.pth;
/// 4. the torch hub cache where pytorch-fid downloads it: `$TORCH_HOME` (default
///    `$XDG_CACHE_HOME/torch`, i.e. `~/.cache/torch`) / hub/checkpoints/pt_inception-2015-12-05-6726825d.pth;
/// 5. the same folder under torch-fidelity's name, weights-inception-2015-12-05-6726825d.pth.
public struct WeightsLocator {
    public static let fileName = "pt_inception-2015-12-05-6726825d.pth"
    public static let torchFidelityFileName = "weights-inception-2015-12-05-6726825d.pth"
    /// pytorch-fid's release URL for the file.
    public static let downloadURL =
        URL(string: "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth")!
    /// The official file's SHA-256 starts with this (torch hub names files by it).
    public static let officialSHA256Prefix = "6726825d"
    public static let officialByteCount = 95_628_359

    public let environment: [String: String]
    public let home: URL

    /// `home` defaults to `$HOME` when set (Python's `expanduser`, hence torch hub, honours it;
    /// Foundation's home folder on Linux does not), else the account's home folder.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, home: URL? = nil) {
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
        if let env = environment["FIDVIZ_WEIGHTS"], !env.isEmpty {
            list.append((URL(fileURLWithPath: env), "$FIDVIZ_WEIGHTS"))
        }
        list.append((fidvizCacheDirectory.appendingPathComponent(Self.fileName), "fidviz cache"))
        list.append((torchHubCheckpoints.appendingPathComponent(Self.fileName), "torch hub cache (pytorch-fid)"))
        list.append((torchHubCheckpoints.appendingPathComponent(Self.torchFidelityFileName),
                     "torch hub cache (torch-fidelity)"))
        return list
    }

    /// The first existing candidate. An explicit `--weights` or `$FIDVIZ_WEIGHTS` that does not exist
    /// is an error of its own: the user named that file, so falling back silently would mislead.
    public func locate(explicit: String?) throws -> URL {
        let fm = FileManager.default
        let all = candidates(explicit: explicit)
        for (url, origin) in all {
            var isDirectory: ObjCBool = false
            let exists = fm.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if exists && !isDirectory.boolValue { return url }
            if origin == "--weights" || origin == "$FIDVIZ_WEIGHTS" {
                throw WeightsNotFound(searched: [url.path], named: origin, isDirectory: exists)
            }
        }
        throw WeightsNotFound(searched: all.map(\.url.path), named: nil, isDirectory: false)
    }
}

/// The weights file is nowhere fidviz looks. The message lists the places and how to fix it.
public struct WeightsNotFound: Error, CustomStringConvertible {
    public let searched: [String]
    public let named: String?
    public let isDirectory: Bool

    public var description: String {
        if let named {
            let what = isDirectory ? "is a folder, not a file" : "does not exist"
            return "the weights file given by \(named) \(what): \(searched[0])"
        }
        return "FID Inception weights not found (searched: \(searched.joined(separator: ", "))); "
            + "run `fidviz weights download`, or fetch \(WeightsLocator.downloadURL.absoluteString) by hand "
            + "and place it at \(searched.first ?? WeightsLocator.fileName), or pass --weights PATH"
    }
}
