import ArgumentParser
import Autograd
import Foundation
import Frechet
import InceptionGraph
import OutputFiles
import Report

/// `fidviz compare`: several runs against one reference, each FID with its bootstrap interval,
/// and whether each step really moved FID, and by classes or by images.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs (checkpoints, model sizes, rival models): FID with 95% intervals, FID∞, KID, and what moved.",
        discussion: """
            Each SET is one argument, shown in the order given (checkpoints in training order): a features .npz \
            (`fidviz features`; merge shards first with `fidviz merge`), an image folder (measured here) or a \
            statistics .npz (FID only: it holds no images to resample). REF: a features .npz, a statistics .npz \
            or an image folder.

            Per set: FID; its 95% bootstrap interval (each of --bootstrap replicates draws N images with \
            replacement from the set, and from the reference too when REF has rows, as multinomial weights, not \
            copies); FID∞ (Chong & Forsyth, as dgm-eval computes FD∞: FID at 15 subset sizes from \
            min(5000, N/10) to N, fitted linearly in 1/N); KID (torch-fidelity: 100 subsets of 1000, mean ± \
            std; needs REF's rows); Top-1 matched FID and explained_top1 = 1 - matched/FID (the images weighted \
            so that their Top-1 classes have REF's histogram, as `fidviz classes` does; needs logits and REF's \
            classes).

            Pairs: each set against the one before it, or every set against --baseline. ΔFID = FID_b - FID_a \
            with a paired interval (one reference resample per replicate, shared by every set, so the \
            reference's own noise cancels), a verdict said of b (better: the interval lies below 0; worse: \
            above; indistinguishable: it contains 0), and delta_explained_by_top1 = 1 - ΔFID_top1_matched / \
            ΔFID, the share of the change that class matching removes.

            The interval is for the expected FID at this N: the bootstrap replicates' spread about their mean, \
            reflected about FID (FID_N is biased upwards, so the plain percentile interval would sit too \
            high). It covers the sampling of images, not the choice of network or the model's training seed.

            --dinov2 FILE (once per set, in order) and --dinov2-ref FILE: the same images' DINOv2 features \
            (`fidviz features --backbone dinov2-vitl14`) add fd_dinov2 and fd_dinov2_ci95 to each set, from \
            the same image resamples, and a chart of their own.

            Output: a table on stdout; --json prints compare.json (`sets`: label, n, fid, fid_ci95, fid_inf, \
            kid_mean, kid_std, fid_top1_matched, explained_top1; `pairs`: a, b, delta_fid, delta_fid_ci95, \
            verdict, delta_explained_by_top1; null where a number cannot be computed). -o DIR writes \
            index.html with a line chart, compare.json, report.json (every number and the FID∞ fits), \
            compare.csv and pairs.csv, all or nothing. Features of another network than Inception name their \
            keys for their space (fd_dinov2, ...; fd for an unrecorded one).

            Examples:
              fidviz compare ck-100k.npz ck-200k.npz ck-300k.npz --ref ref.npz -o report
              fidviz compare small.npz large.npz rival.npz --ref ref.npz --baseline small
              fidviz compare run-a/ run-b/ --ref reference/ --labels A,B --bootstrap 500
            """)

    @Argument(help: ArgumentHelp("The sets, in order: features .npz, image folders or statistics .npz, one per argument.",
                                 valueName: "set"))
    var inputs: [String]

    @Option(help: ArgumentHelp("Reference set: a features .npz (resampled in the bootstrap), a statistics .npz or images.",
                               valueName: "ref"))
    var ref: String

    @Option(help: ArgumentHelp("A name for each set, comma-separated, in order (default: each file or folder name).",
                               valueName: "a,b,..."))
    var labels: String?

    @Option(help: ArgumentHelp("Compare every set with the one of this label, instead of each with the one before.",
                               valueName: "label"))
    var baseline: String?

    @Option(help: ArgumentHelp("Bootstrap replicates per interval.", valueName: "count"))
    var bootstrap = 200

    @Option(help: ArgumentHelp("Seed of the resampling (and of FID∞'s subsets).", valueName: "n"))
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Resample the reference's rows in the bootstrap: auto (when REF has rows), always (refuse a REF without rows) or never.",
                               valueName: "when"))
    var resampleRef: ReferenceResampling = .auto

    @Option(name: .customLong("dinov2"), help: ArgumentHelp(
        "DINOv2 features of a set's images (`fidviz features --backbone dinov2-...`), same order; once per set, in order.",
        valueName: "file"))
    var dinov2: [String] = []

    @Option(help: ArgumentHelp("DINOv2 features (or statistics) of the reference, with --dinov2.", valueName: "file"))
    var dinov2Ref: String?

    @Flag(help: "Print compare.json on stdout.")
    var json = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Also write a report folder (index.html, compare.json, report.json, CSVs).",
                                                    valueName: "dir"))
    var output: String?

    @Flag(help: "Replace the -o folder even if it holds files fidviz did not write.")
    var force = false

    @OptionGroup var network: NetworkOptions
    @OptionGroup var batchOptions: BatchOptions
    @OptionGroup var outputOptions: OutputOptions

    enum ReferenceResampling: String, CaseIterable, ExpressibleByArgument { case auto, always, never }

    /// The set names: --labels, or each argument's file or folder name.
    var setLabels: [String] {
        if let labels { return labels.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return inputs.map { input in
            let url = URL(fileURLWithPath: input)
            return input.lowercased().hasSuffix(".npz") ? url.deletingPathExtension().lastPathComponent : url.lastPathComponent
        }
    }

    func validate() throws {
        guard bootstrap >= 10 else { throw ValidationError("--bootstrap must be at least 10 (200 is the default)") }
        let names = setLabels
        guard names.count == inputs.count else {
            throw ValidationError("--labels gives \(names.count) label(s) for \(inputs.count) set(s); give one per set, in order")
        }
        if let empty = names.firstIndex(where: \.isEmpty) {
            throw ValidationError("set \(empty + 1) (\(inputs[empty])) has an empty label; give --labels")
        }
        if let twice = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw ValidationError("two sets are named '\(twice)'; give --labels with a distinct name for each")
        }
        guard dinov2.isEmpty == (dinov2Ref == nil) else {
            throw ValidationError("give --dinov2 (once per set) and --dinov2-ref together")
        }
        guard dinov2.isEmpty || dinov2.count == inputs.count else {
            throw ValidationError("--dinov2 is given \(dinov2.count) time(s) for \(inputs.count) set(s); give one file per set, in order")
        }
        if let baseline, !names.contains(baseline) {
            throw ValidationError("--baseline \(baseline) is none of the set labels (\(names.joined(separator: ", ")))")
        }
    }

    func run() throws {
        let quiet = outputOptions.quiet
        if let output { try ReportFolder.check(path: output, force: force) }
        let sources = try inputs.map { try SetSource([$0], flag: nil) }
        let refSource = try SetSource([ref], flag: "--ref")
        // Files first: every file is read and checked before any network work.
        let allFiles = (sources + [refSource]).allSatisfy { if case .npz = $0 { return true } else { return false } }
        let backbone = allFiles ? nil : network.backbone
        let setFiles = try sources.map { try $0.readFile(backbone: backbone, logits: true, keepRows: true) }
        let refFile = try refSource.readFile(backbone: backbone, logits: true, keepRows: true)
        let files = (setFiles + [refFile]).compactMap { $0 }
        if let shard = files.first(where: { $0.shard != nil }) {
            throw InputError("\(shard.path): holds \(shard.shard!), one slice of a larger set; merge the shards first "
                + "(`fidviz merge SHARD.npz... -o ALL.npz`) and compare the merged file")
        }
        try MeasuredSet.requireOneBackbone(files, measured: backbone)
        if let first = files.first, let other = files.first(where: { $0.statistics.dimension != first.statistics.dimension }) {
            throw InputError("\(other.path) holds \(other.statistics.dimension)-dimensional features but \(first.path) holds "
                + "\(first.statistics.dimension)-dimensional ones; compare sets from the same feature extractor")
        }
        let second = try SecondSpaceFiles(sets: dinov2, reference: dinov2Ref)
        if resampleRef == .always, let refFile, refFile.rows == nil {
            throw InputError("--ref \(ref): holds statistics (mu, sigma), not each image's features, so there is nothing to "
                + "resample for --resample-ref always; give `fidviz features` of the reference images, or --resample-ref auto")
        }

        var loaded: LoadedModel?
        func model() throws -> LoadedModel {
            if loaded == nil { loaded = try LoadedModel.load(network, quiet: quiet) }
            return loaded!
        }
        let names = setLabels
        var notes: [String] = []
        var sets: [RunComparison.Set] = []
        for (k, source) in sources.enumerated() {
            let measured = try source.measured(setFiles[k], model: model, batchSize: batchOptions.batchSize, keepRows: true,
                                               label: names[k], quiet: quiet)
            sets.append(Self.set(measured, label: names[k], notes: &notes))
            sets[k].second = try second?.features(of: k, alignedWith: measured, label: names[k])
        }
        let reference = try refSource.measured(refFile, model: model, batchSize: batchOptions.batchSize, keepRows: true,
                                               label: "reference", quiet: quiet)
        let referenceSecond = try second?.referenceFeatures(alignedWith: reference)
        if reference.rows == nil {
            notes.append("\(ref) holds statistics only: the intervals resample the generated images alone, and KID "
                + "(which needs the reference's features) is left out")
        }
        if reference.top1Histogram == nil {
            notes.append("\(ref) records no ImageNet classes, so Top-1 matched FID is left out")
        }
        for line in notes { note("note: " + line, quiet: quiet) }

        var options = RunComparison.Options()
        options.bootstrap = FIDBootstrap(replicates: bootstrap, seed: seed)
        options.resampleReference = resampleRef != .never
        options.pairs = pairs(count: sets.count, names: names)
        options.oneBLASThread = { body in try ComputeRuntime.withThreads(1, body) }
        let progress = ProgressBar(label: "compare", quiet: quiet)
        let comparison = try RunComparison(
            sets: sets,
            reference: RunComparison.Reference(
                statistics: reference.statistics,
                rows: reference.rows.map { FeatureRows($0.features, dimension: $0.dimension) },
                top1Histogram: reference.top1Histogram, second: referenceSecond),
            options: options, progress: { phase, done, total in
                if phase == "bootstrap" { progress.update(done: done, total: total, unit: "replicates") }
            })
        let space = (files.first?.backbone ?? loaded?.backbone)?.space
        let report = ComparisonReport(comparison: comparison, space: space, referenceName: ref,
                                      referenceProvenance: reference.provenance, notes: notes)
        if let output {
            let written = try ReportFolder.writing(path: output, force: force) {
                try report.write(to: $0, title: "fidviz compare: \(names.joined(separator: ", "))")
            }
            note("wrote \(written.destination.path)/index.html", quiet: quiet)
        }
        if json {
            print(String(decoding: report.json.serialized(pretty: true), as: UTF8.self), terminator: "")
        } else {
            print(report.text)
        }
    }

    /// Consecutive pairs, or each set against --baseline (the baseline itself skipped).
    func pairs(count: Int, names: [String]) -> [(a: Int, b: Int)] {
        if let baseline, let base = names.firstIndex(of: baseline) {
            return (0 ..< count).filter { $0 != base }.map { (base, $0) }
        }
        return count < 2 ? [] : (1 ..< count).map { ($0 - 1, $0) }
    }

    /// A measured set as the comparison sees it, with a note for what it cannot give.
    static func set(_ measured: MeasuredSet, label: String, notes: inout [String]) -> RunComparison.Set {
        guard let rows = measured.rows else {
            notes.append("\(label): \(measured.path) holds statistics (mu, sigma), not each image's features, so it has "
                + "FID only: no interval (no images to resample), no FID∞, no KID and no class matching")
            return RunComparison.Set(label: label, statistics: measured.statistics, rows: nil, top1: nil)
        }
        let top1 = rows.logits.map {
            ClassScore.topIndices(rows: $0, classes: InceptionArchitecture.classCount, n: 1).map { $0[0] }
        }
        if top1 == nil {
            notes.append("\(label): its features hold no logits, so Top-1 matched FID is left out; `fidviz features` writes both")
        }
        return RunComparison.Set(label: label, statistics: measured.statistics,
                                 rows: FeatureRows(rows.features, dimension: rows.dimension), top1: top1)
    }
}
