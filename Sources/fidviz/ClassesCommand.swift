import OutputFiles
import ArgumentParser
import Foundation
import Frechet
import Heatmap
import InceptionGraph
import NumpyFiles
import Report
import UntrustedInput

/// `fidviz classes`: how much of a generated set's FID is ImageNet classes, by reweighting its
/// images (Kynkäänniemi et al., ICLR 2023).
struct ClassesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classes",
        abstract: "How much of this FID is ImageNet classes: FID after Top-1, Top-N and pool3 matching of image weights.",
        discussion: """
            Every number comes from weighting the generated images, never changing them: weights w_i >= 0 \
            summing to 1 give mu_w = sum w_i f_i and Sigma_w = N/(N-1) sum w_i (f_i - mu_w)(f_i - mu_w)^T, and \
            FID(w) against the reference (uniform weights give the ordinary FID).

              fid_top1_matched   FID with importance weights p_ref(c_i)/p_gen(c_i) on each image's Top-1 \
            class c_i: the weighted Top-1 histogram equals the reference's (classes the reference lacks get \
            weight 0; unmatched_reference_mass is the reference's share in classes no generated image has). \
            explained_top1 = 1 - fid_top1_matched/fid.
              fid_topn_matched   FID at the weights that best match the reference's Top-N multi-hot class \
            vectors (--top-n, the paper's Top-N).
              fid_pool3_weighted the lowest FID over all weights ("matching all fringe features"): how far \
            choosing among these images can lower FID. fid_pool3_resampled is the median FID of 3 draws of N \
            images with replacement with those weights, as the paper measures it.
              fd_logits          Fréchet distance of the 1008 logits, and at the Top-1 weights.
              ess_*              effective sample size 1/sum w_i^2 of each weighting; under N/10 the \
            weighted FID rests on few images.

            The null-space optimiser is Newton's method on the simplex with the analytic gradient and \
            Hessian (FID(w) is convex up to one small term); each iteration is one 2048x2048 \
            eigendecomposition plus a few Hessian products that reuse it, and it stops when a Newton step \
            lowers FID by less than 1e-9 relative (--max-iterations bounds it; an unconverged result is \
            an upper bound and says so).

            GEN: images or folders, or a features .npz (`fidviz features`). REF: images, folders, a features \
            .npz or a statistics .npz; `fidviz stats` records the classes (top1_hist, logit and Top-5 \
            statistics). A pytorch-fid or clean-fid statistics file has no classes: then only FID and the \
            pool3 null space are reported, with a note (an explicit --top-n is then an error).

            The paper's control, FD_DINOv2 under each weighting: --backbone inception,dinov2-vitl14 sees the \
            same images through DINOv2 too and reports fd_dinov2 under every weighting (if FID falls under class \
            matching but FD_DINOv2 does not, the gain is ImageNet classes, not quality). GEN and --ref may then \
            each name one .npz per backbone (`fidviz features` / `fidviz stats --backbone ...`), matched by the \
            backbone each records, and images for the backbones without a file: with files for both, no network \
            runs.

            --aux GEN.npz --aux-ref REF.npz: features from another extractor (CLIP, ...; `files` and `features` \
            [N, d], any d), matched to the images by file name, report FD in that space under each weighting. \
            A DINOv2 features file there (it records its backbone) is FD_DINOv2 too.

            Examples:
              fidviz classes generated/ --ref ref.npz
              fidviz classes gen_features.npz --ref ref.npz --json --save-weights weights.npz
              fidviz classes generated/ --ref ref.npz --ref ref-dino.npz --backbone inception,dinov2-vitl14
              fidviz classes gen.npz gen-dino.npz --ref ref.npz --ref ref-dino.npz --backbone inception,dinov2-vitl14
              fidviz classes generated/ --ref reference/ -o classes-report --aux clip_gen.npz --aux-ref clip_ref.npz
            """)

    @Argument(help: ArgumentHelp(
        "Generated set: image files or folders, or a features .npz; with --backbone inception,dinov2-*, one .npz per backbone (matched by the backbone it records) and images for a backbone without one.",
        valueName: "gen"))
    var inputs: [String]

    @Option(help: ArgumentHelp(
        "Reference set: images or folders, a statistics .npz or a features .npz. With --backbone inception,dinov2-*, one .npz per backbone (matched by the backbone it records) or images, which every backbone without its own file measures.",
        valueName: "ref"))
    var ref: [String]

    @Flag(help: "Print every number as one JSON object on stdout.")
    var json = false

    @Option(help: ArgumentHelp("N of Top-N matching: each image's N most probable classes (default 5).",
                               valueName: "n"))
    var topN: Int?

    @Option(help: ArgumentHelp("Write the weights (files, top1, topn, pool3 [N] float64, in GEN's order) to this .npz.",
                               valueName: "file"))
    var saveWeights: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Also write an HTML report of the matching to this folder.",
                                                    valueName: "dir"))
    var output: String?

    @OptionGroup var auxOptions: AuxOptions

    @Option(help: "Most Newton iterations of the null-space optimiser (each one 2048x2048 eigendecomposition).")
    var maxIterations = 200

    @Flag(help: "Replace the -o folder even if it holds files fidviz did not write.")
    var force = false

    @OptionGroup var network: NetworkOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    var effectiveTopN: Int { topN ?? MeasuredSet.recordedTopN }

    func validate() throws {
        let backbones = network.backbones.backbones
        guard backbones.first == .inception, backbones.count <= 2 else {
            let dinov2 = backbones.first { $0 != .inception } ?? .dinov2Vitl14
            throw ValidationError("--backbone \(network.backbones.defaultValueDescription): class matching weighs images by "
                + "Inception's ImageNet classes; give --backbone inception, or inception,\(dinov2.rawValue) for "
                + "FD_DINOv2 under each weighting too")
        }
        guard (1 ... InceptionArchitecture.classCount).contains(effectiveTopN) else {
            throw ValidationError("--top-n must be between 1 and \(InceptionArchitecture.classCount)")
        }
        try auxOptions.checkPaired()
        guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be at least 1") }
        if let saveWeights, !saveWeights.hasSuffix(".npz") {
            throw ValidationError("--save-weights \(saveWeights): the file must end in .npz")
        }
    }

    func run() throws {
        let quiet = outputOptions.quiet
        // Every input and output is checked before the network runs.
        if let saveWeights { _ = try OutputPath.checkFile(saveWeights, flag: "--save-weights") }
        if let output { try ReportFolder.check(path: output, force: force) }
        let sets = try ClassesInputs.read(generated: inputs, references: ref, backbones: network.backbones.backbones,
                                          referenceRows: topN != nil && topN != MeasuredSet.recordedTopN)
        let (genSource, genFile) = (sets.generated.source, sets.generated.file)
        if let genFile, genFile.rows == nil {
            throw InputError("\(sets.generated.name): holds statistics (mu, sigma), not each image's features, and class "
                + "matching weighs each image; give the images or `fidviz features IMAGES -o FEATS.npz`")
        }
        let generatedNames = Self.names(genSource, genFile)
        let auxFeatures = try auxOptions.read(
            generatedNames: generatedNames,
            referenceNames: sets.reference.file == nil ? Self.names(sets.reference.source, nil)
                : sets.reference.file?.rows?.names)
        if let dinov2 = sets.dinov2 {
            if let auxFeatures, auxFeatures.space == .known(.dinov2) {
                throw InputError("--aux \(auxOptions.aux ?? ""): holds DINOv2 features, and --backbone "
                    + "\(dinov2.backbone.rawValue) already gives FD_DINOv2; give one or the other")
            }
            if let file = dinov2.generated.file {
                guard let rows = file.rows else {
                    throw InputError("\(dinov2.generated.name): holds \(dinov2.backbone.displayName) statistics (mu, sigma), not "
                        + "each image's features; give `fidviz features --backbone \(dinov2.backbone.rawValue)` of "
                        + "the same images")
                }
                _ = try AuxFeatures.order(generatedNames, rows: rows.names, source: dinov2.generated.name)
            }
        }

        let models = LoadedModels(network, quiet: quiet)
        let several = sets.dinov2 != nil
        func label(_ set: String) -> String { several ? "\(set) (FID)" : set }
        let generated = try genSource.measured(genFile, model: { try models.model(.inception) },
                                               batchSize: batchOptions.batchSize, keepRows: true,
                                               label: label("generated"), quiet: quiet)
        let reference = try sets.reference.source.measured(
            sets.reference.file, model: { try models.model(.inception) }, batchSize: batchOptions.batchSize,
            keepRows: topN != nil && topN != MeasuredSet.recordedTopN, label: label("reference"), quiet: quiet)
        guard let rows = generated.rows else {
            preconditionFailure("the generated set was measured with its rows kept")
        }
        var secondSpace = auxFeatures
        if let dinov2 = sets.dinov2 {
            let model = { try models.model(dinov2.backbone) }
            let dinov2Generated = try dinov2.generated.source.measured(
                dinov2.generated.file, model: model, batchSize: batchOptions.batchSize, keepRows: true,
                label: "generated (FD_DINOv2)", quiet: quiet)
            let dinov2Reference = try dinov2.reference.source.measured(
                dinov2.reference.file, model: model, batchSize: batchOptions.batchSize, keepRows: false,
                label: "reference (FD_DINOv2)", quiet: quiet)
            secondSpace = try AuxFeatures(backbone: dinov2.backbone, generated: dinov2Generated.rows!,
                                          statistics: dinov2Generated.statistics, reference: dinov2Reference,
                                          names: rows.names,
                                          source: dinov2.generated.name)
        }
        note("class matching: \(rows.count) generated images; the null-space optimiser runs up to \(maxIterations) "
            + "Newton iterations of one 2048x2048 eigendecomposition each", quiet: quiet)
        let referenceName = sets.reference.name
        let section = try ClassMatchingSection(
            generated: rows, statistics: generated.statistics, reference: reference, referenceName: referenceName,
            topN: effectiveTopN,
            classesRequired: topN != nil, aux: secondSpace,
            optimizer: NullSpaceOptimizer(maximumIterations: maxIterations),
            showImages: rows.paths.allSatisfy(\.isReadable))
        for line in section.notes { note("note: " + line, quiet: quiet) }

        if let saveWeights {
            try NpzFile.write(section.weightArrays(names: rows.names), to: URL(fileURLWithPath: saveWeights))
        }
        if let output {
            let loaded = models.loaded
            let warnings = loaded.compactMap(\.unofficialWarning)
            let written = try ReportFolder.writing(path: output, force: force) { folder in
                var summary = ReportSummary(
                    title: "fidviz classes report", fid: section.analysis.fid, n: section.generatedCount,
                    referencePath: referenceName, referenceProvenance: reference.provenance,
                    weightsSHA256: loaded.first?.sha256 ?? "", weightsAreOfficial: warnings.isEmpty,
                    generatedSetDescription: inputs.joined(separator: ", "), warning: warnings.first)
                summary.distances += section.analysis.otherFeatures.compactMap { other in
                    guard case .known(let space) = other.space else { return nil }
                    return SetDistance(space: space, value: other.fd)
                }
                summary.furtherWeights = loaded.dropFirst().map(\.networkWeights)
                try section.writeReport(to: folder, summary: summary)
            }
            note("wrote \(written.destination.path)/index.html", quiet: quiet)
        }
        if json {
            print(String(decoding: section.json.serialized(pretty: true), as: UTF8.self), terminator: "")
        } else {
            print(section.text)
        }
    }

    /// Image names of a set before it is measured: the walked files, or a features file's `files`.
    private static func names(_ source: SetSource, _ file: MeasuredSet?) -> [String] {
        if let names = file?.rows?.names { return names }
        if case .images(let images) = source { return (0 ..< images.count).map(images.name) }
        return []
    }
}
