import Autograd
import Dispatch
import DINOv2
import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Pixels
import Report
import Sensitivity

// MARK: - Explain as a flow of values

/// What `fidviz explain` was asked to do, as plain values: nothing past `ExplainCommand.run`
/// reads the argument parser.
struct ExplainSettings {
    /// Where Inception's maps are taken, in the order the figures show them.
    var layers: [InceptionLayer]
    /// The CAM kinds drawn at each of those layers (`--cam` x `--cam-target`).
    var cams: [CAMKind] = [.gradCAMTop1]
    /// ROAD curves and scores for every Inception map (`--faithfulness`).
    var faithfulness = false
    /// How many of the worst and of the best images phase 2 explains, and how many each way of
    /// the images the two spaces (and FID and people) disagree on most.
    var top: Int, best: Int, disagreements: Int
    /// Also take Inception's backward pass down to the pixels; the heat panels' colours.
    var pixelGradient: Bool, colormap: ColormapName
    /// Images per forward pass in phase 1; no progress bars or notes.
    var batchSize: Int, quiet: Bool
    /// `--ref` as the user gave it, for notes; the backbones and their weights.
    var referenceNames: [String], network: NetworkOptions
}

/// One network's view of the set after phase 1: every image's features in its space, the
/// reference, and the evaluator of each image's contribution to the space's distance.
struct MeasuredSpace {
    let backbone: Backbone
    let features: SetFeatures, reference: MeasuredSet
    /// The generated set's own statistics (two or more images), when known.
    let statistics: FrechetStatistics?
    /// The set each image joins, and each image's contribution to its distance.
    let joined: JoinedSet, evaluator: ContributionEvaluator
    /// DINOv2 from images: every image's last-block input tokens from phase 1, when they fit
    /// `LastBlockInputs.budgetBytes`, so that phase 2 runs only the last block.
    let lastBlockInputs: LastBlockInputs?
}

/// Phase 1's result (stage 2): each network's measured space, in `--backbone` order, and every
/// image's row (one distance column per space), ranked and selected once.
struct RankedSet {
    let spaces: [MeasuredSpace]
    var rows: RankedRows

    /// The space the rows are ranked by.
    var ranking: MeasuredSpace { spaces[0] }
    /// Inception's space, whose logits give the classes, when the run has it.
    var inception: MeasuredSpace? { spaces.first { $0.backbone == .inception } }
    /// Where each image is, in the set's order.
    var paths: [ImagePath] { ranking.features.paths }
}

/// The explain pipeline, one stage handing its value to the next:
///
///     ExplainInputs -> RankedSet (phase 1: per network, features, statistics and each image's Δ;
///                                 one row per image, one column per network, ranked once)
///                   -> ClassMatchingSection? (how much of FID is classes; phase 1's rows only,
///                                             on its own thread beside phase 2)
///                   -> RankedRows with maps (phase 2: each network's backward passes of the
///                                            explained images)
///                   -> report.json bytes (ReportWriter, into `folder`)
///
/// A second network adds one `ImageDistance` column to the same rows and its maps to the same
/// figures. Networks load when first needed (`LoadedModels`).
struct ExplainRun {
    let settings: ExplainSettings
    let folder: ReportFolder
    let clock = PhaseClock()

    var quiet: Bool { settings.quiet }

    /// Runs every stage; returns the report.json bytes.
    func run(_ inputs: ExplainInputs) throws -> Data {
        let models = LoadedModels(settings.network, quiet: quiet)
        models.onLoad = { clock.add("weights", $0) }
        var ranked = try rank(inputs, models: models)
        let peopleNote = inputs.human.map { $0.summary() }
        let imagesPresent = ranked.paths.allSatisfy(\.isReadable)
        try requireExplainedImages(ranked.rows)
        // The class section reads phase 1's rows only, so it runs on a thread of its own while
        // phase 2 explains the images.
        // OpenBLAS's thread count is one setting for the process, and phase 2 changes it while it
        // runs: both sides run with one BLAS thread from start to end, so the section's numbers do
        // not depend on when phase 2 starts or stops (an images run and a features-file run of the
        // same rows give the same report).
        let phase1 = ranked
        let (explained, (section, sectionProblem)) = ComputeRuntime.withThreads(1) {
            let classes = BackgroundWork { () -> (ClassMatchingSection?, String?) in
                phase1.inception == nil
                    ? (nil, "class matching left out: it weighs images by Inception's ImageNet classes, and this "
                        + "report sees through \(phase1.ranking.backbone.displayName) only")
                    : classMatching(phase1, imagesPresent: imagesPresent)
            }
            let explained = Result { try explain(ranked, models: models) }
            return (explained, clock.measure("waiting for classes") { classes.wait() })
        }
        ranked.rows = try explained.get()

        defer { note("time: " + clock.summary(), quiet: quiet) }
        return try clock.measure("report") {
            var notes = [sectionProblem, peopleNote].compactMap { $0 }
            if !imagesPresent {
                let missing = ranked.paths.filter { !$0.isReadable }
                notes.append("\(missing.count) of the \(ranked.paths.count) images are not on this machine (first: "
                    + "\(missing[0])), so the thumbnails and image grids of those images are left out")
                note("note: " + notes.last!, quiet: quiet)
            }
            let loaded = models.loaded
            let summary = self.summary(ranked, loaded: loaded, notes: notes)
            var writer = ReportWriter(folder: folder, style: FigureStyle(colormap: settings.colormap),
                                      layers: mapLayers(loaded), warning: summary.warning)
            let progress = ProgressBar(label: "figures", quiet: quiet)
            writer.onFigure = { progress.update(done: $0, total: $1, unit: "fig") }
            let sections = try section.map { [try $0.write(to: folder, style: writer.style)] } ?? []
            return try writer.write(ranked.rows, summary: summary,
                                    referenceHistogram: ranked.inception?.reference.top1Histogram,
                                    sections: sections, extraJSON: section.map { ["class_matching": $0.json] } ?? [:])
        }
    }

    /// What the report says about the run as a whole: each space's distance, the ranking
    /// space's reference (a further space's, when it is another, in the notes) and the weights of
    /// every network that ran.
    private func summary(_ ranked: RankedSet, loaded: [LoadedModel], notes: [String]) -> ReportSummary {
        let warnings = loaded.compactMap(\.unofficialWarning)
        let ranking = ranked.ranking
        var notes = notes
        for space in ranked.spaces.dropFirst() where space.reference.path != ranking.reference.path {
            notes.append("\(space.backbone.space.name)'s reference: \(space.reference.path) (\(space.reference.provenance))")
        }
        var summary = ReportSummary(fid: ranking.evaluator.setDistance, n: ranking.joined.n,
                                    referencePath: ranking.reference.path,
                                    referenceProvenance: ranking.reference.provenance,
                                    weightsSHA256: loaded.first { $0.backbone == ranking.backbone }?.sha256 ?? "",
                                    weightsAreOfficial: warnings.isEmpty,
                                    generatedSetDescription: ranking.joined.description,
                                    warning: warnings.first, notes: notes)
        summary.distances = ranked.spaces.map { SetDistance(space: $0.backbone.space, value: $0.evaluator.setDistance) }
        summary.furtherWeights = loaded.filter { $0.backbone != ranking.backbone }.map(\.networkWeights)
        return summary
    }

    // MARK: - Phase 1

    /// Every network's view of the set (`measure`), then every image's row: its Δ in each space
    /// as one column and, from Inception's logits, its Top-5; ranked once.
    private func rank(_ inputs: ExplainInputs, models: LoadedModels) throws -> RankedSet {
        let several = inputs.spaces.count > 1
        let spaces = try inputs.spaces.map { try measure($0, models: models, notePrefix: several) }
        let first = spaces[0].features
        let classes = spaces.first { $0.features.logits != nil }?.features
        let columns = try spaces.map { space in
            try clock.measure("statistics") { try distances(of: space) }
        }
        let imageRows = (0 ..< first.count).map { i in
            let size = spaces.lazy.compactMap { $0.features.sizes[i] }.first
            var row = ImageRow(file: first.paths[i], width: size?.width ?? 0, height: size?.height ?? 0,
                               top5: classes?.logits(i).map { ClassScore.top(5, logits: $0) } ?? [],
                               distances: columns.map { $0[i] })
            row.humanScore = inputs.human?.scores[i]
            return row
        }
        return RankedSet(spaces: spaces, rows: RankedRows(imageRows, top: settings.top, best: settings.best,
                                                          disagreements: settings.disagreements,
                                                          hasHumanScores: inputs.human != nil))
    }

    /// One network's view of the set: every image's features (its forward pass, or its features
    /// file), the reference, the set each image joins and the evaluator of contributions.
    private func measure(_ inputs: SpaceInputs, models: LoadedModels, notePrefix: Bool) throws -> MeasuredSpace {
        let backbone = inputs.backbone, space = backbone.space
        let prefix = notePrefix ? "\(space.name): " : ""
        let onNetworkTime: (Double) -> Void = { clock.add("network", $0) }
        let reference = try inputs.reference.measured(inputs.referenceFile, model: { try models.model(backbone) },
                                                      batchSize: settings.batchSize, keepRows: false,
                                                      label: "reference" + (notePrefix ? " (\(space.name))" : ""),
                                                      quiet: quiet, onNetworkTime: onNetworkTime)
        let features: SetFeatures
        var statistics: FrechetStatistics?
        var kept: LastBlockInputs?
        let label = notePrefix ? "features (\(space.name))" : "features"
        switch inputs.generated {
        case .images(let images):
            kept = keptTokens(images.count, backbone: backbone)
            guard images.count > 1 else {
                features = try MeasuredSet.rows(images, model: try models.model(backbone), batchSize: settings.batchSize,
                                                label: label, quiet: quiet, lastBlockInputs: kept,
                                                onNetworkTime: onNetworkTime)
                break
            }
            let measured = try MeasuredSet.measure(images, model: try models.model(backbone), batchSize: settings.batchSize,
                                                   keepRows: true, label: label, quiet: quiet, lastBlockInputs: kept,
                                                   onNetworkTime: onNetworkTime)
            features = measured.rows!
            statistics = measured.statistics
        case .features(let set):
            features = set.rows!.sizesFromHeaders()
            statistics = set.statistics
        }
        let joined: JoinedSet
        if let given = inputs.joinedStatistics {
            joined = .statistics(given.set.statistics, n: given.set.statistics.n ?? JoinedSet.defaultSampleCount,
                                 path: given.path)
        } else if let statistics, features.count > 1 {
            joined = .leaveOneOut(statistics)
        } else {
            joined = .perfectGenerator(n: reference.statistics.n ?? JoinedSet.defaultSampleCount)
            note(prefix + "one image and no --gen: treating the generated set as equal to the reference (a perfect "
                + "generator, N = \(joined.n))", quiet: quiet)
        }
        let d = backbone.featureDimension
        if joined.n < d {
            note("note: " + prefix + "the generated set has \(joined.n) samples, fewer than the \(d) feature dimensions; "
                + "its covariance is singular, so \(space.name) is dominated by the missing dimensions", quiet: quiet)
        }
        let evaluator = try clock.measure("statistics") { try joined.evaluator(reference: reference.statistics) }
        return MeasuredSpace(backbone: backbone, features: features, reference: reference, statistics: statistics,
                             joined: joined, evaluator: evaluator, lastBlockInputs: kept)
    }

    /// Room for DINOv2's last-block tokens of `count` images, when phase 2 may explain any and
    /// they fit the budget; a note says when they do not.
    private func keptTokens(_ count: Int, backbone: Backbone) -> LastBlockInputs? {
        guard let size = backbone.dinov2Size, settings.top + settings.best + settings.disagreements > 0 else { return nil }
        if let kept = LastBlockInputs(count: count, width: size.width) { return kept }
        let mebibytes = LastBlockInputs.bytes(count: count, width: size.width) >> 20
        note("note: the \(backbone.displayName) tokens entering the last block of \(count) images take \(mebibytes) MiB, "
            + "more than the \(LastBlockInputs.budgetBytes >> 20) MiB kept, so phase 2 runs the whole network again for "
            + "each explained image", quiet: quiet)
        return nil
    }

    /// Each image's contribution in `space` (its Δ only, no gradient): one column of the rows.
    private func distances(of space: MeasuredSpace) throws -> [ImageDistance] {
        let progress = ProgressBar(label: "Δ" + space.backbone.space.name, quiet: quiet)
        let features = space.features
        var result: [ImageDistance] = []
        result.reserveCapacity(features.count)
        for i in 0 ..< features.count {
            let contribution = space.evaluator.evaluate(features.features(i).map(Double.init), gradient: false)
            result.append(ImageDistance(space: space.backbone.space, contribution))
            progress.update(done: i + 1, total: features.count)
        }
        return result
    }

    /// Every image phase 2 explains must be readable, and this is checked before the class
    /// section and the backward passes run.
    private func requireExplainedImages(_ rows: RankedRows) throws {
        for position in rows.explained where !rows[position].source.isReadable {
            throw InputError("\(rows[position].file): listed in the features file but not found, and it is one of the "
                + "images to explain (rank \(position + 1)); run fidviz from the folder its paths are relative to, "
                + "or lower --top/--best/--disagreements")
        }
    }

    // MARK: - How much of FID is ImageNet classes

    /// The class-matching section from phase 1's rows of Inception's space, with DINOv2's rows as
    /// its FD_DINOv2 control when the run has them (no network), or why
    /// it is left out: it is a diagnostic beside the ranking, so when it cannot be computed the
    /// report says why and the rest of it is written.
    private func classMatching(_ ranked: RankedSet, imagesPresent: Bool) -> (ClassMatchingSection?, String?) {
        guard let inception = ranked.inception, inception.features.count >= 2 else { return (nil, nil) }
        let referenceName = settings.referenceNames.count == 1 ? settings.referenceNames[0] : inception.reference.path
        do {
            let section = try clock.measure("classes", beside: true) {
                try ClassMatchingSection(
                    generated: inception.features, statistics: inception.statistics, reference: inception.reference,
                    referenceName: referenceName, topN: MeasuredSet.recordedTopN, classesRequired: false,
                    aux: try ranked.spaces.first { $0.backbone.space == .dinov2 }.map {
                        try AuxFeatures(backbone: $0.backbone, generated: $0.features, statistics: $0.statistics,
                                        reference: $0.reference, names: inception.features.names,
                                        source: "the \($0.backbone.displayName) features")
                    },
                    optimizer: NullSpaceOptimizer.report(rows: inception.features.count,
                                                           dimension: inception.features.dimension),
                    showImages: imagesPresent)
            }
            return (section, nil)
        } catch {
            let problem = "class matching left out: \(error)"
            note("note: " + problem, quiet: quiet)
            return (nil, problem)
        }
    }
}
