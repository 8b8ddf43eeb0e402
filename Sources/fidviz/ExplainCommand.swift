import Agreement
import ArgumentParser
import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Report
import Sensitivity

extension InceptionLayer: ExpressibleByArgument {}
extension ColormapName: ExpressibleByArgument {}
extension CAMMethod: ExpressibleByArgument {}
extension CAMTarget: ExpressibleByArgument {}

/// A comma list of choices (`--cam gradcam,hirescam`): nil, ArgumentParser's "invalid value"
/// error listing the names, for an unknown name or an empty item.
struct CommaList<Item: ExpressibleByArgument & CaseIterable & RawRepresentable>: ExpressibleByArgument
    where Item.RawValue == String {
    let items: [Item]

    init(_ items: [Item]) { self.items = items }

    init?(argument: String) {
        let names = argument.split(separator: ",", omittingEmptySubsequences: false)
        let parsed = names.compactMap { Item(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.count == names.count else { return nil }
        items = parsed
    }

    static var allValueStrings: [String] { Item.allCases.map(\.rawValue) }

    var defaultValueDescription: String { items.map(\.rawValue).joined(separator: ",") }
}

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
            most 20 steps, or 5 short ones with more images than dimensions, and is labelled an upper bound \
            when it stops there).

            Two networks: --backbone inception,dinov2-vitl14 runs phase 1 through both and gives \
            every image ΔFID and ΔFD_DINOv2, each exactly as a run of that network alone; the first \
            network listed ranks the report. Each image also gets its rank in both spaces and its \
            disagreement, rank by ΔFD_DINOv2 minus rank by ΔFID as fractions of N; the report adds \
            their Spearman correlation, the classes FID alone cares about, and --disagreements K cards \
            each way: the images FID ranks much worse than FD_DINOv2 ("FID-only offenders") and the \
            other way round, each with FID's map and FD_DINOv2's side by side. --ref, --features and \
            --gen are then given once per network, each file matched to its network by the backbone \
            it records (images, as GEN or --ref, go through both); from files alone no network runs \
            until an image is explained. Phase 2 keeps, from phase 1's DINOv2 pass, the tokens \
            entering the last block of every image (257 x width float32: 1 MiB per image for ViT-L/14) \
            when the whole set's fit in 512 MiB, and then runs only the last block per map; above \
            that it runs the whole network again for each explained image.

            People's judgements: --human FILE.csv (dgm-eval's per-image human study, or file,score) \
            is read and matched to the images by path or file name before any network runs; one line \
            says what matched. The report gives each distance's Spearman correlation with people's \
            scores (bootstrap 95% interval) and explains the --disagreements K images each way where \
            FID and people part most.

            Which map to believe: --faithfulness scores every Inception map of each explained image \
            with ROAD (Rong et al., ICML 2022): the 10%, ..., 90% of pixels a map ranks highest \
            (MoRF) or lowest (LeRF) are filled by noisy linear imputation, and the map's target \
            (ΔFID, or the Top-1 logit for Top-1 CAMs) is watched; score = mean over the steps of \
            (LeRF - MoRF) / the original value, against a random order (3 seeds). Each card gets a \
            plot per map; the report a table naming the most faithful map. --cam and --cam-target \
            add the CAM variants pytorch-grad-cam computes, of the Top-1 logit and of ΔFID.

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
              fidviz generated/ --ref reference/ --backbone inception,dinov2-vitl14 --human human.csv
              fidviz --features f-inc.npz --features f-dino.npz --ref r-inc.npz --ref r-dino.npz --backbone inception,dinov2-vitl14
            """)

    @Argument(help: ArgumentHelp("Images or folders to explain (or use --features).", valueName: "images"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp(
        "Reference: a statistics .npz (pytorch-fid, clean-fid, ADM or fidviz), a features .npz, or images and a folder. With several --backbone, one .npz per backbone (matched by the backbone it records) or images, which every backbone without its own file measures.",
        valueName: "ref"))
    var ref: [String]

    @Option(help: ArgumentHelp("Statistics of the generated set the images join (N = its `n`, else 50000); with several --backbone, one per backbone.",
                               valueName: "stats.npz"))
    var gen: [String] = []

    @Option(help: ArgumentHelp(
        "The generated set's features (from `fidviz features`, e.g. made in shards): phase 1 reads them instead of running the network. With several --backbone, one per backbone, of the same images in the same order (each matched by the backbone it records). Its `files` must exist where they are listed, for the explained images (and give every image's width and height where they do).",
        valueName: "features.npz"))
    var features: [String] = []

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

    @Option(help: ArgumentHelp(
        "With two --backbone: how many images each way the two networks disagree on most to explain too (phase 2): FID ranks them much worse than FD_DINOv2 does (\"FID-only offenders\"), and the other way round. With --human, as many each way where FID and people disagree most.",
        valueName: "K"))
    var disagreements = 4

    @Option(help: ArgumentHelp(
        "People's judgements of the images, a CSV: dgm-eval's per-image human study (image_path, soft_label, number_guesses; rows with 0 guesses skipped) or `file,score`. Higher: more people judged the image fake. Rows are matched to images by path, else by file name. The report gives each distance's Spearman correlation with the scores (bootstrap 95% interval) and explains the images where FID and people disagree most.",
        valueName: "file.csv"))
    var human: String?

    @Flag(help: "Also backpropagate to the pixels: a |dFID/dpixel| panel and panels/NNNN-<name>.pixelgrad.npy [3,H,W] float32 (slower: the pass runs to the input, with float64 routing).")
    var pixelGradient = false

    @Option(help: "Colormap of the heat panels: parula (as in the paper), viridis or inferno.")
    var colormap: ColormapName = .parula

    @Option(help: ArgumentHelp(
        "CAM variants to draw at each --layer, a comma list of gradcam, gradcam++, hirescam, layercam, xgradcam, eigencam (as pytorch-grad-cam computes them).",
        valueName: "list"))
    var cam = CommaList<CAMMethod>([.gradCAM])

    @Option(help: ArgumentHelp(
        "What the CAMs explain, a comma list: top1 (the Top-1 ImageNet logit, the default) and delta_fid (the image's ΔFID). EigenCAM uses no gradient; its map is the same for both.",
        valueName: "list"))
    var camTarget = CommaList<CAMTarget>([.top1])

    @Flag(help: "Score every Inception map with ROAD (Rong et al., ICML 2022): remove 10%, ..., 90% of the pixels most relevant first (MoRF) and least relevant first (LeRF), fill them by noisy linear imputation, and watch ΔFID (FID's maps and the CAMs of ΔFID) or the Top-1 logit (Top-1 CAMs) fall; against a random order. Adds a plot per map to each card and a table of the average score per map. Slower: about 19 + 18 x maps forward passes per explained image, and a sparse solve per step.")
    var faithfulness = false

    @Flag(help: "Print report.json on stdout as well.")
    var json = false

    @Flag(help: "Replace the output folder even if it holds files fidviz did not write.")
    var force = false

    @OptionGroup var network: NetworkOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    var effectiveLayers: [InceptionLayer] { layers.isEmpty ? [.mixed_7c] : layers }

    var backbones: [Backbone] { network.backbones.backbones }

    func validate() throws {
        if !backbones.contains(.inception) {
            guard layers.isEmpty else {
                throw ValidationError("--layer names Inception's layers; DINOv2's map is taken at its last block's norm1")
            }
            guard !pixelGradient else {
                throw ValidationError("--pixel-gradient is for --backbone inception only so far")
            }
            guard !faithfulness else {
                throw ValidationError("--faithfulness scores Inception's maps; add inception to --backbone")
            }
        }
        guard top >= 0, best >= 0, disagreements >= 0 else {
            throw ValidationError("--top, --best and --disagreements must be at least 0")
        }
        guard backbones.filter({ $0 != .inception }).count <= 1 else {
            throw ValidationError("--backbone \(network.backbones.defaultValueDescription): give at most one DINOv2 size "
                + "(both would be FD_DINOv2)")
        }
        guard !output.isEmpty else { throw ValidationError("-o: give a folder name (it is empty)") }
        guard Set(layers).count == layers.count else { throw ValidationError("--layer repeats a layer") }
        guard Set(cam.items).count == cam.items.count, Set(camTarget.items).count == camTarget.items.count else {
            throw ValidationError("--cam and --cam-target list each name once")
        }
        guard inputs.isEmpty != features.isEmpty else {
            throw ValidationError(features.isEmpty ? "give the images to explain, or --features FEATS.npz"
                                                   : "give either images or --features, not both")
        }
    }

    func run() throws {
        try ReportFolder.check(path: output, force: force)
        // Every input is read and checked before the output folder is touched or the weights load.
        let explainInputs = try ExplainInputs.read(images: inputs, references: ref, features: features, gen: gen,
                                                   human: human, backbones: backbones)
        if let match = explainInputs.human { note(match.summary(), quiet: outputOptions.quiet) }
        var settings = ExplainSettings(layers: effectiveLayers, top: top, best: best, disagreements: disagreements,
                                       pixelGradient: pixelGradient, colormap: colormap, batchSize: batchOptions.batchSize,
                                       quiet: outputOptions.quiet, referenceNames: ref, network: network)
        settings.cams = camTarget.items.flatMap { target in cam.items.map { CAMKind($0, target) } }.sorted()
        settings.faithfulness = faithfulness
        let written = try ReportFolder.writing(path: output, force: force) {
            try ExplainRun(settings: settings, folder: $0).run(explainInputs)
        }
        note("wrote \(written.destination.path)/index.html", quiet: outputOptions.quiet)
        if json { print(String(decoding: written.result, as: UTF8.self), terminator: "") }
    }
}
