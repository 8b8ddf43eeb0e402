import Autograd
import Dispatch
import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Sensitivity

/// One explained image, as the report needs it.
struct ExplainedImage {
    let file: URL
    let name: String
    let width: Int, height: Int
    let top5: [ClassPrediction]
    let explanation: Explanation
}

/// The explain pipeline: reference and generated statistics, per-image explanations, then the
/// report files (panels, histogram, index.html, report.json) written into `folder`.
struct ExplainRun {
    let command: ExplainCommand
    let images: [URL]
    let reference: ReferenceInput
    /// `--gen`, already read and validated.
    let generatedFile: StatisticsFile?
    let folder: ReportFolder

    let clock = PhaseClock()

    var quiet: Bool { command.outputOptions.quiet }

    /// Returns the report.json bytes.
    func run() throws -> Data {
        let loaded = try clock.measure("weights") { try LoadedModel.load(command.weightsOptions, quiet: quiet) }
        var referenceNetwork = 0.0
        let referenceStart = DispatchTime.now().uptimeNanoseconds
        let reference = try ReferenceStatistics.load(self.reference, model: loaded.model,
                                                     batchSize: command.batchOptions.batchSize, quiet: quiet,
                                                     onNetworkTime: { referenceNetwork += $0 })
        clock.add("network", referenceNetwork)
        clock.add("reference", Double(DispatchTime.now().uptimeNanoseconds - referenceStart) / 1e9 - referenceNetwork)
        let generated = try formGeneratedSet(reference: reference, model: loaded.model)
        if generated.n < InceptionArchitecture.featureCount {
            note("note: the generated set has \(generated.n) samples, fewer than the 2048 feature dimensions; its covariance is singular, so FID is dominated by the missing dimensions", quiet: quiet)
        }
        if case .perfectGenerator = generated {
            note("one image and no --gen: treating the generated set as equal to the reference (a perfect generator, N = \(generated.n))", quiet: quiet)
        }
        let (setFID, evaluate) = try clock.measure("statistics") {
            try generated.contributions(reference: reference.statistics)
        }
        let explained = try explainAll(model: loaded.model, evaluate: evaluate)
        defer { note("time: " + clock.summary(), quiet: quiet) }
        return try clock.measure("report") { try ReportWriter(folder: folder, style: FigureStyle(colormap: command.colormap), layers: command.effectiveLayers,
                                top: command.top, warning: loaded.unofficialWarning, quiet: quiet)
            .write(explained, setFID: setFID, generated: generated, reference: reference, weightsSHA256: loaded.sha256,
                   weightsAreOfficial: loaded.isOfficial) }
    }

    private func formGeneratedSet(reference: ReferenceStatistics, model: InceptionV3) throws -> GeneratedSet {
        if let gen = command.gen, let file = generatedFile {
            return .statistics(file.statistics, n: file.statistics.n ?? GeneratedSet.defaultSampleCount, path: gen)
        }
        if images.count == 1 {
            return .perfectGenerator(n: reference.statistics.n ?? GeneratedSet.defaultSampleCount)
        }
        let measured = try ImageSetMeasurement.measure(
            images, model: model, batchSize: command.batchOptions.batchSize, keepFeatures: false,
            label: "features", source: "the input images", quiet: quiet, onNetworkTime: { clock.add("network", $0) })
        return .leaveOneOut(measured.statistics)
    }

    private func explainAll(model: InceptionV3,
                            evaluate: ([Double]) -> SampleContribution) throws -> [ExplainedImage] {
        let explainer = Explainer(model: model)
        let progress = ProgressBar(label: "explain", quiet: quiet)
        var results: [ExplainedImage] = []
        for (index, file) in images.enumerated() {
            let image = try PNGDecoder.decode(contentsOf: file)
            var statisticsSeconds = 0.0
            let started = DispatchTime.now().uptimeNanoseconds
            let explanation = explainer.explain(pixels01: ImagePreprocessing.pixels01(of: image),
                                                    layers: command.effectiveLayers) { feature in
                let t0 = DispatchTime.now().uptimeNanoseconds
                defer { statisticsSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
                return evaluate(feature)
            }
            let explainSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            clock.add("network", explainSeconds - statisticsSeconds)
            clock.add("statistics", statisticsSeconds)
            // The report keeps maps and numbers only, so memory grows by kilobytes per image.
            var kept = explanation
            kept.pixelGradient = []
            results.append(ExplainedImage(file: file, name: file.relativePath, width: image.width, height: image.height,
                                          top5: ClassPrediction.top(5, logits: explanation.logits),
                                          explanation: kept))
            progress.update(done: index + 1, total: images.count)
        }
        return results
    }
}

/// Reference statistics and where they came from.
struct ReferenceStatistics {
    let statistics: FrechetStatistics
    let path: String
    let provenance: String
    let top1Histogram: [Int64]?

    /// The statistics of `input`: a file's as read, or a folder's computed here with `model`.
    static func load(_ input: ReferenceInput, model: InceptionV3, batchSize: Int, quiet: Bool,
                     onNetworkTime: @escaping (Double) -> Void) throws -> ReferenceStatistics {
        switch input {
        case let .file(file, path):
            return ReferenceStatistics(statistics: file.statistics, path: path,
                                       provenance: file.provenance ?? file.layout.rawValue, top1Histogram: file.top1Histogram)
        case let .images(inputs, path):
            let measured = try ImageSetMeasurement.measure(inputs.files, model: model, batchSize: batchSize,
                                                           keepFeatures: false, label: "reference", source: path,
                                                           quiet: quiet, onNetworkTime: onNetworkTime)
            return ReferenceStatistics(statistics: measured.statistics, path: path,
                                       provenance: "computed by fidviz from \(inputs.files.count) images in \(path)",
                                       top1Histogram: measured.top1Histogram)
        }
    }
}

/// `--ref` as given, checked before any work starts: a statistics or features .npz, read and
/// validated at once, or a folder of PNGs, whose headers are checked at once and whose
/// statistics are computed once the network is loaded.
enum ReferenceInput {
    case file(StatisticsFile, path: String)
    case images(ImageInputs, path: String)

    init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError("--ref \(path): no such file or folder")
        }
        if isDirectory.boolValue {
            self = .images(try ImageInputs(arguments: [path]), path: path)
        } else {
            self = .file(try StatisticsFile.read(contentsOf: URL(fileURLWithPath: path)), path: path)
        }
    }
}
