import ArgumentParser
import Foundation
import Frechet
import InceptionGraph
import NumpyFiles
import Report

/// `fidviz features`: each image's features (and, for Inception, logits), as a numpy .npz.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute each image's features (Inception pool3 and logits, or DINOv2 class tokens) into a .npz.",
        discussion: """
            Images are read as pytorch-fid reads them (RGB, /255, bilinear 299x299, 2x-1). Folders are \
            walked recursively in sorted order; files other than .png, .jpg, .jpeg and .webp are \
            skipped and counted.

            The .npz holds `files` (unicode), `pool3` float32 [N,2048] and `logits` float32 [N,1008], \
            plus `weights_sha256`, `preprocessing`, `backbone` and `fidviz` (how it was made); load it \
            with numpy.load. With --json, stdout gets each image's Top-1 ImageNet class.

            --backbone dinov2-vitl14 (or -vits14, -vitb14) runs DINOv2 as dgm-eval does (PIL bicubic \
            224x224, ImageNet normalisation) and writes `files` and `features` float32 [N,D] (D = 384, \
            768 or 1024), the class token after the final LayerNorm; DINOv2 has no classes, so no \
            logits and no --json.

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
    @OptionGroup var network: NetworkOptions
    @OptionGroup var outputOptions: OutputOptions

    @Flag(help: "Print each image's Top-1 class (index, label, softmax probability) as JSON on stdout.")
    var json = false

    @OptionGroup var batchOptions: BatchOptions

    func validate() throws {
        try network.requireOneBackbone()
        if json && network.backbone != .inception {
            throw ValidationError("--json prints ImageNet classes, which only --backbone inception has")
        }
    }

    func run() throws {
        try npzOutput.checkWritable()
        guard case .images(let all) = try SetSource(inputs, flag: nil) else {
            throw InputError("\(inputs.joined(separator: " ")): `fidviz features` computes the features of images; give image files or folders")
        }
        let quiet = outputOptions.quiet
        if let skipped = all.skippedNote { note(skipped, quiet: quiet) }
        let (images, shard) = try shardOptions.select(all)
        let loaded = try LoadedModel.load(network, quiet: quiet)
        let rows = try MeasuredSet.rows(images, model: loaded, batchSize: batchOptions.batchSize,
                                        label: "features", quiet: quiet)
        let contents = (rows.logits == nil ? loaded.backbone.featuresName : "pool3 and logits") + " of \(images.count) images"
        let provenance = Provenance.text(origin: Provenance.origin(loaded), weightsName: loaded.weightsFile.lastPathComponent,
                                         contents: contents, shard: shard)
        // Each name exactly as it is when it is UTF-8 (a numpy string holds any Unicode text); a
        // name that is not UTF-8 is written as people see it, its odd bytes as \xNN.
        let names = rows.paths.map { $0.exactText ?? $0.description }
        try npzOutput.write(Self.arrays(files: names, features: rows.features, dimension: rows.dimension,
                                        logits: rows.logits, provenance: provenance),
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

    /// A features file's arrays: `files` [N], then `pool3` f4 [N, 2048] and `logits` f4 [N, 1008]
    /// (Inception), or `features` f4 [N, D] (a network without classes), then `fidviz`.
    static func arrays(files: [String], features: [Float], dimension: Int, logits: [Float]?, provenance: String)
        -> [(name: String, array: NpyArray)] {
        let n = files.count
        let rows = NpyArray(shape: [n, dimension], values: .float32(features))
        let classes = logits.map {
            [(name: "logits", array: NpyArray(shape: [n, InceptionArchitecture.classCount], values: .float32($0)))]
        } ?? []
        return [(name: "files", array: NpyArray(shape: [n], values: .unicode(files))),
                (name: logits == nil ? "features" : "pool3", array: rows)] + classes + [
            (name: "fidviz", array: NpyArray(scalar: provenance)),
        ]
    }
}
