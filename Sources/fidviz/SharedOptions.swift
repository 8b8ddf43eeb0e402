import ArgumentParser
import Foundation

/// `--weights PATH`, accepted by every command that runs the network.
struct WeightsOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The FID Inception-v3 weights (pytorch-fid's pt_inception-2015-12-05-6726825d.pth).",
        discussion: "Default: $FIDVIZ_WEIGHTS, then the fidviz and torch hub caches.",
        valueName: "path"))
    var weights: String?
}

/// Progress and verbosity shared by long-running commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "No progress bar or notes on stderr.")
    var quiet = false
}

/// `--batch-size`, for commands that stream images through the network.
struct BatchOptions: ParsableArguments {
    @Option(help: "Images per forward pass (memory grows with it; results do not).")
    var batchSize = 16

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }
}
