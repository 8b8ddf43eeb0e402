import OutputFiles
import ArgumentParser
import Report
import Foundation

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

            Large sets: `fidviz stats --shard I/K` and `fidviz features --shard I/K` measure only \
            slice I of K (counted from 0: images [I*N/K, (I+1)*N/K) of the N sorted images), one job \
            per slice (a Slurm array, a Kubernetes Indexed Job, GNU parallel); `fidviz merge` \
            combines the K files exactly into what one run gives.

            Examples:
              fidviz sample.png --ref stats.npz          (explain: the default command)
              fidviz weights download
              fidviz features samples/reference -o feats.npz --json
              fidviz stats reference_images/ -o ref.npz
              fidviz fid generated/ --ref ref.npz
              fidviz stats reference/ --shard 0/4 -o ref-0.npz     (... 3/4, then:)
              fidviz merge ref-0.npz ref-1.npz ref-2.npz ref-3.npz -o ref.npz
            """,
        version: FidvizVersion.string,
        subcommands: [ExplainCommand.self, FeaturesCommand.self, StatsCommand.self, FIDCommand.self, ClassesCommand.self,
                      CompareCommand.self, MergeCommand.self, WeightsCommand.self],
        defaultSubcommand: ExplainCommand.self)

    /// ArgumentParser's `main`, with two changes: Ctrl-C handling (`Interrupts`) is installed
    /// first, and with `--quiet` a usage error is one line (`Error: ...`, exit 64) without the
    /// usage text, like every other error.
    static func main() {
        Interrupts.install()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code != .success, isQuiet(arguments) {
                let text = message(for: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
                FileHandle.standardError.write(Data("Error: \(text)\n".utf8))
                Foundation.exit(code.rawValue)
            }
            exit(withError: error)
        }
    }

    /// True when `-q`/`--quiet` comes before any `--` (after which everything is an argument).
    private static func isQuiet(_ arguments: [String]) -> Bool {
        for argument in arguments {
            if argument == "--" { return false }
            if argument == "--quiet" || argument == "-q" { return true }
        }
        return false
    }
}

enum FidvizVersion {
    static let string = "0.1.0"
}
