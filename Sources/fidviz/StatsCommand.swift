import ArgumentParser
import Foundation
import Frechet
import InceptionGraph
import NumpyFiles
import Report

/// `fidviz stats`: FID statistics of a set of images, as a pytorch-fid-compatible .npz.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Compute FID statistics (mu, sigma) of PNG, JPEG or WebP images or an ADM batch into a pytorch-fid-compatible .npz.",
        discussion: """
            Images are read as pytorch-fid reads them (RGB, /255, bilinear 299x299, 2x-1) and streamed \
            through the network: memory does not grow with the number of images, and the result does \
            not depend on --batch-size. Folders are walked recursively in sorted order; files other \
            than .png, .jpg, .jpeg and .webp are skipped and counted.

            The .npz holds `mu` float64 [2048] and `sigma` float64 [2048,2048] (N-1 denominator), as \
            pytorch-fid's --save-stats writes them, plus `n` (the number of images), `top1_hist` int64 \
            [1008] (Top-1 ImageNet class counts), `mu_logits`/`sigma_logits` (statistics of the 1008 \
            logits), `mu_top5`/`sigma_top5` (statistics of each image's Top-5 classes as a multi-hot \
            vector, for `fidviz classes`), `weights_sha256` and `preprocessing` (what `fidviz merge` compares) and `fidviz` \
            (how the file was made). pytorch-fid reads it as ordinary statistics; use it with `fidviz \
            fid` or `fidviz --ref`.

            Shards: --shard I/K measures only images [I*N/K, (I+1)*N/K) of the N sorted images (I \
            counted from 0, as Slurm array task ids and Kubernetes' $JOB_COMPLETION_INDEX are) and \
            records the slice (`shard_index`, `shard_count`, `shard_first`, `shard_total`); `fidviz \
            merge` combines the K files into the statistics of the whole set.

            ADM batches: given an ADM/guided-diffusion .npz (`arr_0`: uint8 images [N,H,W,3], e.g. \
            VIRTUAL_imagenet256_labeled.npz), fidviz runs the network over its images, streamed from \
            the file, for `top1_hist` and the logit statistics. The output keeps the batch's own \
            `mu` and `sigma` (so FID against it is FID against the published reference) and records \
            n = N; a batch without mu/sigma (ADM's sample files) gets fidviz's own.

            Examples:
              fidviz stats reference_images/ -o ref.npz
              fidviz stats reference_images/ --shard 0/4 -o ref-0.npz     (then merge ref-*.npz)
              fidviz stats VIRTUAL_imagenet256_labeled.npz -o ref.npz
            """)

    @Argument(help: ArgumentHelp("PNG, JPEG or WebP files or folders, or one ADM batch .npz (images in arr_0).", valueName: "images"))
    var inputs: [String]

    @OptionGroup var npzOutput: NpzOutputOptions

    @OptionGroup var shardOptions: ShardOptions
    @OptionGroup var network: NetworkOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    var quiet: Bool { outputOptions.quiet }

    func validate() throws { try network.requireOneBackbone() }

    func run() throws {
        try npzOutput.checkWritable()
        switch try SetSource(inputs, flag: nil) {
        case .images(let images): try measure(images)
        case .npz(let url): try measureBatch(url)
        }
    }

    // MARK: - Image files

    private func measure(_ all: ImageFiles) throws {
        if let skipped = all.skippedNote { note(skipped, quiet: quiet) }
        guard all.count >= 2 else {
            throw InputError("\(inputs.joined(separator: ", ")): 1 image, but statistics need at least 2 (the covariance divides by N-1)")
        }
        let (images, shard) = try shardOptions.select(all)
        if shard == nil {
            noteIfTooFewSamples(images.count, dimension: network.backbone.featureDimension, set: "image set", quiet: quiet)
        }
        let loaded = try LoadedModel.load(network, quiet: quiet)
        let measured = try MeasuredSet.measure(images, model: loaded, batchSize: batchOptions.batchSize,
                                               keepRows: false, label: "stats", quiet: quiet)
        try write(measured.statistics, of: measured, weights: loaded, shard: shard,
                  provenance: Provenance.statistics(loaded, count: images.count, shard: shard))
        note("wrote statistics of \(images.count) images to \(npzOutput.output)" + (shard.map { ": \($0)" } ?? ""), quiet: quiet)
    }

    // MARK: - ADM batches

    /// The statistics of an ADM batch's `arr_0` images, keeping its own mu and sigma when it has them.
    private func measureBatch(_ url: URL) throws {
        guard network.backbone == .inception else {
            throw InputError("\(url.path): an ADM batch carries Inception statistics of its own; its images through "
                + "\(network.backbone.displayName) are not supported yet, so give them as image files")
        }
        guard shardOptions.shard == nil else {
            throw InputError("--shard: \(url.path) is an .npz; shards split image files, and an ADM batch is measured in one run (its own mu and sigma are kept whole)")
        }
        let archive = try NpzArchive(contentsOf: url)
        guard ImageBatch.isBatch(archive) else {
            throw InputError("\(url.path): holds no images (no '\(ImageBatch.key)'; keys: \(archive.keys.joined(separator: ", "))); "
                + "`fidviz stats` computes the statistics of PNG files and folders, or of an ADM batch's \(ImageBatch.key)")
        }
        // The batch's own statistics, checked before the network runs.
        let own = archive.contains("mu") || archive.contains("sigma")
            ? try StatisticsFile.read(contentsOf: url, expectedDimension: InceptionArchitecture.featureCount,
                                       expectedClassCount: InceptionArchitecture.classCount).statistics : nil
        try ImageBatch.with(archive, file: url, quiet: quiet) { batch in
            noteIfTooFewSamples(batch.count, set: "batch", quiet: quiet)
            let loaded = try LoadedModel.load(network, quiet: quiet)
            let measured = try MeasuredSet.measure(batch, model: loaded, batchSize: batchOptions.batchSize,
                                                   keepRows: false, label: "stats", quiet: quiet)
            let statistics = own.map { FrechetStatistics(mu: $0.mu, sigma: $0.sigma, n: batch.count) } ?? measured.statistics
            if let own {
                let distance = try FrechetDistance.distance(reference: own, generated: measured.statistics)
                note("fidviz's own mu and sigma of the \(batch.count) images are at FID \(distance) from the batch's "
                    + "(ADM computed those with TensorFlow's Inception and resizing); \(npzOutput.output) keeps the batch's", quiet: quiet)
            }
            let name = url.lastPathComponent
            let contents = own == nil
                ? Provenance.statisticsContents(count: batch.count, source: "\(ImageBatch.key) of \(name)")
                : "mu and sigma copied from \(name) (the ADM batch's own, \(batch.count) images); top1_hist and "
                    + "logit statistics computed by fidviz from its \(ImageBatch.key)"
            try write(statistics, of: measured, weights: loaded, shard: nil,
                      provenance: Provenance.text(origin: Provenance.origin(loaded),
                                                  weightsName: loaded.weightsFile.lastPathComponent,
                                                  contents: contents, shard: nil))
            note("wrote statistics of \(batch.count) images (\(url.lastPathComponent) \(ImageBatch.key)) to \(npzOutput.output)", quiet: quiet)
        }
    }

    // MARK: - Output

    /// `statistics` with `measured`'s class histogram and logit statistics, and the record keys.
    private func write(_ statistics: FrechetStatistics, of measured: MeasuredSet, weights: LoadedModel,
                       shard: ShardRecord?, provenance: String) throws {
        try npzOutput.write(StatisticsFile.arrays(statistics, top1Histogram: measured.top1Histogram,
                                                  logitStatistics: measured.logitStatistics,
                                                  topNStatistics: measured.topNStatistics, provenance: provenance),
                            origin: Provenance.origin(weights), shard: shard)
    }
}
