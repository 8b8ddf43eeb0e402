import ArgumentParser
import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Report

extension InceptionLayer: ExpressibleByArgument {}
extension ColormapName: ExpressibleByArgument {}

/// `fidviz explain` (the default command): which images drive FID, and where in them.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Rank every image by its contribution to FID and draw heatmaps of the ones that matter (the default command).",
        discussion: """
            ΔFID is the change in FID when an image joins the generated set (Kynkäänniemi et al., \
            ICLR 2023): positive means the image makes FID worse.

            Phase 1 ranks every image. It runs the network forward only, batched on every core like \
            `fidviz stats` (or reads --features instead), and computes each image's FID without and \
            with it and ΔFID, in O(d^2) per image after one O(d^3) step. Memory stays flat: only \
            feature rows are kept, never images.

            Phase 2 explains the images a person will look at: the --top K with the largest ΔFID and \
            the --best K with the most negative, one image per core at a time. For each it \
            backpropagates dFID through the FID Inception-v3 and draws: the original | the FID sensitivity map | Grad-CAM of the Top-1 \
            class, per --layer (and |dFID/dpixel| with --pixel-gradient).

            With two or more images (or --features), the report also says how much of this FID is \
            ImageNet classes: FID after Top-1 and Top-5 class matching of image weights and the lowest \
            FID any weighting reaches (`fidviz classes`, whose null-space optimiser runs here for at \
            most 20 iterations and is labelled an upper bound when it stops there).

            The generated set: --gen STATS if given; otherwise, for several images, each joins the \
            others (leave-one-out); for a single image, a "perfect generator" whose statistics equal \
            the reference. REF is a statistics or features .npz, or images.

            Output (-o, default fidviz-report/): index.html (open it from disk), report.json (every \
            image, worst first; maps for the explained ones), images.csv (one row per image), and \
            panels/NNNN-<name>.png (NNNN: the image's rank). An existing non-empty folder not \
            written by fidviz is refused unless --force; an interrupted run leaves the previous \
            report untouched.

            Examples:
              fidviz samples/generated/chelsea-blur.png --ref ref.npz
              fidviz generated/ --ref ref.npz --top 20 --best 5 -o report
              fidviz --features gen_features.npz --ref ref.npz --pixel-gradient
            """)

    @Argument(help: ArgumentHelp("Images or folders to explain (or use --features).", valueName: "images"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp(
        "Reference: a statistics .npz (pytorch-fid, clean-fid, ADM or fidviz), a features .npz, or images and folders.",
        valueName: "ref"))
    var ref: String

    @Option(help: ArgumentHelp("Statistics of the generated set the images join (N = its `n`, else 50000).",
                               valueName: "stats.npz"))
    var gen: String?

    @Option(help: ArgumentHelp(
        "The generated set's features (from `fidviz features`, e.g. made in shards): phase 1 reads them instead of running the network. Its `files` must exist where they are listed, for the explained images (and give every image's width and height where they do).",
        valueName: "features.npz"))
    var features: String?

    @Option(name: .customLong("layer"), help: ArgumentHelp(
        "Layer for the maps (repeatable): mixed_7c (8x8, default), mixed_6e (17x17), mixed_5d (35x35).",
        valueName: "layer"))
    var layers: [InceptionLayer] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Output folder.", valueName: "dir"))
    var output = "fidviz-report"

    @Option(help: "How many images with the largest ΔFID to explain (phase 2).")
    var top = 50

    @Option(help: "How many images with the most negative ΔFID to explain (phase 2).")
    var best = 10

    @Flag(help: "Also backpropagate to the pixels: a |dFID/dpixel| panel and panels/NNNN-<name>.pixelgrad.npy [3,H,W] float32 (slower: the pass runs to the input, with float64 routing).")
    var pixelGradient = false

    @Option(help: "Colormap of the heat panels: parula (as in the paper), viridis or inferno.")
    var colormap: ColormapName = .parula

    @Flag(help: "Print report.json on stdout as well.")
    var json = false

    @Flag(help: "Replace the output folder even if it holds files fidviz did not write.")
    var force = false

    @OptionGroup var network: NetworkOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    var effectiveLayers: [InceptionLayer] { layers.isEmpty ? [.mixed_7c] : layers }

    func validate() throws {
        if network.backbone != .inception {
            guard layers.isEmpty else {
                throw ValidationError("--layer names Inception's layers; DINOv2's map is taken at its last block's norm1")
            }
            guard !pixelGradient else {
                throw ValidationError("--pixel-gradient is for --backbone inception only so far")
            }
        }
        guard top >= 0, best >= 0 else { throw ValidationError("--top and --best must be at least 0") }
        guard !output.isEmpty else { throw ValidationError("-o: give a folder name (it is empty)") }
        guard Set(layers).count == layers.count else { throw ValidationError("--layer repeats a layer") }
        guard inputs.isEmpty != (features == nil) else {
            throw ValidationError(features == nil ? "give the images to explain, or --features FEATS.npz"
                                                  : "give either images or --features, not both")
        }
    }

    func run() throws {
        try ReportFolder.check(path: output, force: force)
        // Every input is read and checked before the output folder is touched or the weights load.
        let generated: GeneratedInput
        if let features {
            guard let set = try SetSource.npz(URL(fileURLWithPath: features))
                .readFile(backbone: network.backbone, logits: true, keepRows: true) else {
                preconditionFailure("an .npz source reads its file")
            }
            guard set.rows != nil else {
                throw InputError("--features \(features): holds \(set.layout?.rawValue ?? "statistics") (mu, sigma), "
                    + "not each image's features; make them with `fidviz features IMAGES -o FEATS.npz`")
            }
            generated = .features(set)
        } else {
            guard case .images(let images) = try SetSource(inputs, flag: nil) else {
                throw InputError("\(inputs[0]): give the images to explain (a features .npz goes to --features)")
            }
            generated = .images(images)
        }
        if gen == nil && generated.count == 2 {
            throw InputError("2 images are too few for leave-one-out statistics; explain 1 image, 3 or more, or pass --gen STATS")
        }
        let reference = try SetSource([ref], flag: "--ref")
        let referenceFile = try reference.readFile(backbone: network.backbone, logits: true)
        let joined = try gen.map { path -> (MeasuredSet, String) in
            guard let file = try SetSource.npz(URL(fileURLWithPath: path)).readFile(backbone: network.backbone) else {
                preconditionFailure("an .npz source reads its file")
            }
            return (file, path)
        }
        let explainInputs = ExplainInputs(generated: generated, reference: reference, referenceFile: referenceFile,
                                          joinedStatistics: joined)
        let settings = ExplainSettings(layers: effectiveLayers, top: top, best: best, pixelGradient: pixelGradient,
                                       colormap: colormap, batchSize: batchOptions.batchSize,
                                       quiet: outputOptions.quiet, referenceName: ref, network: network)
        let written = try ReportFolder.writing(path: output, force: force) {
            try ExplainRun(settings: settings, folder: $0).run(explainInputs)
        }
        note("wrote \(written.destination.path)/index.html", quiet: outputOptions.quiet)
        if json { print(String(decoding: written.result, as: UTF8.self), terminator: "") }
    }
}

/// The generated set as given to explain: images, or their features.
enum GeneratedInput {
    case images(ImageFiles)
    case features(MeasuredSet)

    var count: Int {
        switch self {
        case .images(let images): return images.count
        case .features(let set): return set.rows?.count ?? 0
        }
    }
}
