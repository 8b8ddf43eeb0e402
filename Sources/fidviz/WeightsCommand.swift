import ArgumentParser
import Foundation
import InceptionGraph

/// `fidviz weights`: find or fetch the FID Inception-v3 weights.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Find or download the FID Inception-v3 weights (pytorch-fid's pt_inception-2015-12-05-6726825d.pth).",
        subcommands: [Download.self, Where.self])

    struct Download: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the weights from pytorch-fid's release into fidviz's cache.",
            discussion: """
                The file (95.6 MB) is checked against its SHA-256 prefix 6726825d and written atomically \
                to ~/.cache/fidviz (or $XDG_CACHE_HOME/fidviz). Nothing is downloaded if the weights are \
                already found: fidviz looks, in order, at $FIDVIZ_WEIGHTS, its own cache, then torch hub's \
                cache ($TORCH_HOME or ~/.cache/torch, hub/checkpoints) under pytorch-fid's and \
                torch-fidelity's names.

                Behind a firewall, set $FIDVIZ_WEIGHTS_URL to an http(s) mirror of the file; it is \
                checked against the same SHA-256. Or fetch the file by hand and pass --weights PATH.

                Example: FIDVIZ_WEIGHTS_URL=https://mirror.example.org/pt_inception-2015-12-05-6726825d.pth \
                fidviz weights download
                """)

        @Flag(help: "Download even if the weights are already found.")
        var force = false

        @OptionGroup var outputOptions: OutputOptions

        func run() throws {
            let locator = WeightsLocator()
            if !force, let existing = try? locator.locate(explicit: nil) {
                note("weights already present: \(existing.path)", quiet: outputOptions.quiet)
                print(existing.path)
                return
            }
            let source = try Self.sourceURL(environment: locator.environment)
            let destination = locator.fidvizCacheDirectory.appendingPathComponent(WeightsLocator.fileName)
            let stall = Double(locator.environment["FIDVIZ_DOWNLOAD_STALL_SECONDS"] ?? "") ?? 30
            try WeightsDownloader(quiet: outputOptions.quiet, stallSeconds: max(stall, 0.5))
                .download(source, to: destination, searched: locator.candidates(explicit: nil))
            print(destination.path)
        }

        /// Where to download from: `$FIDVIZ_WEIGHTS_URL` (a mirror, which must be http or https)
        /// if set and not empty, else pytorch-fid's release.
        static func sourceURL(environment: [String: String]) throws -> URL {
            guard let text = environment["FIDVIZ_WEIGHTS_URL"], !text.isEmpty else { return WeightsLocator.downloadURL }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", url.host != nil else {
                throw InputError("$FIDVIZ_WEIGHTS_URL is '\(text)', not an http(s) URL; set it to a mirror of "
                    + "\(WeightsLocator.fileName), or unset it to download from pytorch-fid's release")
            }
            return url
        }
    }

    struct Where: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "path",
            abstract: "Print the weights file fidviz would use, or the places it searched.")

        @OptionGroup var weightsOptions: WeightsOptions

        func run() throws {
            print(try WeightsLocator().locate(explicit: weightsOptions.weights).path)
        }
    }
}
