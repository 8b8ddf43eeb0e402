import ArgumentParser
import Foundation
import Frechet
import Heatmap
import InceptionGraph

extension InceptionLayer: ExpressibleByArgument {}
extension ColormapName: ExpressibleByArgument {}

/// `fidviz explain` (the default command): where in each image FID's gradient comes from.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Heatmaps of each image's contribution to FID, with its ImageNet Top-1 class (the default command).",
        discussion: """
            For each image fidviz computes ΔFID, the change in FID when the image joins the generated \
            set (Kynkäänniemi et al., ICLR 2023), backpropagates dFID through the FID Inception-v3, and \
            draws: the original | the FID sensitivity map | Grad-CAM of the Top-1 class, per --layer.

            The generated set: --gen STATS if given; otherwise, for several images, each joins the \
            others (leave-one-out); for a single image, a "perfect generator" whose statistics equal \
            the reference.

            Output (-o, default fidviz-report/): index.html (open it from disk), report.json, and one \
            PNG per image in panels/. An existing non-empty folder not written by fidviz is refused \
            unless --force; an interrupted run leaves the previous report untouched.

            Examples:
              fidviz samples/chelsea.png --ref ref.npz
              fidviz generated/ --ref ref.npz --layer mixed_7c --layer mixed_6e -o report
            """)

    @Argument(help: ArgumentHelp("PNG files or folders to explain.", valueName: "images"))
    var inputs: [String]

    @Option(help: ArgumentHelp(
        "Reference statistics: a .npz (pytorch-fid, clean-fid, ADM or fidviz stats, or a fidviz features file) or a folder of PNGs.",
        valueName: "ref"))
    var ref: String

    @Option(help: ArgumentHelp("Statistics of the generated set the images join (N = its `n`, else 50000).",
                               valueName: "stats.npz"))
    var gen: String?

    @Option(name: .customLong("layer"), help: ArgumentHelp(
        "Layer for the maps (repeatable): mixed_7c (8x8, default), mixed_6e (17x17), mixed_5d (35x35).",
        valueName: "layer"))
    var layers: [InceptionLayer] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Output folder.", valueName: "dir"))
    var output = "fidviz-report"

    @Option(help: "How many images (worst ΔFID first) get full panel figures; all get numbers and maps in report.json.")
    var top = 50

    @Option(help: "Colormap of the heat panels: parula (as in the paper), viridis or inferno.")
    var colormap: ColormapName = .parula

    @Flag(help: "Print report.json on stdout as well.")
    var json = false

    @Flag(help: "Replace the output folder even if it holds files fidviz did not write.")
    var force = false

    @OptionGroup var weightsOptions: WeightsOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    var effectiveLayers: [InceptionLayer] { layers.isEmpty ? [.mixed_7c] : layers }

    func validate() throws {
        guard top > 0 else { throw ValidationError("--top must be at least 1") }
        guard !output.isEmpty else { throw ValidationError("-o: give a folder name (it is empty)") }
        guard Set(layers).count == layers.count else { throw ValidationError("--layer repeats a layer") }
    }

    func run() throws {
        try ReportFolder.check(path: output, force: force)
        let images = try ImageInputs(arguments: inputs)
        let quiet = outputOptions.quiet
        if images.skipped > 0 { note("skipped \(images.skipped) non-PNG files", quiet: quiet) }
        if gen == nil && images.files.count == 2 {
            throw InputError("2 images are too few for leave-one-out statistics; explain 1 image, 3 or more, or pass --gen STATS")
        }
        // Every input is read and checked before the output folder is touched or the weights load.
        let reference = try ReferenceInput(path: ref)
        let generatedFile = try gen.map { try StatisticsFile.read(contentsOf: URL(fileURLWithPath: $0)) }
        let folder = try ReportFolder(path: output, force: force)
        do {
            let report = try ExplainRun(command: self, images: images.files, reference: reference,
                                        generatedFile: generatedFile, folder: folder).run()
            try folder.commit()
            note("wrote \(folder.destination.path)/index.html", quiet: quiet)
            if json { print(String(decoding: report, as: UTF8.self)) }
        } catch {
            folder.discard()
            throw error
        }
    }
}
