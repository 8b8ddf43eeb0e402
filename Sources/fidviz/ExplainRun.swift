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
    /// Where the maps are taken, in the order the figures show them.
    var layers: [InceptionLayer]
    /// How many of the worst and of the best images phase 2 explains.
    var top: Int, best: Int
    /// Also take the backward pass down to the pixels; the heat panels' colours.
    var pixelGradient: Bool, colormap: ColormapName
    /// Images per forward pass in phase 1; no progress bars or notes.
    var batchSize: Int, quiet: Bool
    /// `--ref` as the user gave it, for notes; the backbone and its weights.
    var referenceName: String, network: NetworkOptions
}

/// Explain's inputs, every one read and checked before the weights load or the folder is
/// touched (stage 1 of the flow).
struct ExplainInputs {
    /// The images to explain, or their features.
    let generated: GeneratedInput
    let reference: SetSource
    /// `--ref` when it is a file, already read and validated.
    let referenceFile: MeasuredSet?
    /// `--gen`: statistics of the set the images join, already read, with the path given.
    let joinedStatistics: (set: MeasuredSet, path: String)?
}

/// Phase 1's result (stage 2): every image's features, the set they are measured against, and
/// every image's row, ranked and selected once.
struct RankedSet {
    let features: SetFeatures, reference: MeasuredSet
    /// The generated set's own statistics (two or more images), when known.
    let statistics: FrechetStatistics?
    /// The set each image joins, and each image's contribution to its distance.
    let joined: JoinedSet, evaluator: ContributionEvaluator
    var rows: RankedRows
}

/// The explain pipeline, one stage handing its value to the next:
///
///     ExplainInputs -> RankedSet (phase 1: features, statistics, ΔFID of every image, ranked once)
///                   -> ClassMatchingSection? (how much of FID is classes; phase 1's rows only)
///                   -> RankedRows with maps (phase 2: backward passes of the explained images)
///                   -> report.json bytes (ReportWriter, into `folder`)
///
/// A second feature space adds one `ImageDistance` column to the same rows.
struct ExplainRun {
    let settings: ExplainSettings
    let folder: ReportFolder
    let clock = PhaseClock()

    /// Iterations of the null-space optimiser in the explain report (each one d x d
    /// eigendecomposition), so that the report costs little beside the network; `fidviz classes`
    /// runs it to convergence.
    static let classMatchingIterations = 20

    var quiet: Bool { settings.quiet }

    /// Runs every stage; returns the report.json bytes.
    func run(_ inputs: ExplainInputs) throws -> Data {
        let loaded = try clock.measure("weights") { try LoadedModel.load(settings.network, quiet: quiet) }
        var ranked = try rank(inputs, model: loaded)
        let imagesPresent = ranked.features.paths.allSatisfy(\.isReadable)
        try requireExplainedImages(ranked.rows)
        let (section, sectionProblem) = loaded.inception == nil
            ? (nil, "class matching left out: it weighs images by Inception's ImageNet classes, and this report sees "
                + "through \(loaded.backbone.displayName)")
            : classMatching(ranked, imagesPresent: imagesPresent)
        ranked.rows = try explain(ranked.rows, evaluator: ranked.evaluator, model: loaded)

        defer { note("time: " + clock.summary(), quiet: quiet) }
        return try clock.measure("report") {
            var notes = sectionProblem.map { [$0] } ?? []
            if !imagesPresent {
                let missing = ranked.features.paths.filter { !$0.isReadable }
                notes.append("\(missing.count) of the \(ranked.features.count) images are not on this machine (first: "
                    + "\(missing[0])), so the thumbnails and image grids of those images are left out")
                note("note: " + notes.last!, quiet: quiet)
            }
            var summary = ReportSummary(fid: ranked.evaluator.setDistance, n: ranked.joined.n,
                                        referencePath: ranked.reference.path,
                                        referenceProvenance: ranked.reference.provenance, weightsSHA256: loaded.sha256,
                                        weightsAreOfficial: loaded.isOfficial,
                                        generatedSetDescription: ranked.joined.description,
                                        warning: loaded.unofficialWarning, notes: notes)
            summary.space = loaded.backbone.space
            var writer = ReportWriter(folder: folder, style: FigureStyle(colormap: settings.colormap),
                                      layers: Self.layers(settings, loaded), warning: loaded.unofficialWarning)
            let progress = ProgressBar(label: "figures", quiet: quiet)
            writer.onFigure = { progress.update(done: $0, total: $1, unit: "fig") }
            let sections = try section.map { [try $0.write(to: folder, style: writer.style)] } ?? []
            return try writer.write(ranked.rows, summary: summary, referenceHistogram: ranked.reference.top1Histogram,
                                    sections: sections, extraJSON: section.map { ["class_matching": $0.json] } ?? [:])
        }
    }

    // MARK: - Phase 1

    /// Every image's features (network forward, or the features file), the set each image joins,
    /// and every image's row: FID without and with it, ΔFID and its Top-5, ranked once.
    private func rank(_ inputs: ExplainInputs, model: LoadedModel) throws -> RankedSet {
        let reference = try inputs.reference.measured(inputs.referenceFile, model: { model },
                                                      batchSize: settings.batchSize, keepRows: false,
                                                      label: "reference", quiet: quiet,
                                                      onNetworkTime: { clock.add("network", $0) })
        let features: SetFeatures
        var statistics: FrechetStatistics?
        switch inputs.generated {
        case .images(let images) where images.count == 1:
            features = try MeasuredSet.rows(images, model: model, batchSize: settings.batchSize, label: "features",
                                            quiet: quiet, onNetworkTime: { clock.add("network", $0) })
        case .images(let images):
            let measured = try MeasuredSet.measure(images, model: model, batchSize: settings.batchSize, keepRows: true,
                                                   label: "features", quiet: quiet,
                                                   onNetworkTime: { clock.add("network", $0) })
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
            note("one image and no --gen: treating the generated set as equal to the reference (a perfect generator, "
                + "N = \(joined.n))", quiet: quiet)
        }
        let d = model.backbone.featureDimension
        if joined.n < d {
            note("note: the generated set has \(joined.n) samples, fewer than the \(d) feature dimensions; its "
                + "covariance is singular, so \(model.backbone.space.name) is dominated by the missing dimensions", quiet: quiet)
        }
        let evaluator = try clock.measure("statistics") { try joined.evaluator(reference: reference.statistics) }
        let imageRows = try clock.measure("statistics") { try self.rows(of: features, evaluator: evaluator, space: model.backbone.space) }
        return RankedSet(features: features, reference: reference, statistics: statistics, joined: joined,
                         evaluator: evaluator, rows: RankedRows(imageRows, top: settings.top, best: settings.best))
    }

    /// Each image's row: its contribution (ΔFID only, no gradient) and, from its logits, Top-5.
    private func rows(of features: SetFeatures, evaluator: ContributionEvaluator, space: FeatureSpace) throws
        -> [ImageRow] {
        let progress = ProgressBar(label: "ΔFID", quiet: quiet)
        var result: [ImageRow] = []
        result.reserveCapacity(features.count)
        for i in 0 ..< features.count {
            let contribution = evaluator.evaluate(features.features(i).map(Double.init), gradient: false)
            let size = features.sizes[i]
            result.append(ImageRow(file: features.paths[i], width: size?.width ?? 0, height: size?.height ?? 0,
                                   top5: features.logits(i).map { ClassScore.top(5, logits: $0) } ?? [],
                                   distances: [ImageDistance(space: space, contribution)]))
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
                + "or lower --top/--best")
        }
    }

    // MARK: - How much of FID is ImageNet classes

    /// The class-matching section from phase 1's rows (no network), or why it is left out: it is
    /// a diagnostic beside the ranking, so when it cannot be computed the report says why and the
    /// rest of it is written.
    private func classMatching(_ ranked: RankedSet, imagesPresent: Bool) -> (ClassMatchingSection?, String?) {
        guard ranked.features.count >= 2 else { return (nil, nil) }
        do {
            let section = try clock.measure("classes") {
                try ClassMatchingSection(
                    generated: ranked.features, statistics: ranked.statistics, reference: ranked.reference,
                    referenceName: settings.referenceName, topN: MeasuredSet.recordedTopN, classesRequired: false,
                    aux: nil, optimizer: NullSpaceOptimizer(maximumIterations: Self.classMatchingIterations),
                    showImages: imagesPresent)
            }
            return (section, nil)
        } catch {
            let problem = "class matching left out: \(error)"
            note("note: " + problem, quiet: quiet)
            return (nil, problem)
        }
    }

    // MARK: - Phase 2

    /// The backward passes and maps of the explained rows, one image per core at a time, each
    /// with single-threaded BLAS as in phase 1 (so an image's pool3 is the same to the last bit
    /// whatever runs beside it). A row without logits gets its Top-5 from this forward pass.
    /// The layers the maps are taken at, by name: `--layer` for Inception, the last block's
    /// `norm1` for DINOv2 (dgm-eval's heatmap layer).
    static func layers(_ settings: ExplainSettings, _ model: LoadedModel) -> [String] {
        switch model.network {
        case .inception: return settings.layers.map(\.rawValue)
        case .dinov2(let network): return [network.architecture.lastNorm1Layer]
        }
    }

    /// One image's maps (and, for Inception, logits) from the backward pass of its contribution.
    private func explainOne(_ image: RGBImage, model: LoadedModel, evaluate: ([Double]) -> SampleContribution)
        -> (maps: ImageMaps, logits: [Float]?) {
        switch model.network {
        case .inception(let network):
            let explanation = Explainer(model: network).explain(
                pixels01: ImagePreprocessing.pixels01(of: image), layers: settings.layers,
                pixelGradient: settings.pixelGradient, contribution: evaluate)
            return (explanation.maps, explanation.logits)
        case .dinov2(let network):
            let explanation = DINOv2Explainer(model: network).explain(
                pixels01: DINOv2Preprocessing.pixels01(of: image), contribution: evaluate)
            return (ImageMaps(sensitivity: [explanation.layer: explanation.sensitivity]), nil)
        }
    }

    private func explain(_ ranked: RankedRows, evaluator: ContributionEvaluator, model: LoadedModel) throws
        -> RankedRows {
        let positions = ranked.explained
        let progress = ProgressBar(label: "explain", quiet: quiet)
        let sources = positions.map { ranked[$0].source }
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, positions.count))
        var results = [Result<(ImageMaps, logits: [Float]?, width: Int, height: Int), Error>?](
            repeating: nil, count: positions.count)
        let lock = NSLock()
        var done = 0, networkSeconds = 0.0, statisticsSeconds = 0.0
        let started = DispatchTime.now().uptimeNanoseconds
        ComputeRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for k in stride(from: worker, to: positions.count, by: workers) {
                    var evaluateSeconds = 0.0
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let result = Result { () throws -> (ImageMaps, logits: [Float]?, width: Int, height: Int) in
                        let image = try ImageDecoder.decode(sources[k])
                        let (maps, logits) = explainOne(image, model: model) { feature in
                            let t1 = DispatchTime.now().uptimeNanoseconds
                            defer { evaluateSeconds += Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9 }
                            return evaluator.evaluate(feature, gradient: true)
                        }
                        return (maps, logits, image.width, image.height)
                    }
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    lock.lock()
                    results[k] = result
                    done += 1
                    networkSeconds += seconds - evaluateSeconds
                    statisticsSeconds += evaluateSeconds
                    progress.update(done: done, total: positions.count)
                    lock.unlock()
                }
            }
        }
        // The phase's wall time, split between network and statistics as the workers' time was.
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let busy = max(networkSeconds + statisticsSeconds, .leastNormalMagnitude)
        clock.add("network", wall * networkSeconds / busy)
        clock.add("statistics", wall * statisticsSeconds / busy)
        var explained = ranked
        for (k, position) in positions.enumerated() {
            let (maps, logits, width, height) = try results[k]!.get()
            explained[position].width = width
            explained[position].height = height
            if explained[position].top5.isEmpty, let logits { explained[position].top5 = ClassScore.top(5, logits: logits) }
            explained[position].maps = maps
        }
        return explained
    }
}
