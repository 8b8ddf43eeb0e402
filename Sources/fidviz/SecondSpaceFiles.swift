import Foundation
import Frechet

// MARK: - compare's --dinov2 and --dinov2-ref

/// The DINOv2 features of `compare`'s sets and reference (`--dinov2`, once per set, and
/// `--dinov2-ref`), read and checked before any work: each a `.npz` that records a DINOv2 backbone,
/// all of one backbone, and, where both sides have rows, the same images in the same order as the
/// set's own rows (so that one image resample serves both spaces).
struct SecondSpaceFiles {
    let sets: [MeasuredSet]
    let reference: MeasuredSet

    /// nil without --dinov2.
    init?(sets paths: [String], reference referencePath: String?) throws {
        guard let referencePath, !paths.isEmpty else { return nil }
        func read(_ path: String, flag: String) throws -> MeasuredSet {
            let source = try SetSource([path], flag: flag)
            guard case .npz = source, let file = try source.readFile(backbone: nil, keepRows: true) else {
                throw InputError("\(flag) \(path): give a .npz of DINOv2 features (`fidviz features --backbone dinov2-vitl14`)")
            }
            guard file.backbone?.dinov2Size != nil else {
                let what = file.backbone.map { "\($0.displayName) features" }
                    ?? "\(file.statistics.dimension)-dimensional features of an unrecorded network"
                throw InputError("\(flag) \(path): holds \(what), not DINOv2's; give `fidviz features --backbone "
                    + "dinov2-vitl14` of the same images")
            }
            return file
        }
        sets = try paths.map { try read($0, flag: "--dinov2") }
        reference = try read(referencePath, flag: "--dinov2-ref")
        try MeasuredSet.requireOneBackbone(sets + [reference], measured: nil)
    }

    /// Set k's DINOv2 features, checked against the set as measured.
    func features(of k: Int, alignedWith set: MeasuredSet, label: String) throws -> RunComparison.Features {
        try Self.features(sets[k], alignedWith: set, name: "--dinov2 \(sets[k].path)", what: "set \(label)")
    }

    func referenceFeatures(alignedWith set: MeasuredSet) throws -> RunComparison.Features {
        try Self.features(reference, alignedWith: set, name: "--dinov2-ref \(reference.path)", what: "the reference")
    }

    private static func features(_ file: MeasuredSet, alignedWith set: MeasuredSet, name: String, what: String) throws
        -> RunComparison.Features {
        if let rows = file.rows, let own = set.rows, rows.names != own.names {
            throw InputError("\(name): its \(rows.count) rows are not the \(own.count) images of \(what) in the same "
                + "order (compared by their `files`); give the DINOv2 features of exactly those images")
        }
        return RunComparison.Features(statistics: file.statistics,
                                      rows: file.rows.map { FeatureRows($0.features, dimension: $0.dimension) })
    }
}
