import OutputFiles
import ArgumentParser
import Foundation
import Frechet
import NumpyFiles
import Report

/// `--backbone` and `--weights PATH`, accepted by every command that runs a network.
struct NetworkOptions: ParsableArguments {
    @Option(name: .customLong("backbone"), help: ArgumentHelp(
        "The network: inception (FID, as pytorch-fid; the default) or dinov2-vits14, dinov2-vitb14, dinov2-vitl14 (FD_DINOv2, as dgm-eval). explain takes a comma list, e.g. inception,dinov2-vitl14: one column of per-image distances per network, ranked by the first.",
        valueName: "name"))
    var backbones = BackboneList([.inception])

    @Option(name: .long, help: ArgumentHelp(
        "A weights file (repeatable, one per backbone, matched to its network by its content): pytorch-fid's pt_inception-2015-12-05-6726825d.pth, or dinov2_vit{s,b,l}14_pretrain.pth.",
        discussion: "Default: $FIDVIZ_WEIGHTS, then the fidviz and torch hub caches. DINOv2: the fidviz and torch hub caches.",
        valueName: "path"))
    var weights: [String] = []

    /// The one network of a single-network command; explain's ranking network.
    var backbone: Backbone { backbones.backbones[0] }

    func validate() throws {
        let list = backbones.backbones
        if let repeated = list.enumerated().first(where: { list[..<$0.offset].contains($0.element) })?.element {
            throw ValidationError("--backbone names \(repeated.rawValue) twice")
        }
    }

    /// For the commands that see the images through one network: refuses a comma list.
    func requireOneBackbone() throws {
        guard backbones.backbones.count == 1 else {
            throw ValidationError("--backbone \(backbones.defaultValueDescription): this command takes one network; "
                + "`fidviz explain` takes several")
        }
    }
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

/// `GEN ... --ref REF`: the generated set and the reference that `fid` and `classes` compare.
/// Which kinds of file each command reads for GEN differs (`classes` weighs each image, so it
/// needs images or features); each command's discussion says which.
struct ComparedSetsOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Generated set: image files or folders, or one .npz (which kinds: see OVERVIEW).",
                                 valueName: "gen"))
    var inputs: [String]

    @Option(help: ArgumentHelp("Reference set: images or folders, a statistics .npz or a features .npz.",
                               valueName: "ref"))
    var ref: String

    /// The two sets as `SetSource`s; errors about the reference are prefixed with `--ref`.
    func sources() throws -> (generated: SetSource, reference: SetSource) {
        (try SetSource(inputs, flag: nil), try SetSource([ref], flag: "--ref"))
    }
}

/// `-o FILE.npz`, for the commands that write one statistics or features file (stats, features,
/// merge): the name is checked before any work starts, and the file gets its record keys.
struct NpzOutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Output .npz file.", valueName: "file"))
    var output: String

    func validate() throws {
        guard output.hasSuffix(".npz") else { throw ValidationError("-o \(output): the output must end in .npz") }
    }

    /// Refuses an output that cannot be written (see `OutputPath.checkFile`); call it first in `run()`.
    func checkWritable() throws { try OutputPath.checkFile(output, flag: "-o") }

    /// Writes `arrays`, then the keys that record `origin` and, for a shard, its slice, through
    /// the one atomic writer.
    func write(_ arrays: [(name: String, array: NpyArray)], origin: FeatureOrigin, shard: ShardRecord?) throws {
        try NpzFile.write(arrays + StatisticsFile.recordArrays(origin: origin, shard: shard),
                          to: URL(fileURLWithPath: output))
    }
}
