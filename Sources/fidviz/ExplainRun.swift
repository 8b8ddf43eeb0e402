import Autograd
import Dispatch
import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Pixels
import Report
import Sensitivity

/// The explain pipeline. Phase 1: every image's features (network forward, or a features
/// file), the generated set's statistics and every image's ΔFID. Phase 2: backward passes and
/// maps for the images the report shows. Then the report files, written into `folder`.
struct ExplainRun {
    let command: ExplainCommand
    let generated: GeneratedInput
    let reference: SetSource
    /// `--ref` when it is a file, already read and validated.
    let referenceFile: MeasuredSet?
    /// `--gen`, already read and validated.
    let generatedFile: MeasuredSet?
    let folder: ReportFolder

    let clock = PhaseClock()

    /// Iterations of the null-space optimiser in the explain report (each one d x d
    /// eigendecomposition), so that the report costs little beside the network; `fidviz classes`
    /// runs it to convergence.
    static let classMatchingIterations = 20

    var quiet: Bool { command.outputOptions.quiet }

    /// Returns the report.json bytes.
    func run() throws -> Data {
        let loaded = try clock.measure("weights") { try LoadedModel.load(command.weightsOptions, quiet: quiet) }
        let batchSize = command.batchOptions.batchSize
        let referenceSet = try reference.measured(referenceFile, model: { loaded.model }, batchSize: batchSize,
                                                  keepRows: false, label: "reference", quiet: quiet,
                                                  onNetworkTime: { clock.add("network", $0) })

        // Phase 1: rank every image.
        let rows: SetFeatures
        var generatedStatistics: FrechetStatistics?
        switch generated {
        case .images(let images) where images.count == 1:
            rows = try MeasuredSet.rows(images, model: loaded.model, batchSize: batchSize, label: "features",
                                        quiet: quiet, onNetworkTime: { clock.add("network", $0) })
        case .images(let images):
            let measured = try MeasuredSet.measure(images, model: loaded.model, batchSize: batchSize, keepRows: true,
                                                   label: "features", quiet: quiet,
                                                   onNetworkTime: { clock.add("network", $0) })
            rows = measured.rows!
            generatedStatistics = measured.statistics
        case .features(let set):
            rows = set.rows!.sizesFromHeaders()
            generatedStatistics = set.statistics
        }
        let joined = formJoinedSet(rows: rows, statistics: generatedStatistics, reference: referenceSet)
        if joined.n < InceptionArchitecture.featureCount {
            note("note: the generated set has \(joined.n) samples, fewer than the 2048 feature dimensions; its covariance is singular, so FID is dominated by the missing dimensions", quiet: quiet)
        }
        if case .perfectGenerator = joined {
            note("one image and no --gen: treating the generated set as equal to the reference (a perfect generator, N = \(joined.n))", quiet: quiet)
        }
        let (setFID, evaluate) = try clock.measure("statistics") {
            try joined.contributions(reference: referenceSet.statistics)
        }
        var imageRows = try clock.measure("statistics") { try rank(rows, evaluate: evaluate) }

        // How much of this FID is ImageNet classes (from phase 1's rows; no network).
        // The section is a diagnostic beside the ranking: if it cannot be computed, the report
        // says why and the rest of it is written.
        var classMatching: ClassMatchingView?
        var classMatchingProblem: String?
        if rows.count >= 2 {
            do {
                classMatching = try clock.measure("classes") {
                    try ClassAnalysis.run(generated: rows, statistics: generatedStatistics, reference: referenceSet,
                                      referenceName: command.ref,
                                      topN: MeasuredSet.recordedTopN, classesRequired: false, aux: nil,
                                      optimizer: NullSpaceOptimizer(maximumIterations: Self.classMatchingIterations),
                                      showImages: rows.paths.allSatisfy(\.isReadable))
                }
            } catch {
                let problem = "class matching left out: \(error)"
                classMatchingProblem = problem
                note("note: " + problem, quiet: quiet)
            }
        }

        // Phase 2: explain the images the report shows.
        imageRows = ImageRow.ranked(imageRows)
        let selection = ImageRow.selection(imageRows, top: command.top, best: command.best)
        try explain(selection.worst + selection.best, in: &imageRows, rows: rows, model: loaded.model,
                    evaluate: evaluate)

        defer { note("time: " + clock.summary(), quiet: quiet) }
        return try clock.measure("report") {
            let summary = ReportSummary(fid: setFID, n: joined.n, referencePath: referenceSet.path,
                                        referenceProvenance: referenceSet.provenance, weightsSHA256: loaded.sha256,
                                        weightsAreOfficial: loaded.isOfficial, generatedSetDescription: joined.description,
                                        warning: loaded.unofficialWarning,
                                        notes: classMatchingProblem.map { [$0] } ?? [])
            var writer = ReportWriter(folder: folder, style: FigureStyle(colormap: command.colormap),
                                      layers: command.effectiveLayers, top: command.top, best: command.best,
                                      warning: loaded.unofficialWarning)
            let progress = ProgressBar(label: "figures", quiet: quiet)
            writer.onFigure = { progress.update(done: $0, total: $1, unit: "fig") }
            let sections = try classMatching.map { [try ClassMatchingSection.write($0, to: folder, style: writer.style)] }
            return try writer.write(rows: imageRows, summary: summary, referenceHistogram: referenceSet.top1Histogram,
                                    sections: sections ?? [],
                                    extraJSON: classMatching.map { ["class_matching": $0.json] } ?? [:])
        }
    }

    /// The set each image joins (see `JoinedSet`).
    private func formJoinedSet(rows: SetFeatures, statistics: FrechetStatistics?, reference: MeasuredSet) -> JoinedSet {
        if let gen = command.gen, let file = generatedFile {
            return .statistics(file.statistics, n: file.statistics.n ?? JoinedSet.defaultSampleCount, path: gen)
        }
        guard let statistics, rows.count > 1 else {
            return .perfectGenerator(n: reference.statistics.n ?? JoinedSet.defaultSampleCount)
        }
        return .leaveOneOut(statistics)
    }

    /// Phase 1's numbers for every image: FID without and with it, ΔFID, Top-5.
    private func rank(_ rows: SetFeatures, evaluate: @escaping ([Double], Bool) -> SampleContribution) throws -> [ImageRow] {
        let progress = ProgressBar(label: "ΔFID", quiet: quiet)
        var result: [ImageRow] = []
        result.reserveCapacity(rows.count)
        for i in 0 ..< rows.count {
            let contribution = evaluate(rows.pool3(i).map(Double.init), false)
            let top5 = rows.logits(i).map { ClassScore.top(5, logits: $0) }
                ?? [ClassScore(index: 0, label: ImageNetLabels.label(0), probability: .nan)]
            let size = rows.sizes[i]
            result.append(ImageRow(file: rows.names[i], source: rows.paths[i], width: size?.width ?? 0,
                                   height: size?.height ?? 0, top5: top5,
                                   fidBefore: contribution.fidAfter - contribution.deltaFID,
                                   fidAfter: contribution.fidAfter, deltaFID: contribution.deltaFID))
            progress.update(done: i + 1, total: rows.count)
        }
        return result
    }

    /// Phase 2: the backward passes and maps of `positions` in `imageRows`, one image per core at
    /// a time, each with single-threaded BLAS as in phase 1 (so an image's pool3 is the same to the
    /// last bit whatever runs beside it).
    private func explain(_ positions: [Int], in imageRows: inout [ImageRow], rows: SetFeatures, model: InceptionV3,
                         evaluate: @escaping ([Double], Bool) -> SampleContribution) throws {
        for position in positions where !imageRows[position].source.isReadable {
            throw InputError("\(imageRows[position].file): listed in the features file but not found; run fidviz from the folder its paths are relative to")
        }
        let explainer = Explainer(model: model)
        let progress = ProgressBar(label: "explain", quiet: quiet)
        let sources = positions.map { imageRows[$0].source }
        let layers = command.effectiveLayers, pixelGradient = command.pixelGradient
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, positions.count))
        var results = [Result<(Explanation, width: Int, height: Int), Error>?](repeating: nil, count: positions.count)
        let lock = NSLock()
        var done = 0, networkSeconds = 0.0, statisticsSeconds = 0.0
        let started = DispatchTime.now().uptimeNanoseconds
        ComputeRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for k in stride(from: worker, to: positions.count, by: workers) {
                    var evaluateSeconds = 0.0
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let result = Result { () throws -> (Explanation, width: Int, height: Int) in
                        let image = try ImageDecoder.decode(sources[k])
                        let explanation = explainer.explain(
                            pixels01: ImagePreprocessing.pixels01(of: image), layers: layers,
                            pixelGradient: pixelGradient) { feature in
                                let t1 = DispatchTime.now().uptimeNanoseconds
                                defer { evaluateSeconds += Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9 }
                                return evaluate(feature, true)
                            }
                        return (explanation, image.width, image.height)
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
        for (k, position) in positions.enumerated() {
            let (explanation, width, height) = try results[k]!.get()
            imageRows[position].width = width
            imageRows[position].height = height
            imageRows[position].top5 = ClassScore.top(5, logits: explanation.logits)
            imageRows[position].maps = explanation.maps
        }
    }
}
