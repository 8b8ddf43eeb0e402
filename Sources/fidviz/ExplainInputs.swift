import Agreement
import Foundation
import Frechet

// MARK: - Explain's inputs (stage 1)

/// The generated set as given to explain: images, or their features.
enum GeneratedInput {
    case images(ImageFiles)
    case features(MeasuredSet)

    var count: Int {
        switch self {
        case .images(let images): return images.count
        case .features(let set): return set.rows?.count ?? 0
        }
    }

    /// How reports name each image, in the set's order.
    var names: [String] {
        switch self {
        case .images(let images): return (0 ..< images.count).map(images.name)
        case .features(let set): return set.rows?.names ?? []
        }
    }
}

/// One network's inputs: the images or that network's features, its reference and, with
/// `--gen`, the statistics each image joins.
struct SpaceInputs {
    let backbone: Backbone
    let generated: GeneratedInput
    let reference: SetSource
    /// `--ref` when it is a file, already read and validated.
    let referenceFile: MeasuredSet?
    /// `--gen`: statistics of the set the images join, already read, with the path given.
    let joinedStatistics: (set: MeasuredSet, path: String)?
}

/// Explain's inputs, every one read and checked before any weights load or the report folder is
/// touched (stage 1 of the flow): one `SpaceInputs` per `--backbone`, in its order.
struct ExplainInputs {
    let spaces: [SpaceInputs]
    /// `--human`: people's scores, matched to the generated images (in the set's order).
    let human: HumanMatch?

    /// What the command line names, read and checked. With one backbone, each of `--ref`,
    /// `--features` and `--gen` is one set, as it always was. With several, each is given once
    /// per backbone and matched to it by the backbone its file records (`filesByBackbone`); images
    /// (the positional arguments, or a `--ref` of images) go through every network.
    static func read(images: [String], references: [String], features: [String], gen: [String], human: String?,
                     backbones: [Backbone]) throws -> ExplainInputs {
        let generated: [Backbone: GeneratedInput]
        if features.isEmpty {
            guard case .images(let files) = try SetSource(images, flag: nil) else {
                throw InputError("\(images[0]): give the images to explain (a features .npz goes to --features)")
            }
            generated = Dictionary(uniqueKeysWithValues: backbones.map { ($0, .images(files)) })
        } else {
            let files = try filesByBackbone(features, flag: "--features", backbones: backbones, logits: true,
                                            keepRows: true)
            try requireSameImages(files, order: backbones)
            generated = try files.mapValues { file in
                guard file.set.rows != nil else {
                    throw InputError("--features \(file.path): holds \(file.set.layout?.rawValue ?? "statistics") "
                        + "(mu, sigma), not each image's features; make them with `fidviz features IMAGES -o FEATS.npz`")
                }
                return .features(file.set)
            }
        }
        if gen.isEmpty && generated[backbones[0]]!.count == 2 {
            throw InputError("2 images are too few for leave-one-out statistics; explain 1 image, 3 or more, or pass --gen STATS")
        }
        let reference = try Self.references(references, backbones: backbones)
        let joined = gen.isEmpty ? [:] : try filesByBackbone(gen, flag: "--gen", backbones: backbones)
        let match = try human.map { path in
            do {
                return try HumanScores(contentsOf: URL(fileURLWithPath: path)).match(generated[backbones[0]]!.names)
            } catch let error as HumanScoresError {
                throw InputError("--human \(error)")
            }
        }
        return ExplainInputs(spaces: backbones.map { backbone in
            SpaceInputs(backbone: backbone, generated: generated[backbone]!, reference: reference[backbone]!.source,
                        referenceFile: reference[backbone]!.file, joinedStatistics: joined[backbone].map { ($0.set, $0.path) })
        }, human: match)
    }

    // MARK: - One file per backbone

    /// `paths` (`.npz` files of `flag`) read and validated, keyed by the network whose features
    /// each holds. One backbone: the one file, read for that backbone (its dimension, and the
    /// backbone it records when it records one). Several: each file is matched by the backbone it
    /// records (a file that records none and holds 2048-d features is Inception's), and no two
    /// may hold the same one; with `everyBackbone`, every backbone must have its file.
    static func filesByBackbone(_ paths: [String], flag: String, backbones: [Backbone], logits: Bool = false,
                                keepRows: Bool = false, everyBackbone: Bool = true) throws -> [Backbone: (set: MeasuredSet, path: String)] {
        if backbones.count == 1 {
            guard paths.count == 1 else {
                throw InputError("\(flag) given \(paths.count) times; give one \(flag) per --backbone (here "
                    + "\(backbones[0].rawValue) only)")
            }
            guard let file = try SetSource.npz(URL(fileURLWithPath: paths[0]))
                .readFile(backbone: backbones[0], logits: logits, keepRows: keepRows) else {
                preconditionFailure("an .npz source reads its file")
            }
            return [backbones[0]: (file, paths[0])]
        }
        var files: [Backbone: (set: MeasuredSet, path: String)] = [:]
        for path in paths {
            guard let file = try SetSource.npz(URL(fileURLWithPath: path))
                .readFile(backbone: nil, logits: logits, keepRows: keepRows) else {
                preconditionFailure("an .npz source reads its file")
            }
            let backbone = try Self.backbone(of: file, path: path, flag: flag, backbones: backbones)
            if let other = files[backbone] {
                throw InputError("\(flag) \(other.path) and \(path) both hold \(backbone.displayName) features; "
                    + "give one \(flag) per --backbone")
            }
            files[backbone] = (file, path)
        }
        if everyBackbone, let missing = backbones.first(where: { files[$0] == nil }) {
            throw InputError("\(flag): no file holds \(missing.displayName) features (--backbone \(missing.rawValue)); "
                + "give one \(flag) per --backbone, \(backbones.map(\.rawValue).joined(separator: " and "))")
        }
        return files
    }

    /// The backbone a file read for no particular network holds, checked against the run's.
    private static func backbone(of file: MeasuredSet, path: String, flag: String, backbones: [Backbone]) throws
        -> Backbone {
        let d = file.statistics.dimension
        guard let backbone = file.backbone else {
            throw InputError("\(flag) \(path): \(d)-dimensional features that record no backbone, so fidviz cannot "
                + "tell which network made them; with several --backbone, give files that `fidviz features` or "
                + "`fidviz stats` wrote")
        }
        guard backbones.contains(backbone) else {
            throw InputError("\(flag) \(path): holds \(backbone.displayName) features (--backbone \(backbone.rawValue)), "
                + "which is not one of --backbone \(backbones.map(\.rawValue).joined(separator: ","))")
        }
        guard d == backbone.featureDimension else {
            throw InputError("\(flag) \(path): records --backbone \(backbone.rawValue) but holds \(d)-dimensional "
                + "features, not \(backbone.featureDimension)")
        }
        return backbone
    }

    /// Features files of several networks must list the same images in the same order: each
    /// image's row in one space is the same image's row in the other.
    private static func requireSameImages(_ files: [Backbone: (set: MeasuredSet, path: String)], order: [Backbone])
        throws {
        let first = files[order[0]]!
        for backbone in order.dropFirst() {
            let other = files[backbone]!
            let (a, b) = (first.set.rows?.names ?? [], other.set.rows?.names ?? [])
            if a.count != b.count {
                throw InputError("--features \(first.path) lists \(a.count) images but \(other.path) lists \(b.count); "
                    + "make both from the same images")
            }
            if let i = a.indices.first(where: { a[$0] != b[$0] }) {
                throw InputError("--features \(first.path) and \(other.path) list different images (row \(i + 1): "
                    + "\(a[i]) against \(b[i])); make both from the same images, in the same order")
            }
        }
    }

    /// `--ref` per backbone: a `.npz` per backbone, matched as `filesByBackbone` matches, and at
    /// most one set of images, which every backbone without its own file measures
    /// (`NetworkSet.perBackbone`, as `classes` reads its sets).
    private static func references(_ arguments: [String], backbones: [Backbone]) throws
        -> [Backbone: (source: SetSource, file: MeasuredSet?)] {
        if backbones.count == 1 {
            guard arguments.count == 1 else {
                throw InputError("--ref given \(arguments.count) times; give one --ref per --backbone (here "
                    + "\(backbones[0].rawValue) only)")
            }
            let source = try SetSource(arguments, flag: "--ref")
            return [backbones[0]: (source, try source.readFile(backbone: backbones[0], logits: true))]
        }
        return try NetworkSet.perBackbone(arguments, flag: "--ref", backbones: backbones, separateArguments: true,
                                          keepRows: false).mapValues { ($0.source, $0.file) }
    }
}
