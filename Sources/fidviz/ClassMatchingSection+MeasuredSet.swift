import Foundation
import Frechet
import InceptionGraph
import Pixels
import Report
import UntrustedInput

// MARK: - Class matching of a measured set

extension ClassMatchingSection {
    /// Class matching of a measured generated set against a reference: the wiring from
    /// `MeasuredSet` into `ClassMatching.Analysis` (all the maths is there), for `fidviz classes`
    /// and the explain report alike. `aux` is the space beside pool3 measured under the same
    /// weights: FD_DINOv2 (the paper's control) or another extractor's features. What cannot be
    /// computed from the inputs becomes a note, or with `classesRequired` an error.
    init(generated rows: SetFeatures, statistics: FrechetStatistics?, reference: MeasuredSet,
         referenceName: String, topN: Int, classesRequired: Bool, aux: AuxFeatures?, optimizer: NullSpaceOptimizer,
         showImages: Bool) throws {
        guard rows.count >= 2 else {
            throw InputError("\(rows.names.first ?? "the generated set"): 1 image, but class matching weighs images "
                + "against each other and needs at least 2")
        }
        var notes: [String] = []
        func missing(_ line: String) throws {
            if classesRequired { throw InputError(line) }
            notes.append(line)
        }
        let classes = InceptionArchitecture.classCount
        let logits = rows.logits.map { FeatureRows($0, dimension: classes) }
        let topClasses = rows.logits.map { ClassScore.topIndices(rows: $0, classes: classes, n: max(topN, 1)) }
        if logits == nil {
            try missing("the generated features hold no logits (pool3 only), so Top-1, Top-N and logit matching "
                + "are left out; `fidviz features` writes both")
        }
        if reference.top1Histogram == nil {
            try missing("\(referenceName) records no ImageNet classes (no top1_hist: pytorch-fid and clean-fid "
                + "statistics do not keep them), so Top-1, Top-N and logit matching are left out and only FID and "
                + "the pool3 null space are reported; `fidviz stats` on the reference images records the classes")
        }
        var multiHot = reference.topNStatistics[topN]
        if multiHot == nil, let referenceLogits = reference.rows?.logits {
            multiHot = try ClassMatching.topNStatistics(
                topClasses: ClassScore.topIndices(rows: referenceLogits, classes: classes, n: topN), classCount: classes,
                n: topN)
        }
        if multiHot == nil && reference.top1Histogram != nil {
            let recorded = reference.topNStatistics.keys.sorted().map { "Top-\($0)" }
            try missing("\(referenceName) records no Top-\(topN) class statistics"
                + (recorded.isEmpty ? "" : " (only \(recorded.joined(separator: ", ")))")
                + ", so Top-\(topN) matching is left out; give the reference images or a `fidviz features` file")
        }
        var referenceSide = ClassMatching.Analysis.Reference(pool3: reference.statistics,
                                                          top1Histogram: reference.top1Histogram)
        referenceSide.logits = reference.logitStatistics
        referenceSide.topNMultiHot = multiHot
        referenceSide.otherFeatures = aux.map { [$0.space: $0.reference] } ?? [:]
        var generated = ClassMatching.Analysis.Generated(
            pool3: FeatureRows(rows.features, dimension: rows.dimension), logits: logits,
            topClasses: topClasses)
        generated.otherFeatures = aux.map { [$0.space: $0.generated] } ?? [:]
        if let aux, let statistics = aux.generatedStatistics { generated.otherStatistics = [aux.space: statistics] }
        generated.pool3Statistics = statistics
        let analysis = try ClassMatching.Analysis(
            reference: referenceSide, generated: generated,
            options: Self.options(topN: topN, optimizer: optimizer))
        self.init(analysis: analysis, generatedCount: rows.count, referenceCount: reference.statistics.n,
                  topN: topN, generatedTop1: topClasses?.map { $0[0] }, referenceHistogram: reference.top1Histogram,
                  images: showImages ? rows.paths : nil, notes: notes)
    }

    private static func options(topN: Int, optimizer: NullSpaceOptimizer) -> ClassMatching.Analysis.Options {
        var options = ClassMatching.Analysis.Options()
        options.topN = topN
        options.optimizer = optimizer
        return options
    }
}
