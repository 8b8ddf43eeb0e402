import Foundation
import Frechet

// MARK: - What `fidviz classes` compares, per network

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
        let generated = try NetworkSet.perBackbone(arguments, flag: "GEN", backbones: backbones, separateArguments: false,
                                 keepRows: true)
        let reference = try NetworkSet.perBackbone(references, flag: "--ref", backbones: backbones, separateArguments: true,
                                 keepRows: referenceRows)
        let dinov2 = backbones[1]
        return ClassesInputs(generated: generated[.inception]!, reference: reference[.inception]!,
                             dinov2: (dinov2, generated[dinov2]!, reference[dinov2]!))
    }
}
