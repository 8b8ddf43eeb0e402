import ArgumentParser
import Autograd
import Foundation
import InceptionGraph
import NumpyFiles

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
        try checkWritableOutput(output, flag: "-o")
        let inputs = try ImageInputs(arguments: self.inputs)
        let quiet = outputOptions.quiet
        if inputs.skipped > 0 { note("skipped \(inputs.skipped) non-PNG files", quiet: quiet) }
        let loaded = try LoadedModel.load(weightsOptions, quiet: quiet)

        let progress = ProgressBar(label: "features", quiet: quiet)
        var pool3: [Float] = [], logits: [Float] = [], names: [String] = []
        var predictions: [[String: Any]] = []
        // Single-threaded BLAS per image, as in `fidviz stats`: results do not depend on the batch size.
        try ComputeRuntime.withThreads(1) {
            try FeatureExtractor(model: loaded.model, batchSize: batchOptions.batchSize).run(inputs.files, progress: {
                progress.update(done: $0, total: $1)
            }) { result in
                names.append(result.file.relativePath)
                pool3 += result.pool3
                logits += result.logits
                let top = ClassPrediction.top(1, logits: result.logits)[0]
                predictions.append(["file": result.file.relativePath,
                                    "top1": ["index": top.index, "label": top.label, "probability": top.probability]])
            }
        }
        let n = names.count
        // Written in full and renamed into place before a Ctrl-C can end the process.
        try Interrupts.critical {
            try Npz.write([
                (name: "files", array: NpyArray(shape: [n], values: .unicode(names))),
                (name: "pool3", array: NpyArray(shape: [n, InceptionArchitecture.featureCount], values: .float32(pool3))),
                (name: "logits", array: NpyArray(shape: [n, InceptionArchitecture.classCount], values: .float32(logits))),
            ], to: URL(fileURLWithPath: output))
        }
        note("wrote \(n) feature vectors to \(output)", quiet: quiet)
        if json {
            let data = try JSONSerialization.data(withJSONObject: predictions,
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
