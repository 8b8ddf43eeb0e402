import ArgumentParser
import Foundation
import Frechet
import InceptionGraph
import Report

/// `fidviz stats`: FID statistics of a set of images, as a pytorch-fid-compatible .npz.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Compute FID statistics (mu, sigma) of PNG, JPEG or WebP images into a pytorch-fid-compatible .npz.",
        discussion: """
            Images are read as pytorch-fid reads them (RGB, /255, bilinear 299x299, 2x-1) and streamed \
            through the network: memory does not grow with the number of images, and the result does \
            not depend on --batch-size. Folders are walked recursively in sorted order; files other \
            than .png, .jpg, .jpeg and .webp are skipped and counted.

            The .npz holds `mu` float64 [2048] and `sigma` float64 [2048,2048] (N-1 denominator), as \
            pytorch-fid's --save-stats writes them, plus `n` (the number of images), `top1_hist` int64 \
            [1008] (Top-1 ImageNet class counts) and `fidviz` (how the file was made). pytorch-fid \
            reads it as ordinary statistics; use it with `fidviz fid` or `fidviz --ref`.

            Example: fidviz stats reference_images/ -o ref.npz
            """)

    @Argument(help: ArgumentHelp("PNG, JPEG or WebP files, or folders.", valueName: "images"))
    var inputs: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp("Output .npz file.", valueName: "file"))
    var output: String

    @OptionGroup var weightsOptions: WeightsOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard output.hasSuffix(".npz") else { throw ValidationError("-o \(output): the output must end in .npz") }
    }

    func run() throws {
        try OutputPath.checkFile(output, flag: "-o")
        guard case .images(let images) = try SetSource(inputs, flag: nil) else {
            throw InputError("\(inputs.joined(separator: " ")): `fidviz stats` computes the statistics of images; give image files or folders")
        }
        let quiet = outputOptions.quiet
        if let skipped = images.skippedNote { note(skipped, quiet: quiet) }
        guard images.count >= 2 else {
            throw InputError("\(inputs.joined(separator: ", ")): 1 image, but statistics need at least 2 (the covariance divides by N-1)")
        }
        noteIfTooFewSamples(images.count, set: "image set", quiet: quiet)
        let loaded = try LoadedModel.load(weightsOptions, quiet: quiet)
        let measured = try MeasuredSet.measure(images, model: loaded.model, batchSize: batchOptions.batchSize,
                                               keepRows: false, label: "stats", quiet: quiet)
        try NpzFile.write(StatisticsFile.arrays(measured.statistics, top1Histogram: measured.top1Histogram,
                                                logitStatistics: measured.logitStatistics,
                                                provenance: MeasuredSet.provenance(weights: loaded, count: images.count)),
                          to: URL(fileURLWithPath: output))
        note("wrote statistics of \(images.count) images to \(output)", quiet: quiet)
    }
}
