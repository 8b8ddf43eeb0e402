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
                to ~/.cache/fidviz (or $XDG_CACHE_HOME/fidviz). If you already have it from pytorch-fid \
                or torch-fidelity, fidviz finds it in torch hub's cache without downloading.
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
            let destination = locator.fidvizCacheDirectory.appendingPathComponent(WeightsLocator.fileName)
            try WeightsDownloader(quiet: outputOptions.quiet).download(WeightsLocator.downloadURL, to: destination,
                                                                       searched: locator.candidates(explicit: nil))
            print(destination.path)
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
