import ArgumentParser
import Foundation
import Autograd
import Frechet
import InceptionGraph

// MARK: - Options

/// `--batch-size`, for commands that stream images through the network.
struct BatchOptions: ParsableArguments {
    @Option(help: "Images per forward pass (memory grows with it; results do not).")
    var batchSize = 16

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }
}

// MARK: - Streaming statistics of images

/// The FID statistics of a set of images, computed by streaming them through the network.
///
/// pool3 rows are collected into chunks of `chunkRows` and each full chunk goes to a Float64
/// `StatisticsAccumulator`, so memory is one chunk plus the d x d co-moment whatever N is, and
/// the accumulator sees the same chunks whatever the forward batch size.
///
/// Batch-size independence also needs the network's per-image outputs to be independent of the
/// batch: they are with single-threaded OpenBLAS (each worker of `forwardInParallel` runs one),
/// but a lone image (`--batch-size 1`, or a last batch of one) would otherwise run on
/// multi-threaded OpenBLAS, whose GEMMs round differently (~1e-6 relative in pool3). So the whole
/// extraction runs with OpenBLAS limited to one thread; batches of two or more still use every
/// core through `forwardInParallel`. The statistics are then bit-identical for any batch size.
struct ImageSetMeasurement {
    /// mu [2048], sigma [2048, 2048] (N - 1 denominator), n = number of images.
    let statistics: FrechetStatistics
    /// Top-1 class counts [1008] (argmax of the logits, ties to the lower index).
    let top1Histogram: [Int64]
    /// pool3 rows [N, 2048] in file order, only when asked for (KID needs them).
    let features: [Float]?

    /// Rows handed to the accumulator at a time (fixed, so results are batch-size independent).
    static let chunkRows = 256

    /// How pytorch-fid prepares an image, as recorded in fidviz statistics files.
    static let preprocessingDescription = "PIL-RGB /255 bilinear299 align_corners=False 2x-1"

    /// Runs `files` (at least two) through `model`, `batchSize` at a time, with a progress bar
    /// labelled `label`. `source` names the set in errors.
    /// `onNetworkTime` receives the seconds each batch spent in the network.
    static func measure(_ files: [URL], model: InceptionV3, batchSize: Int, keepFeatures: Bool,
                        label: String, source: String, quiet: Bool,
                        onNetworkTime: ((Double) -> Void)? = nil) throws -> ImageSetMeasurement {
        let d = InceptionArchitecture.featureCount
        let accumulator = StatisticsAccumulator(dimension: d)
        var histogram = [Int64](repeating: 0, count: InceptionArchitecture.classCount)
        var chunk: [Float] = []
        chunk.reserveCapacity(chunkRows * d)
        var kept: [Float] = []
        if keepFeatures { kept.reserveCapacity(files.count * d) }

        let progress = ProgressBar(label: label, quiet: quiet)
        try ComputeRuntime.withThreads(1) {
            var extractor = FeatureExtractor(model: model, batchSize: batchSize)
            extractor.onNetworkTime = onNetworkTime
            try extractor.run(files, progress: {
                progress.update(done: $0, total: $1)
            }) { result in
                chunk += result.pool3
                if keepFeatures { kept += result.pool3 }
                histogram[ClassPrediction.top(1, logits: result.logits)[0].index] += 1
                if chunk.count == chunkRows * d {
                    accumulator.add(rows: chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        }
        if !chunk.isEmpty { accumulator.add(rows: chunk) }
        return ImageSetMeasurement(statistics: try accumulator.statistics(source: source),
                                   top1Histogram: histogram, features: keepFeatures ? kept : nil)
    }

    /// The `fidviz` provenance string of a statistics file made from `count` images.
    static func provenance(weights: LoadedModel, count: Int) -> String {
        let official = weights.isOfficial ? "official FID weights" : "NOT the official FID weights"
        return "fidviz \(FidvizVersion.string); weights \(weights.weightsFile.lastPathComponent) "
            + "SHA-256 \(weights.sha256.prefix(8)) (\(official)); preprocessing \(preprocessingDescription); "
            + "pool3 of \(count) images; mu and sigma in float64, sigma with the N-1 denominator"
    }
}

/// A note when a covariance of `n` samples in d = 2048 dimensions is singular.
func noteIfTooFewSamples(_ n: Int?, set: String, quiet: Bool) {
    let d = InceptionArchitecture.featureCount
    guard let n, n < d else { return }
    note("warning: the \(set) has \(n) samples, fewer than the \(d) feature dimensions: its covariance is singular and FID is biased upwards; use at least \(d) (ideally 50000)", quiet: quiet)
}
