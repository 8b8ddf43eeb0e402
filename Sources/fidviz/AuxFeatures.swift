import ArgumentParser
import Foundation
import Frechet
import UntrustedInput

// MARK: - --aux and --aux-ref

/// `--aux GEN.npz --aux-ref REF.npz`: features of both sets from another extractor, given together.
struct AuxOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Generated images' features from another extractor (files + features [N, d]).",
                               valueName: "file"))
    var aux: String?

    @Option(help: ArgumentHelp("Reference images' features (or statistics) from the same extractor as --aux.",
                               valueName: "file"))
    var auxRef: String?

    /// Called from `ClassesCommand.validate` (not as the group's own `validate`, which would run
    /// before the command's checks and change which of several bad flags is reported first).
    func checkPaired() throws {
        guard (aux == nil) == (auxRef == nil) else { throw ValidationError("give --aux and --aux-ref together") }
    }

    /// The two files read and aligned by `AuxFeatures.read`, or nil without --aux.
    func read(generatedNames: @autoclosure () -> [String], referenceNames: @autoclosure () -> [String]?) throws
        -> AuxFeatures? {
        guard let aux, let auxRef else { return nil }
        return try AuxFeatures.read(generated: aux, reference: auxRef, generatedNames: generatedNames(),
                                    referenceNames: referenceNames())
    }
}

// MARK: - A second feature space of the same images

/// Features of the same images in a second space, for the class-matching control: DINOv2
/// (FD_DINOv2, the space fidviz computes itself or reads from a file that records its backbone)
/// or another extractor's (CLIP, ...: `files` + `features` [N, d], named by the file). The
/// generated rows are aligned to the Inception rows by file name; the reference side is
/// statistics in that space.
struct AuxFeatures {
    let space: ClassMatching.OtherSpace
    let generated: FeatureRows
    /// The generated rows' statistics as their own accumulator made them, when known (see
    /// `ClassMatching.Analysis.Generated.otherStatistics`).
    var generatedStatistics: FrechetStatistics?
    let reference: FrechetStatistics

    /// `backbone`'s rows of the generated images (`rows`, read from `source` or measured, with
    /// their `statistics` when known), put in the order of `names` (the Inception rows'), and its
    /// reference statistics. The second space of `fidviz classes --backbone inception,dinov2-*`,
    /// and of the explain report from phase 1's rows (no second network run).
    init(backbone: Backbone, generated rows: SetFeatures, statistics: FrechetStatistics?, reference: MeasuredSet,
         names: [String], source: String) throws {
        let order = try Self.order(names, rows: rows.names, source: source)
        space = .known(backbone.space)
        generated = Self.reordered(rows.features, dimension: rows.dimension, order: order)
        generatedStatistics = statistics
        self.reference = reference.statistics
    }

    /// For each of `names`, its row among `rows` (a second space's features of the same images,
    /// from `source`): the same images, one row each, matched as `align` matches.
    static func order(_ names: [String], rows: [String], source: String) throws -> [Int] {
        guard rows.count == names.count else {
            throw InputError("\(source): \(rows.count) images, but the Inception side has \(names.count); give the "
                + "features of the same images in both spaces")
        }
        return try align(names, to: rows, prefix: source)
    }

    /// Reads `--aux` and `--aux-ref` and aligns them to the generated set's `names` and, when
    /// known, the reference's; every problem is one `InputError`. A file fidviz wrote records its
    /// network: DINOv2's is FD_DINOv2's space, Inception's is refused (FID already measures it);
    /// features from elsewhere are named by the `--aux` file.
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
        let recorded = file.origin.flatMap { Backbone.recorded(in: $0, dimension: d) }
        if recorded == .inception {
            throw InputError("--aux \(path): holds Inception-v3 features, the space FID itself measures; give another "
                + "network's features (DINOv2, CLIP, ...)")
        }
        if let recorded, d != recorded.featureDimension {
            throw InputError("--aux \(path): records --backbone \(recorded.rawValue) but holds \(d)-dimensional "
                + "features, not \(recorded.featureDimension)")
        }
        let order = try align(generatedNames, to: files, prefix: "--aux \(path)")

        let referenceFile = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: referencePath),
                                                    expectedDimension: nil, keepRows: true)
        let referenceRecorded = referenceFile.origin.flatMap {
            Backbone.recorded(in: $0, dimension: referenceFile.statistics.dimension)
        }
        if let recorded, let referenceRecorded, recorded != referenceRecorded {
            throw InputError("--aux-ref \(referencePath): holds \(referenceRecorded.displayName) features, but --aux "
                + "holds \(recorded.displayName) ones; both must come from the same network")
        }
        guard referenceFile.statistics.dimension == d else {
            throw InputError("--aux-ref \(referencePath): features of dimension \(referenceFile.statistics.dimension), "
                + "but --aux has \(d); both must come from the same feature extractor")
        }
        if let referenceNames, let auxNames = referenceFile.files {
            let order = try align(referenceNames, to: auxNames, prefix: "--aux-ref \(referencePath)")
            if order.count != auxNames.count {
                throw InputError("--aux-ref \(referencePath): \(auxNames.count) rows, but the reference has "
                    + "\(referenceNames.count) images; give the features of exactly the reference images")
            }
        }
        let space: ClassMatching.OtherSpace = recorded.map { .known($0.space) }
            ?? .named(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        return AuxFeatures(space: space, generated: reordered(values, dimension: d, order: order),
                           generatedStatistics: Set(order).count == files.count ? file.statistics : nil,
                           reference: referenceFile.statistics)
    }

    private init(space: ClassMatching.OtherSpace, generated: FeatureRows, generatedStatistics: FrechetStatistics?,
                 reference: FrechetStatistics) {
        (self.space, self.generated, self.generatedStatistics, self.reference) = (space, generated, generatedStatistics,
                                                                                  reference)
    }

    /// Rows `order[0]`, `order[1]`, ... of `values` [*, dimension].
    private static func reordered(_ values: [Float], dimension d: Int, order: [Int]) -> FeatureRows {
        var rows = [Float](repeating: 0, count: order.count * d)
        for (i, j) in order.enumerated() { rows[i * d ..< (i + 1) * d] = values[j * d ..< (j + 1) * d] }
        return FeatureRows(rows, dimension: d)
    }

    /// For each of `names`, its row in `files`: matched by the whole name, else (when every
    /// file name is unique) by the file name alone, as features written elsewhere may hold
    /// other paths to the same files. `prefix` ("--aux FILE") opens the error.
    static func align(_ names: [String], to files: [String], prefix: String) throws -> [Int] {
        if let order = match(names, files, key: { $0 }) { return order }
        let base = { (name: String) in (name as NSString).lastPathComponent }
        if Set(files.map(base)).count == files.count, let order = match(names, files, key: base) { return order }
        let known = Set(files).union(files.map(base))
        let absent = names.first { !known.contains($0) && !known.contains(base($0)) } ?? names[0]
        throw InputError("\(prefix): has no row for '\(UntrustedText.printable(absent))'; its `files` must name "
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
