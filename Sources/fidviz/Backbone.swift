import ArgumentParser
import DINOv2
import Frechet
import InceptionGraph
import TorchCheckpoint

// MARK: - The network a command sees images through

/// `--backbone`: pytorch-fid's Inception-v3 (FID, the default) or a DINOv2 ViT/14 as torch hub
/// builds it and dgm-eval preprocesses for it (FD_DINOv2). Everything after the features is the
/// same for both; the backbone names the space, the weights file and the preprocessing.
enum Backbone: String, CaseIterable, ExpressibleByArgument {
    case inception
    case dinov2Vits14 = "dinov2-vits14"
    case dinov2Vitb14 = "dinov2-vitb14"
    case dinov2Vitl14 = "dinov2-vitl14"

    /// The DINOv2 size, for the DINOv2 backbones.
    var dinov2Size: DINOv2Size? {
        switch self {
        case .inception: return nil
        case .dinov2Vits14: return .vits14
        case .dinov2Vitb14: return .vitb14
        case .dinov2Vitl14: return .vitl14
        }
    }

    init(_ size: DINOv2Size) { self = Self.allCases.first { $0.dinov2Size == size }! }

    var space: FeatureSpace { self == .inception ? .inceptionPool3 : .dinov2 }

    var weightsFile: WeightsFile { dinov2Size.map(WeightsFile.dinov2) ?? .inceptionFID }

    /// The feature dimension: 2048 (pool3) or DINOv2's width.
    var featureDimension: Int { dinov2Size?.width ?? InceptionArchitecture.featureCount }

    /// How the network's input is made from an image, as recorded in the files fidviz writes.
    var preprocessing: String {
        self == .inception ? "PIL-RGB /255 bilinear299 align_corners=False 2x-1"
            : "PIL-RGB PIL-bicubic224 /255 normalize(ImageNet mean, std)"
    }

    /// What the features are, for people: "pool3" or "DINOv2 ViT-L/14 class tokens".
    var featuresName: String { dinov2Size.map { "DINOv2 \($0.displayName) class tokens" } ?? "pool3" }

    /// "Inception-v3" or "DINOv2 ViT-L/14", for people.
    var displayName: String { dinov2Size.map { "DINOv2 \($0.displayName)" } ?? "Inception-v3" }

    /// The backbone a file records (`backbone`), or nil for a file that records none (pytorch-fid
    /// and clean-fid files, fidviz files from before DINOv2: Inception when d = 2048).
    static func recorded(in origin: FeatureOrigin?, dimension: Int) -> Backbone? {
        if let name = origin?.backbone { return Backbone(rawValue: name) }
        return dimension == InceptionArchitecture.featureCount ? .inception : nil
    }
}

// MARK: - Several networks at once

/// `--backbone` as a comma list (`inception,dinov2-vitl14`): the networks a run sees the images
/// through, in the order given. The first ranks the report; each further one adds a column of
/// per-image distances. Every command but explain takes one.
struct BackboneList: ExpressibleByArgument, Equatable {
    let backbones: [Backbone]

    init(_ backbones: [Backbone]) {
        precondition(!backbones.isEmpty, "BackboneList: no backbone")
        self.backbones = backbones
    }

    /// nil (ArgumentParser's "invalid value" error, which lists the names) for an unknown name
    /// or an empty item.
    init?(argument: String) {
        let names = argument.split(separator: ",", omittingEmptySubsequences: false)
        let parsed = names.compactMap { Backbone(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.count == names.count else { return nil }
        self.init(parsed)
    }

    static var allValueStrings: [String] { Backbone.allCases.map(\.rawValue) }

    var defaultValueDescription: String { backbones.map(\.rawValue).joined(separator: ",") }
}

extension MeasuredSet {
    /// Refuses sets whose features come from different networks: files that record different
    /// backbones, or a file whose backbone is not `measured`, the one the images go through.
    static func requireOneBackbone(_ files: [MeasuredSet], measured: Backbone?) throws {
        let known = files.compactMap { file in file.backbone.map { (file, $0) } }
        if let measured, let (file, backbone) = known.first(where: { $0.1 != measured }) {
            throw InputError("\(file.path) holds \(backbone.displayName) features (--backbone \(backbone.rawValue)), but the "
                + "images go through --backbone \(measured.rawValue); compare sets of one backbone")
        }
        if let (first, backbone) = known.first, let (other, otherBackbone) = known.first(where: { $0.1 != backbone }) {
            throw InputError("\(first.path) holds \(backbone.displayName) features but \(other.path) holds "
                + "\(otherBackbone.displayName) ones; compare sets of one backbone")
        }
    }
}
