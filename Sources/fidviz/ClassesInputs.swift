import Foundation
import Frechet

// MARK: - What `fidviz classes` compares, per network

/// One set (GEN or REF) as one network sees it: the images it measures, or its `.npz` already
/// read and validated.
struct NetworkSet {
    let source: SetSource
    let file: MeasuredSet?
    /// How messages name the set: the arguments, or the `.npz` as given.
    let name: String
}

/// The inputs of `fidviz classes`, read and checked before any network runs: GEN and REF as
/// Inception sees them (class matching weighs images by Inception's classes) and, with
/// `--backbone inception,dinov2-*`, as DINOv2 sees them (FD_DINOv2 under each weighting).
///
/// With one backbone, GEN is images or one `.npz` and `--ref` is given once, as ever. With two,
/// GEN and `--ref` each name `.npz` files, one per backbone and matched to it by the backbone it
/// records (`ExplainInputs.filesByBackbone`, as explain matches them), and at most one set of
/// images, which every backbone without its own file measures. So
/// `GEN.npz GEN-dino.npz --ref REF.npz --ref REF-dino.npz` runs no network.
struct ClassesInputs {
    let generated: NetworkSet, reference: NetworkSet
    /// The DINOv2 backbone and its sets, with `--backbone inception,dinov2-*`.
    let dinov2: (backbone: Backbone, generated: NetworkSet, reference: NetworkSet)?

    /// `referenceRows` keeps the reference features' rows (their logits give another Top-N).
    static func read(generated arguments: [String], references: [String], backbones: [Backbone],
                     referenceRows: Bool) throws -> ClassesInputs {
        precondition(backbones.first == .inception && backbones.count <= 2,
                     "ClassesInputs: --backbone \(backbones) was not validated")
        guard backbones.count == 2 else {
            guard references.count == 1 else {
                throw InputError("--ref given \(references.count) times; give one --ref per --backbone (here "
                    + "inception only)")
            }
            let generated = try SetSource(arguments, flag: nil), reference = try SetSource(references, flag: "--ref")
            return ClassesInputs(
                generated: NetworkSet(source: generated, file: try generated.readFile(logits: true, keepRows: true),
                                      name: arguments.joined(separator: ", ")),
                reference: NetworkSet(source: reference,
                                      file: try reference.readFile(logits: true, keepRows: referenceRows),
                                      name: references[0]),
                dinov2: nil)
        }
        let generated = try sets(arguments, flag: "GEN", backbones: backbones, separateArguments: false,
                                 keepRows: true)
        let reference = try sets(references, flag: "--ref", backbones: backbones, separateArguments: true,
                                 keepRows: referenceRows)
        let dinov2 = backbones[1]
        return ClassesInputs(generated: generated[.inception]!, reference: reference[.inception]!,
                             dinov2: (dinov2, generated[dinov2]!, reference[dinov2]!))
    }

    /// A set named once per backbone: its `.npz` files matched to the backbones by what they
    /// record, and the other arguments as one set of images for every backbone without a file.
    /// With `separateArguments` (repeatable `--ref`), each argument names a whole set, so two
    /// arguments of images are two sets, and refused.
    private static func sets(_ arguments: [String], flag: String, backbones: [Backbone], separateArguments: Bool,
                             keepRows: Bool) throws -> [Backbone: NetworkSet] {
        let isNpz = { (path: String) in path.lowercased().hasSuffix(".npz") && !ImageFiles.isFolder(path) }
        let npz = arguments.filter(isNpz), images = arguments.filter { !isNpz($0) }
        if separateArguments && images.count > 1 {
            throw InputError("\(flag): \(images.joined(separator: " and ")) are both images; give one set of images "
                + "(it goes through every network) or one .npz per --backbone")
        }
        for path in npz where !FileManager.default.fileExists(atPath: path) {
            throw InputError("\(flag) \(path): no such file")
        }
        let files = try ExplainInputs.filesByBackbone(npz, flag: flag, backbones: backbones, logits: true,
                                                      keepRows: keepRows, everyBackbone: images.isEmpty)
        let imageSet = images.isEmpty ? nil : try SetSource(images, flag: flag == "GEN" ? nil : flag)
        if let imageSet, files.count == backbones.count {
            throw InputError("\(flag) \(imageSet.name): every --backbone already has its \(flag) file; leave the "
                + "images out")
        }
        var sets: [Backbone: NetworkSet] = [:]
        for backbone in backbones {
            if let file = files[backbone] {
                sets[backbone] = NetworkSet(source: .npz(URL(fileURLWithPath: file.path)), file: file.set,
                                            name: file.path)
            } else if let imageSet {
                sets[backbone] = NetworkSet(source: imageSet, file: nil, name: images.joined(separator: ", "))
            }
        }
        return sets
    }
}
