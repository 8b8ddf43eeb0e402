import ArgumentParser
import Foundation
import InceptionGraph
import TorchCheckpoint

/// `fidviz weights`: find or fetch the FID Inception-v3 weights.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Find or download a network's weights (pytorch-fid's Inception-v3 by default, or DINOv2 with --backbone).",
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

                --backbone dinov2-vitl14 (or -vits14, -vitb14) fetches \
                https://dl.fbaipublicfiles.com/dinov2/dinov2_vitl14/dinov2_vitl14_pretrain.pth, the file \
                torch hub's dinov2_vitl14 loads, into the same cache; it is also found in torch hub's \
                cache. torch hub checks no hash for it, so none is checked here; its SHA-256 is recorded \
                in every file fidviz writes with it.

                Example: FIDVIZ_WEIGHTS_URL=https://mirror.example.org/pt_inception-2015-12-05-6726825d.pth \
                fidviz weights download
                """)

        @Flag(help: "Download even if the weights are already found.")
        var force = false

        @Option(help: ArgumentHelp("Whose weights: inception (default), dinov2-vits14, dinov2-vitb14 or dinov2-vitl14.",
                                   valueName: "name"))
        var backbone: Backbone = .inception

        @OptionGroup var outputOptions: OutputOptions

        func run() throws {
            let locator = WeightsLocator(file: backbone.weightsFile)
            if !force, let existing = try? locator.locate(explicit: nil) {
                note("weights already present: \(existing.path)", quiet: outputOptions.quiet)
                print(existing.path)
                return
            }
            let source = try Self.sourceURL(environment: locator.environment, file: backbone.weightsFile)
            let destination = locator.fidvizCacheDirectory.appendingPathComponent(backbone.weightsFile.fileName)
            let stall = Double(locator.environment["FIDVIZ_DOWNLOAD_STALL_SECONDS"] ?? "") ?? 30
            try WeightsDownloader(file: backbone.weightsFile, quiet: outputOptions.quiet, stallSeconds: max(stall, 0.5))
                .download(source, to: destination, searched: locator.candidates(explicit: nil))
            print(destination.path)
        }

        /// Where to download from: `$FIDVIZ_WEIGHTS_URL` (a mirror, which must be http or https)
        /// if set and not empty, else pytorch-fid's release.
        static func sourceURL(environment: [String: String], file: WeightsFile) throws -> URL {
            guard let text = environment["FIDVIZ_WEIGHTS_URL"], !text.isEmpty else { return file.downloadURL }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", url.host != nil else {
                throw InputError("$FIDVIZ_WEIGHTS_URL is '\(text)', not an http(s) URL; set it to a mirror of "
                    + "\(file.fileName), or unset it to download from \(file.publisher)")
            }
            return url
        }
    }

    struct Where: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "path",
            abstract: "Print the weights file fidviz would use, or the places it searched.")

        @OptionGroup var network: NetworkOptions

        func validate() throws { try network.requireOneBackbone() }

        func run() throws {
            print(try LoadedModel.weightsFile(for: network.backbone, among: network.weights).path)
        }
    }
}
