import Autograd
import Foundation
import Frechet
import InceptionGraph
import Pixels

// MARK: - A measured set

/// What a set yields once measured (its images run through the network) or read (a statistics
/// or features `.npz`): the pool3 statistics FID needs and, where known, the Top-1 class
/// histogram, the logit statistics and every image's rows.
struct MeasuredSet {
    /// pool3 mean and covariance; `n` is nil for files that do not record it.
    let statistics: FrechetStatistics
    /// Statistics of the 1008 logits, where known.
    let logitStatistics: FrechetStatistics?
    /// Top-1 class counts [1008], where known.
    let top1Histogram: [Int64]?
    /// Statistics of the Top-N multi-hot class vectors [1008] by N, where known (measured sets
    /// have `recordedTopN`'s).
    var topNStatistics: [Int: FrechetStatistics] = [:]
    /// Every image's rows, when kept (features files and measured images, on request).
    let rows: SetFeatures?
    /// Where the statistics came from, for reports.
    let provenance: String
    /// The set as the user named it.
    let path: String
    /// The network the features came from: the measuring one, or what a file records (nil when a
    /// file of another dimension than pool3's records none).
    var backbone: Backbone?
    /// The file's layout, for a set read from a file.
    var layout: StatisticsFile.Layout? = nil
    /// The slice a shard's file holds (`--shard I/K`), when it is one.
    var shard: ShardRecord? = nil

    /// The Top-N whose multi-hot statistics measured sets record (`fidviz classes --top-n`'s
    /// default, the paper's Top-N).
    static let recordedTopN = ClassMatching.Analysis.Options().topN

    // MARK: - Reading a file

    /// A statistics or features `.npz`, read and validated (`StatisticsFile.read`: every problem
    /// is a `FrechetError` naming the file and key). `dimension` is the feature dimension the
    /// file must have (nil: any); `keepRows` keeps a features file's rows.
    static func read(_ url: URL, dimension: Int? = InceptionArchitecture.featureCount, logits: Bool = false,
                     keepRows: Bool = false) throws -> MeasuredSet {
        let file = try StatisticsFile.read(contentsOf: url, expectedDimension: dimension,
                                           expectedClassCount: InceptionArchitecture.classCount, logits: logits,
                                           keepRows: keepRows)
        // A features file's classes come from its logit rows where it records none: the Top-1
        // histogram and the Top-N multi-hot statistics, as `stats` records them.
        var histogram = file.top1Histogram
        var topNStatistics = file.topNStatistics
        if histogram == nil || topNStatistics[recordedTopN] == nil, let logits = file.logits,
           let classes = file.logitStatistics?.dimension {
            let top = ClassScore.topIndices(rows: logits, classes: classes, n: recordedTopN)
            if histogram == nil {
                var counts = [Int64](repeating: 0, count: classes)
                for ranked in top { counts[ranked[0]] += 1 }
                histogram = counts
            }
            if topNStatistics[recordedTopN] == nil {
                topNStatistics[recordedTopN] = try ClassMatching.topNStatistics(topClasses: top, classCount: classes,
                                                                                n: recordedTopN)
            }
        }
        var rows: SetFeatures?
        if keepRows, let pool3 = file.features {
            let count = pool3.count / file.statistics.dimension
            let names = file.files ?? (0 ..< count).map { "row \($0)" }
            rows = SetFeatures(names: names, paths: names.map { ImagePath($0) }, sizes: names.map { _ in nil },
                               features: pool3, dimension: file.statistics.dimension, logits: file.logits)
        }
        return MeasuredSet(statistics: file.statistics, logitStatistics: file.logitStatistics,
                           top1Histogram: histogram, topNStatistics: topNStatistics, rows: rows,
                           provenance: file.provenance ?? file.layout.rawValue, path: url.path,
                           backbone: Backbone.recorded(in: file.origin, dimension: file.statistics.dimension),
                           layout: file.layout, shard: file.shard)
    }

    // MARK: - Measuring images

    /// Runs `images` (at least two) through `model`, `batchSize` at a time, with a progress bar
    /// labelled `label`. Memory is one chunk of rows plus the d x d co-moments whatever N is,
    /// unless `keepRows`; the statistics are those `fidviz stats` writes.
    ///
    /// Batch-size independence needs the network's per-image outputs to be independent of the
    /// batch: they are with single-threaded OpenBLAS (each worker of `forwardInParallel` runs
    /// one), while a lone image would otherwise run multi-threaded GEMMs that round differently.
    /// So the whole extraction runs with OpenBLAS limited to one thread; batches of two or more
    /// still use every core. `onNetworkTime` receives the seconds each batch spent in the network.
    static func measure(_ images: some ImageSet, model: LoadedModel, batchSize: Int, keepRows: Bool, label: String,
                        quiet: Bool, lastBlockInputs: LastBlockInputs? = nil,
                        onNetworkTime: ((Double) -> Void)? = nil) throws -> MeasuredSet {
        guard images.count >= 2 else {
            throw InputError("\(images.name(0)): 1 image in the \(label) set, but statistics need at least 2 (the covariance divides by N-1)")
        }
        let d = model.backbone.featureDimension, classes = InceptionArchitecture.classCount
        let features = ChunkedStatistics(dimension: d), logitStatistics = ChunkedStatistics(dimension: classes)
        let multiHot = ChunkedStatistics(dimension: classes)
        var histogram = [Int64](repeating: 0, count: classes)
        let kept = keepRows ? RowCollector(count: images.count, dimension: d) : nil
        try stream(images, model: model, batchSize: batchSize, label: label, quiet: quiet,
                   lastBlockInputs: lastBlockInputs, onNetworkTime: onNetworkTime) { result in
            features.add(result.features)
            if let logits = result.logits {
                logitStatistics.add(logits)
                let top = ClassScore.topIndices(logits[...], n: recordedTopN)
                multiHot.add(ClassMatching.topNMultiHot(topClasses: [top], classCount: classes, n: recordedTopN))
                histogram[top[0]] += 1
            }
            kept?.add(result)
        }
        let source = "the \(label) images"
        let hasClasses = model.inception != nil
        return MeasuredSet(statistics: try features.statistics(source: source),
                           logitStatistics: hasClasses ? try logitStatistics.statistics(source: source) : nil,
                           top1Histogram: hasClasses ? histogram : nil,
                           topNStatistics: hasClasses ? [recordedTopN: try multiHot.statistics(source: source)] : [:],
                           rows: kept?.rows(of: images),
                           provenance: "computed by fidviz from \(images.count) images in \(images.label) "
                               + "(\(model.backbone.displayName))",
                           path: images.label, backbone: model.backbone)
    }

    /// Every image's rows, without statistics (so one image will do).
    static func rows(_ images: some ImageSet, model: LoadedModel, batchSize: Int, label: String, quiet: Bool,
                     lastBlockInputs: LastBlockInputs? = nil, onNetworkTime: ((Double) -> Void)? = nil) throws
        -> SetFeatures {
        let kept = RowCollector(count: images.count, dimension: model.backbone.featureDimension)
        try stream(images, model: model, batchSize: batchSize, label: label, quiet: quiet,
                   lastBlockInputs: lastBlockInputs, onNetworkTime: onNetworkTime) { kept.add($0) }
        return kept.rows(of: images)
    }

    /// Runs the images through the network with single-threaded BLAS (see `measure`), handing
    /// each image's outputs to `consume` in order (and DINOv2's last-block tokens to
    /// `lastBlockInputs`, when given).
    private static func stream(_ images: some ImageSet, model: LoadedModel, batchSize: Int, label: String, quiet: Bool,
                               lastBlockInputs: LastBlockInputs?, onNetworkTime: ((Double) -> Void)?,
                               consume: (ImageFeatures) -> Void) throws {
        let progress = ProgressBar(label: label, quiet: quiet)
        try ComputeRuntime.withThreads(1) {
            try model.run(images, batchSize: batchSize, lastBlockInputs: lastBlockInputs, onNetworkTime: onNetworkTime,
                          progress: { progress.update(done: $0, total: $1) }) { consume($0) }
        }
    }
}

/// A note when a covariance of `n` samples in `dimension` dimensions (2048 for pool3) is singular.
func noteIfTooFewSamples(_ n: Int?, dimension d: Int = InceptionArchitecture.featureCount, set: String, quiet: Bool) {
    guard let n, n < d else { return }
    let advice = d == InceptionArchitecture.featureCount
        ? "FID is biased upwards; use at least \(d) (ideally 50000)" : "the distance is biased upwards; use at least \(d)"
    note("warning: the \(set) has \(n) samples, fewer than the \(d) feature dimensions: its covariance is singular and \(advice)", quiet: quiet)
}
