import ArgumentParser
import Foundation
import Frechet
import InceptionGraph
import Report

/// `fidviz fid`: FID (and optionally KID) between a generated set and a reference.
struct FIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fid",
        abstract: "Compute FID (and KID with --kid) between generated images or statistics and a reference.",
        discussion: """
            The generated set and --ref may each be a statistics .npz (pytorch-fid --save-stats, \
            clean-fid, ADM or `fidviz stats`), a features .npz (`fidviz features`: pool3) or PNG, \
            JPEG or WebP files/folders (their features are computed here, as pytorch-fid computes them).

            FID = |mu_r - mu_g|^2 + Tr S_r + Tr S_g - 2 Tr (S_r^1/2 S_g S_r^1/2)^1/2, in float64 through \
            symmetric eigendecompositions. Fewer samples than the 2048 feature dimensions give a \
            singular covariance and a warning.

            --kid adds torch-fidelity's Kernel Inception Distance: the unbiased MMD^2 with the kernel \
            (x.y/2048 + 1)^3, mean and standard deviation over --kid-subsets random subsets of \
            --kid-subset-size rows (clamped to the set sizes), seeded so that runs repeat. KID needs \
            feature vectors, so each side must be images or a features .npz, not statistics.

            Two .npz files may hold statistics or features of any one dimension d (another feature \
            extractor): for d other than 2048 the number is a Fréchet distance, printed as `FD: \
            <value>`. A clean-fid KID file (`feats` [N,2048]) is a features file.

            Output, by the features compared:
              Inception pool3    text `FID: <value>`        --json key `fid`
              DINOv2 (recorded)  text `FD_DINOv2: <value>`  --json `fd_dinov2`, `dimension`
              other, any d       text `FD: <value>`         --json `fd`, `dimension`

            --backbone dinov2-vitl14 (or -vits14, -vitb14) measures images with DINOv2 as dgm-eval \
            does; files record their backbone, and comparing sets of two backbones is refused.
            --json also holds n_gen and n_ref (null when a statistics file does not record n), and \
            with --kid kid_mean, kid_std, kid_subsets and kid_subset_size (text: `KID: <mean> ± <std>`).

            Examples:
              fidviz fid generated/ --ref ref.npz
              fidviz fid gen_features.npz --ref ref_features.npz --kid --json
            """)

    @OptionGroup var sets: ComparedSetsOptions

    @Flag(help: "Also compute KID (needs features or images on both sides).")
    var kid = false

    @Option(help: "KID: number of random subsets.")
    var kidSubsets = KernelInceptionDistance.defaultSubsets

    @Option(help: "KID: rows per subset (clamped to the smaller set).")
    var kidSubsetSize = KernelInceptionDistance.defaultSubsetSize

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    @OptionGroup var network: NetworkOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        try network.requireOneBackbone()
        guard kidSubsets > 0 else { throw ValidationError("--kid-subsets must be positive") }
        guard kidSubsetSize > 1 else { throw ValidationError("--kid-subset-size must be at least 2") }
    }

    func run() throws {
        let quiet = outputOptions.quiet
        let (genSource, refSource) = try sets.sources()
        // Files first: a broken file or a statistics file given to --kid fails before the network runs.
        // Two files may hold features of any one dimension (FD in another feature space); a file
        // compared with images must hold pool3 statistics.
        var bothFiles = false
        if case .npz = genSource, case .npz = refSource { bothFiles = true }
        let backbone = bothFiles ? nil : network.backbone
        let genFile = try genSource.readFile(backbone: backbone, keepRows: kid)
        let refFile = try refSource.readFile(backbone: backbone, keepRows: kid)
        try MeasuredSet.requireOneBackbone([genFile, refFile].compactMap { $0 }, measured: nil)
        if let genFile, let refFile, genFile.statistics.dimension != refFile.statistics.dimension {
            throw InputError("\(genFile.path) holds \(genFile.statistics.dimension)-dimensional features but \(refFile.path) holds \(refFile.statistics.dimension)-dimensional ones; both must come from the same feature extractor")
        }
        for file in [genFile, refFile].compactMap({ $0 }) where kid && file.rows == nil {
            throw InputError("--kid needs feature vectors, but \(file.path) holds \(file.layout?.rawValue ?? "statistics") (mu, sigma) only; pass a features .npz from `fidviz features` or the images themselves")
        }
        var loaded: LoadedModel?
        func model() throws -> LoadedModel {
            if loaded == nil { loaded = try LoadedModel.load(network, quiet: quiet) }
            return loaded!
        }
        let generated = try genSource.measured(genFile, model: model, batchSize: batchOptions.batchSize,
                                               keepRows: kid, label: "generated", quiet: quiet)
        let reference = try refSource.measured(refFile, model: model, batchSize: batchOptions.batchSize,
                                               keepRows: kid, label: "reference", quiet: quiet)
        noteIfTooFewSamples(generated.statistics.n, dimension: generated.statistics.dimension, set: "generated set", quiet: quiet)
        noteIfTooFewSamples(reference.statistics.n, dimension: reference.statistics.dimension, set: "reference set", quiet: quiet)

        let result = try compare(generated: generated, reference: reference)
        if json {
            print(String(decoding: result.json.serialized(), as: UTF8.self))
        } else {
            print("\(result.name): \(result.fid)")
            if let kid = result.kid { print("KID: \(kid.mean) ± \(kid.standardDeviation)") }
        }
    }

    private func compare(generated: MeasuredSet, reference: MeasuredSet) throws -> FIDResult {
        let fid = try FrechetDistance.distance(reference: reference.statistics, generated: generated.statistics)
        var kidResult: KernelInceptionDistance?
        if kid, let genRows = generated.rows?.features, let refRows = reference.rows?.features {
            kidResult = try KernelInceptionDistance.compute(
                features1: genRows, features2: refRows, dimension: generated.statistics.dimension,
                subsets: kidSubsets, subsetSize: kidSubsetSize)
        }
        return FIDResult(fid: fid, space: generated.backbone?.space ?? reference.backbone?.space,
                         dimension: generated.statistics.dimension, nGenerated: generated.statistics.n,
                         nReference: reference.statistics.n, kid: kidResult, kidSubsets: kidSubsets)
    }
}

// MARK: - Result

/// What `fidviz fid` reports.
struct FIDResult {
    let fid: Double
    /// The space both sets' features are in, when a file records it or a network made them.
    let space: FeatureSpace?
    /// The feature dimension: 2048 for Inception pool3 (FID), DINOv2's width (FD_DINOv2), anything
    /// else for features made elsewhere (then the number is a Fréchet distance, FD).
    let dimension: Int
    let nGenerated: Int?
    let nReference: Int?
    let kid: KernelInceptionDistance?
    let kidSubsets: Int

    /// "FID" for Inception pool3, "FD_DINOv2" for DINOv2, "FD" for features made elsewhere.
    var name: String { space?.name ?? "FD" }

    /// `{"fid": .., "n_gen": .., "n_ref": ..}` (with "fd" and "dimension" instead of "fid" when
    /// the features are not pool3) plus the KID keys with --kid; an unknown n and a non-finite
    /// number are `null`.
    var json: JSONValue {
        var object: [String: JSONValue] = [
            name.lowercased(): .number(fid),
            "n_gen": .optional(nGenerated),
            "n_ref": .optional(nReference),
        ]
        if space != .inceptionPool3 { object["dimension"] = .int(dimension) }
        if let kid {
            object["kid_mean"] = .number(kid.mean)
            object["kid_std"] = .number(kid.standardDeviation)
            object["kid_subsets"] = .int(kidSubsets)
            object["kid_subset_size"] = .int(kid.subsetSize)
        }
        return .object(object)
    }
}
