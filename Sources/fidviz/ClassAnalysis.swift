import Foundation
import Frechet
import InceptionGraph
import Pixels
import Report
import UntrustedInput

// MARK: - The class-matching analysis of a measured set

/// Wires a measured generated set and a reference into `ClassMatchingReport` (all the maths
/// is there) and `ClassMatchingView` (what the report shows): `fidviz classes` and the
/// explain report both come here.
enum ClassAnalysis {
    /// What the analysis can do with the inputs it was given, as notes for what it cannot.
    /// With `classesRequired`, a missing piece is an error instead of a note.
    static func run(generated rows: SetFeatures, statistics: FrechetStatistics?, reference: MeasuredSet,
                    referenceName: String, topN: Int,
                    classesRequired: Bool, aux: AuxFeatures?, optimizer: NullSpaceOptimizer,
                    showImages: Bool) throws -> ClassMatchingView {
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
            multiHot = try ClassMatching.topNStatistics(scores: referenceLogits, classCount: classes, n: topN)
        }
        if multiHot == nil && reference.top1Histogram != nil {
            let recorded = reference.topNStatistics.keys.sorted().map { "Top-\($0)" }
            try missing("\(referenceName) records no Top-\(topN) class statistics"
                + (recorded.isEmpty ? "" : " (only \(recorded.joined(separator: ", ")))")
                + ", so Top-\(topN) matching is left out; give the reference images or a `fidviz features` file")
        }
        var referenceSide = ClassMatchingReport.Reference(pool3: reference.statistics,
                                                          top1Histogram: reference.top1Histogram)
        referenceSide.logits = reference.logitStatistics
        referenceSide.topNMultiHot = multiHot
        referenceSide.otherFeatures = aux.map { [$0.name: $0.reference] } ?? [:]
        let analysis = try ClassMatchingReport(
            reference: referenceSide,
            generated: .init(pool3: FeatureRows(rows.pool3, dimension: InceptionArchitecture.featureCount),
                             logits: logits, otherFeatures: aux.map { [$0.name: $0.generated] } ?? [:],
                             pool3Statistics: statistics),
            options: options(topN: topN, optimizer: optimizer))
        let top1 = rows.logits.map { all in
            (0 ..< rows.count).map { ClassScore.top1Index(logits: Array(all[$0 * classes ..< ($0 + 1) * classes])) }
        }
        return ClassMatchingView(analysis: analysis, generatedCount: rows.count, referenceCount: reference.statistics.n,
                                 topN: topN, generatedTop1: top1, referenceHistogram: reference.top1Histogram,
                                 images: showImages ? rows.paths : nil, notes: notes)
    }

    private static func options(topN: Int, optimizer: NullSpaceOptimizer) -> ClassMatchingReport.Options {
        var options = ClassMatchingReport.Options()
        options.topN = topN
        options.optimizer = optimizer
        return options
    }
}

// MARK: - A second feature space

/// Features of the same images computed elsewhere (CLIP, DINOv2, ...): `files` + `features`
/// [N, d] for the generated set, aligned to its rows by file name, and the reference's
/// statistics in that space.
struct AuxFeatures {
    let name: String
    let generated: FeatureRows
    let reference: FrechetStatistics

    /// Reads `--aux` and `--aux-ref` and aligns them to the generated set's `names` and, when
    /// known, the reference's; every problem is one `InputError`.
    static func read(generated path: String, reference referencePath: String, generatedNames: [String],
                     referenceNames: [String]?) throws -> AuxFeatures {
        let file = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: path), expectedDimension: nil,
                                           keepRows: true)
        guard let values = file.features else {
            throw InputError("--aux \(path): holds statistics, not each image's features; give `files` and "
                + "`features` [N, d] for the generated images")
        }
        guard let files = file.files else {
            throw InputError("--aux \(path): has no `files` key, so its rows cannot be matched to the generated images")
        }
        let d = file.statistics.dimension
        let order = try align(generatedNames, to: files, flag: "--aux", path: path)
        var rows = [Float](repeating: 0, count: order.count * d)
        for (i, j) in order.enumerated() { rows[i * d ..< (i + 1) * d] = values[j * d ..< (j + 1) * d] }

        let referenceFile = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: referencePath),
                                                    expectedDimension: nil, keepRows: true)
        guard referenceFile.statistics.dimension == d else {
            throw InputError("--aux-ref \(referencePath): features of dimension \(referenceFile.statistics.dimension), "
                + "but --aux has \(d); both must come from the same feature extractor")
        }
        if let referenceNames, let auxNames = referenceFile.files {
            let order = try align(referenceNames, to: auxNames, flag: "--aux-ref", path: referencePath)
            if order.count != auxNames.count {
                throw InputError("--aux-ref \(referencePath): \(auxNames.count) rows, but the reference has "
                    + "\(referenceNames.count) images; give the features of exactly the reference images")
            }
        }
        return AuxFeatures(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                           generated: FeatureRows(rows, dimension: d), reference: referenceFile.statistics)
    }

    /// For each of `names`, its row in `files`: matched by the whole name, else (when every
    /// file name is unique) by the file name alone, as features written elsewhere may hold
    /// other paths to the same files.
    static func align(_ names: [String], to files: [String], flag: String, path: String) throws -> [Int] {
        if let order = match(names, files, key: { $0 }) { return order }
        let base = { (name: String) in (name as NSString).lastPathComponent }
        if Set(files.map(base)).count == files.count, let order = match(names, files, key: base) { return order }
        let known = Set(files).union(files.map(base))
        let absent = names.first { !known.contains($0) && !known.contains(base($0)) } ?? names[0]
        throw InputError("\(flag) \(path): has no row for '\(UntrustedText.printable(absent))'; its `files` must name "
            + "the same images (by path or file name), one row each")
    }

    private static func match(_ names: [String], _ files: [String], key: (String) -> String) -> [Int]? {
        var index: [String: Int] = [:]
        for (j, file) in files.enumerated() where index[key(file)] == nil { index[key(file)] = j }
        var order: [Int] = []
        for name in names {
            guard let j = index[key(name)] else { return nil }
            order.append(j)
        }
        return order
    }
}
