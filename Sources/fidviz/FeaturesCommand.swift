import ArgumentParser
import Autograd
import Foundation
import InceptionGraph
import NumpyFiles
import Report

/// `fidviz features`: pool3 features and logits of images, as a numpy .npz.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute pool3 features [N,2048] and logits [N,1008] of PNG images into a .npz.",
        discussion: """
            Images are read as pytorch-fid reads them (RGB, /255, bilinear 299x299, 2x-1). Folders are \
            walked recursively in sorted order; non-PNG files are skipped and counted.

            The .npz holds `files` (unicode), `pool3` float32 [N,2048] and `logits` float32 [N,1008]; \
            load it with numpy.load. With --json, stdout gets each image's Top-1 ImageNet class.

            Example: fidviz features samples/ -o feats.npz --json
            """)

    @Argument(help: ArgumentHelp("PNG files or folders.", valueName: "images"))
    var inputs: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp("Output .npz file.", valueName: "file"))
    var output: String

    @OptionGroup var weightsOptions: WeightsOptions
    @OptionGroup var outputOptions: OutputOptions

    @Flag(help: "Print each image's Top-1 class (index, label, softmax probability) as JSON on stdout.")
    var json = false

    @OptionGroup var batchOptions: BatchOptions

    func validate() throws {
        guard output.hasSuffix(".npz") else { throw ValidationError("-o \(output): the output must end in .npz") }
    }

    func run() throws {
        try OutputPath.checkFile(output, flag: "-o")
        guard case .images(let images) = try SetSource(inputs, flag: nil) else {
            throw InputError("\(inputs.joined(separator: " ")): `fidviz features` computes the features of images; give image files or folders")
        }
        let quiet = outputOptions.quiet
        if let skipped = images.skippedNote { note(skipped, quiet: quiet) }
        let loaded = try LoadedModel.load(weightsOptions, quiet: quiet)

        let progress = ProgressBar(label: "features", quiet: quiet)
        var pool3: [Float] = [], logits: [Float] = []
        var predictions: [JSONValue] = []
        // Single-threaded BLAS per image, as in `fidviz stats`: results do not depend on the batch size.
        try ComputeRuntime.withThreads(1) {
            try FeatureExtractor(model: loaded.model, batchSize: batchOptions.batchSize).run(images.files, progress: {
                progress.update(done: $0, total: $1)
            }) { result in
                pool3 += result.pool3
                logits += result.logits
                if json {
                    predictions.append(.object(["file": .string(result.file.description),
                                                "top1": ClassScore.top(1, logits: result.logits)[0].json]))
                }
            }
        }
        let n = images.count
        try NpzFile.write([
            (name: "files", array: NpyArray(shape: [n], values: .unicode((0 ..< n).map(images.name)))),
            (name: "pool3", array: NpyArray(shape: [n, InceptionArchitecture.featureCount], values: .float32(pool3))),
            (name: "logits", array: NpyArray(shape: [n, InceptionArchitecture.classCount], values: .float32(logits))),
        ], to: URL(fileURLWithPath: output))
        note("wrote \(n) feature vectors to \(output)", quiet: quiet)
        if json { print(String(decoding: JSONValue.array(predictions).serialized(pretty: true), as: UTF8.self), terminator: "") }
    }
}
