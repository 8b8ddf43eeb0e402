import ArgumentParser
import Foundation
import Frechet
import Report

/// `fidviz merge`: the K shards of `stats --shard` or `features --shard` combined into one file.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the K shard files of `fidviz stats --shard` or `fidviz features --shard` into one, exactly.",
        discussion: """
            Statistics shards merge into the statistics of the whole set: n summed, mu and sigma \
            by the pairwise update of Chan et al. from each shard's n, mu and sigma (N-1 denominator), \
            in float64, so the result equals a single run over all the images up to rounding (1e-15 \
            relative); `top1_hist` is summed and `mu_logits`/`sigma_logits` merged the same way when \
            every shard has them. Features shards are concatenated in slice order (`files`, `pool3`, \
            `logits`): the rows of a single run, in its order.

            The shards may be given in any order (they are sorted by their shard index). Merge refuses, \
            in one line: files of both kinds; a file without `n` or without a shard record; shards \
            made with other weights (SHA-256) or preprocessing; shards that disagree on K or on the \
            number of images N; a slice given twice; a slice missing.

            Examples:
              fidviz stats reference/ --shard 0/2 -o ref-0.npz
              fidviz stats reference/ --shard 1/2 -o ref-1.npz
              fidviz merge ref-0.npz ref-1.npz -o ref.npz
              fidviz merge shards/feats-*.npz -o feats.npz
            """)

    @Argument(help: ArgumentHelp("The shard files (.npz), in any order.", valueName: "shards"))
    var inputs: [String]

    @OptionGroup var npzOutput: NpzOutputOptions

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give the shard files to merge") }
    }

    func run() throws {
        try npzOutput.checkWritable()
        let shards = try ShardFiles(paths: inputs)
        let merged = "merged by fidviz merge from \(shards.shards.count) shards"
        if shards.areFeatures {
            var names: [String] = [], features: [Float] = [], logits: [Float] = []
            let withLogits = shards.shards[0].file.logits != nil
            for shard in shards.shards {
                guard let files = shard.file.files, let rows = shard.file.features,
                      (shard.file.logits != nil) == withLogits else {
                    throw InputError("\(shard.path): a features shard needs files and its rows (and logits when the "
                        + "others have them)")
                }
                names += files
                features += rows
                logits += shard.file.logits ?? []
            }
            let dimension = shards.shards[0].file.statistics.dimension
            let what = withLogits ? "pool3 and logits" : "features"
            let provenance = Provenance.text(origin: shards.origin, weightsName: nil,
                                             contents: "\(what) of \(shards.total) images; \(merged)", shard: nil)
            try npzOutput.write(FeaturesCommand.arrays(files: names, features: features, dimension: dimension,
                                                       logits: withLogits ? logits : nil, provenance: provenance),
                                origin: shards.origin, shard: nil)
        } else {
            let files = shards.shards.map(\.file), sources = shards.shards.map(\.path)
            let statistics = try FrechetStatistics.merged(files.map(\.statistics), sources: sources)
            let logitParts = files.compactMap(\.logitStatistics)
            let logitStatistics = logitParts.count == files.count
                ? try FrechetStatistics.merged(logitParts, sources: sources) : nil
            var topNStatistics: [Int: FrechetStatistics] = [:]
            for n in Set(files.flatMap(\.topNStatistics.keys)) {
                let parts = files.compactMap { $0.topNStatistics[n] }
                if parts.count == files.count { topNStatistics[n] = try FrechetStatistics.merged(parts, sources: sources) }
            }
            let histograms = files.compactMap(\.top1Histogram)
            let histogram = histograms.count == files.count && Set(histograms.map(\.count)).count == 1
                ? histograms.dropFirst().reduce(histograms[0]) { zip($0, $1).map { $0 + $1 } } : nil
            let provenance = Provenance.text(origin: shards.origin, weightsName: nil,
                                             contents: Provenance.statisticsContents(count: shards.total) + "; \(merged)",
                                             shard: nil)
            try npzOutput.write(StatisticsFile.arrays(statistics, top1Histogram: histogram, logitStatistics: logitStatistics,
                                                      topNStatistics: topNStatistics, provenance: provenance),
                                origin: shards.origin, shard: nil)
        }
        note("wrote \(shards.areFeatures ? "features" : "statistics") of \(shards.total) images "
            + "(\(shards.shards.count) shards) to \(npzOutput.output)", quiet: outputOptions.quiet)
    }
}
