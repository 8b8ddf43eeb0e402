import ArgumentParser
import Autograd

/// fidviz: see what Fréchet Inception Distance looks at in your images.
@main
struct Fidviz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidviz",
        abstract: "Explain Fréchet Inception Distance: per-image FID gradients and heatmaps, computed with pytorch-fid's Inception-v3.",
        discussion: """
            fidviz runs the FID Inception-v3 (the same weights and preprocessing as pytorch-fid) forward \
            and backward on its own autodiff engine.

            Weights: fidviz looks for pt_inception-2015-12-05-6726825d.pth in --weights PATH, \
            $FIDVIZ_WEIGHTS, ~/.cache/fidviz, then torch hub's cache ($TORCH_HOME or ~/.cache/torch, \
            hub/checkpoints), where pytorch-fid and torch-fidelity keep it. `fidviz weights download` fetches it.

            Examples:
              fidviz sample.png --ref stats.npz          (explain: the default command)
              fidviz weights download
              fidviz features samples/ -o feats.npz --json
              fidviz stats reference_images/ -o ref.npz
              fidviz fid generated/ --ref ref.npz
            """,
        version: FidvizVersion.string,
        subcommands: [ExplainCommand.self, FeaturesCommand.self, StatsCommand.self, FIDCommand.self,
                      WeightsCommand.self],
        defaultSubcommand: ExplainCommand.self)

    /// Sets up OpenBLAS and the allocator before any command does numerical work
    /// (statistics files are checked with LAPACK before the network first runs).
    static func main() {
        ComputeRuntime.prepare()
        main(nil)
    }
}

enum FidvizVersion {
    static let string = "0.1.0"
}
