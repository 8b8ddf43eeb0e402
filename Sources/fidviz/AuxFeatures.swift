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

// MARK: - A second feature space, computed elsewhere

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
