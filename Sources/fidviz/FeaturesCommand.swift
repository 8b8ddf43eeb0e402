import ArgumentParser
import Foundation
import Frechet
import InceptionGraph
import NumpyFiles
import Report

/// `fidviz features`: pool3 features and logits of images, as a numpy .npz.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute pool3 features [N,2048] and logits [N,1008] of PNG, JPEG or WebP images into a .npz.",
        discussion: """
            Images are read as pytorch-fid reads them (RGB, /255, bilinear 299x299, 2x-1). Folders are \
            walked recursively in sorted order; files other than .png, .jpg, .jpeg and .webp are \
            skipped and counted.

            The .npz holds `files` (unicode), `pool3` float32 [N,2048] and `logits` float32 [N,1008], \
            plus `weights_sha256`, `preprocessing` and `fidviz` (how it was made); load it with \
            numpy.load. With --json, stdout gets each image's Top-1 ImageNet class.

            Shards: --shard I/K computes only images [I*N/K, (I+1)*N/K) of the N sorted images (I \
            counted from 0) and records the slice; `fidviz merge` concatenates the K files in order.

            Examples:
              fidviz features samples/reference -o feats.npz --json
              fidviz features generated/ --shard 3/8 -o feats-3.npz
            """)

    @Argument(help: ArgumentHelp("PNG, JPEG or WebP files, or folders.", valueName: "images"))
    var inputs: [String]

    @OptionGroup var npzOutput: NpzOutputOptions

    @OptionGroup var shardOptions: ShardOptions
    @OptionGroup var weightsOptions: WeightsOptions
    @OptionGroup var outputOptions: OutputOptions

    @Flag(help: "Print each image's Top-1 class (index, label, softmax probability) as JSON on stdout.")
    var json = false

    @OptionGroup var batchOptions: BatchOptions

    func run() throws {
        try npzOutput.checkWritable()
        guard case .images(let all) = try SetSource(inputs, flag: nil) else {
            throw InputError("\(inputs.joined(separator: " ")): `fidviz features` computes the features of images; give image files or folders")
        }
        let quiet = outputOptions.quiet
        if let skipped = all.skippedNote { note(skipped, quiet: quiet) }
        let (images, shard) = try shardOptions.select(all)
        let loaded = try LoadedModel.load(weightsOptions, quiet: quiet)
        let rows = try MeasuredSet.rows(images, model: loaded.model, batchSize: batchOptions.batchSize,
                                        label: "features", quiet: quiet)
        let provenance = Provenance.text(origin: Provenance.origin(loaded), weightsName: loaded.weightsFile.lastPathComponent,
                                         contents: "pool3 and logits of \(images.count) images", shard: shard)
        // Each name exactly as it is when it is UTF-8 (a numpy string holds any Unicode text); a
        // name that is not UTF-8 is written as people see it, its odd bytes as \xNN.
        let names = rows.paths.map { $0.exactText ?? $0.description }
        try npzOutput.write(Self.arrays(files: names, pool3: rows.pool3, logits: rows.logits!, provenance: provenance),
                            origin: Provenance.origin(loaded), shard: shard)
        note("wrote \(images.count) feature vectors to \(npzOutput.output)" + (shard.map { ": \($0)" } ?? ""), quiet: quiet)
        if json {
            let predictions = (0 ..< rows.count).map { i in
                JSONValue.object(rows.paths[i].jsonMembers.merging(
                    ["top1": ClassScore.top(1, logits: rows.logits(i)!)[0].json]) { $1 })
            }
            print(String(decoding: JSONValue.array(predictions).serialized(pretty: true), as: UTF8.self), terminator: "")
        }
    }

    /// A features file's arrays: `files` [N], `pool3` f4 [N, 2048], `logits` f4 [N, 1008], `fidviz`.
    static func arrays(files: [String], pool3: [Float], logits: [Float], provenance: String)
        -> [(name: String, array: NpyArray)] {
        let n = files.count
        return [
            (name: "files", array: NpyArray(shape: [n], values: .unicode(files))),
            (name: "pool3", array: NpyArray(shape: [n, InceptionArchitecture.featureCount], values: .float32(pool3))),
            (name: "logits", array: NpyArray(shape: [n, InceptionArchitecture.classCount], values: .float32(logits))),
            (name: "fidviz", array: NpyArray(scalar: provenance)),
        ]
    }
}
