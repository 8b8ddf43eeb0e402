import ArgumentParser
import Foundation
import Frechet
import InceptionGraph

/// `fidviz fid`: FID (and optionally KID) between a generated set and a reference.
struct FIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fid",
        abstract: "Compute FID (and KID with --kid) between generated images or statistics and a reference.",
        discussion: """
            The generated set and --ref may each be a statistics .npz (pytorch-fid --save-stats, \
            clean-fid, ADM or `fidviz stats`), a features .npz (`fidviz features`: pool3) or PNG \
            files/folders (their features are computed here, as pytorch-fid computes them).

            FID = |mu_r - mu_g|^2 + Tr S_r + Tr S_g - 2 Tr (S_r^1/2 S_g S_r^1/2)^1/2, in float64 through \
            symmetric eigendecompositions. Fewer samples than the 2048 feature dimensions give a \
            singular covariance and a warning.

            --kid adds torch-fidelity's Kernel Inception Distance: the unbiased MMD^2 with the kernel \
            (x.y/2048 + 1)^3, mean and standard deviation over --kid-subsets random subsets of \
            --kid-subset-size rows (clamped to the set sizes), seeded so that runs repeat. KID needs \
            feature vectors, so each side must be images or a features .npz, not statistics.

            Output: `FID: <value>` (and `KID: <mean> ± <std>`) on stdout; --json prints one object \
            with fid, n_gen, n_ref (null when a statistics file does not record n) and kid_mean, \
            kid_std, kid_subsets, kid_subset_size with --kid.

            Examples:
              fidviz fid generated/ --ref ref.npz
              fidviz fid gen_features.npz --ref ref_features.npz --kid --json
            """)

    @Argument(help: ArgumentHelp("Generated set: PNG files or folders, or one statistics/features .npz.",
                                 valueName: "gen"))
    var inputs: [String]

    @Option(help: ArgumentHelp("Reference set: a statistics or features .npz, or a folder of PNGs.",
                               valueName: "ref"))
    var ref: String

    @Flag(help: "Also compute KID (needs features or images on both sides).")
    var kid = false

    @Option(help: "KID: number of random subsets.")
    var kidSubsets = KernelInceptionDistance.defaultSubsets

    @Option(help: "KID: rows per subset (clamped to the smaller set).")
    var kidSubsetSize = KernelInceptionDistance.defaultSubsetSize

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    @OptionGroup var weightsOptions: WeightsOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard kidSubsets > 0 else { throw ValidationError("--kid-subsets must be positive") }
        guard kidSubsetSize > 1 else { throw ValidationError("--kid-subset-size must be at least 2") }
    }

    func run() throws {
        let quiet = outputOptions.quiet
        let genArgument = try FIDSetArgument(inputs, flag: nil)
        let refArgument = try FIDSetArgument([ref], flag: "--ref")

        // Files first: a broken file or a statistics file given to --kid fails before the network runs.
        var generated: FIDSet?, reference: FIDSet?
        if case let .npz(url) = genArgument { generated = try FIDSet.load(url, needFeatures: kid) }
        if case let .npz(url) = refArgument { reference = try FIDSet.load(url, needFeatures: kid) }

        var loaded: LoadedModel?
        func model() throws -> InceptionV3 {
            if loaded == nil { loaded = try LoadedModel.load(weightsOptions, quiet: quiet) }
            return loaded!.model
        }
        for (argument, label) in [(genArgument, "generated"), (refArgument, "reference")] {
            guard case let .images(images) = argument else { continue }
            if images.skipped > 0 { note("\(label): skipped \(images.skipped) non-PNG files", quiet: quiet) }
            let set = try FIDSet.measure(images, model: try model(), batchSize: batchOptions.batchSize,
                                         needFeatures: kid, label: label, quiet: quiet)
            if label == "generated" { generated = set } else { reference = set }
        }
        guard let generated, let reference else { preconditionFailure("fid: both sets are resolved above") }
        noteIfTooFewSamples(generated.statistics.n, set: "generated set", quiet: quiet)
        noteIfTooFewSamples(reference.statistics.n, set: "reference set", quiet: quiet)

        let result = try compare(generated: generated, reference: reference)
        if json {
            print(String(decoding: try result.jsonData(), as: UTF8.self))
        } else {
            print("FID: \(result.fid)")
            if let kid = result.kid { print("KID: \(kid.mean) ± \(kid.standardDeviation)") }
        }
    }

    private func compare(generated: FIDSet, reference: FIDSet) throws -> FIDResult {
        let fid = try FrechetDistance.distance(reference: reference.statistics, generated: generated.statistics)
        var kidResult: KernelInceptionDistance?
        if kid, let genRows = generated.features, let refRows = reference.features {
            kidResult = try KernelInceptionDistance.compute(
                features1: genRows, features2: refRows, dimension: InceptionArchitecture.featureCount,
                subsets: kidSubsets, subsetSize: kidSubsetSize)
        }
        return FIDResult(fid: fid, nGenerated: generated.statistics.n, nReference: reference.statistics.n,
                         kid: kidResult, kidSubsets: kidSubsets)
    }
}

// MARK: - Result

/// What `fidviz fid` reports.
struct FIDResult: Encodable {
    let fid: Double
    let nGenerated: Int?
    let nReference: Int?
    let kid: KernelInceptionDistance?
    let kidSubsets: Int

    enum CodingKeys: String, CodingKey {
        case fid, nGenerated = "n_gen", nReference = "n_ref", kidMean = "kid_mean", kidStd = "kid_std"
        case kidSubsets = "kid_subsets", kidSubsetSize = "kid_subset_size"
    }

    /// `{"fid": .., "n_gen": .., "n_ref": ..}` plus the KID keys with --kid; an unknown n and a
    /// non-finite number are `null`.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func number(_ value: Double, _ key: CodingKeys) throws {
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        try number(fid, .fid)
        if let nGenerated { try c.encode(nGenerated, forKey: .nGenerated) } else { try c.encodeNil(forKey: .nGenerated) }
        if let nReference { try c.encode(nReference, forKey: .nReference) } else { try c.encodeNil(forKey: .nReference) }
        if let kid {
            try number(kid.mean, .kidMean)
            try number(kid.standardDeviation, .kidStd)
            try c.encode(kidSubsets, forKey: .kidSubsets)
            try c.encode(kid.subsetSize, forKey: .kidSubsetSize)
        }
    }

    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
