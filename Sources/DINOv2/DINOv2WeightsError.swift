import UntrustedInput

/// Why a state dict is not one of the DINOv2 ViT/14 networks fidviz runs. Each message is one
/// line naming the file and the first offending key.
public enum DINOv2WeightsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `looksLikeInception`: the file has `fc.weight` but no `cls_token` (the FID Inception weights).
    case missingKey(source: String, key: String, missingCount: Int, looksLikeInception: Bool)
    case unexpectedKey(source: String, key: String, unexpectedCount: Int, size: DINOv2Size)
    case unsupportedWidth(source: String, key: String, width: Int)
    /// `expected` as the message shows it ("[384, 3, 14, 14] (ViT-S/14)").
    case shapeMismatch(source: String, key: String, expected: String, found: [Int])

    static let advice = "use dinov2_vits14_pretrain.pth, dinov2_vitb14_pretrain.pth or dinov2_vitl14_pretrain.pth "
        + "from facebookresearch/dinov2"

    public var description: String {
        switch self {
        case let .missingKey(source, key, count, looksLikeInception):
            return "\(source): not a DINOv2 ViT/14 state dict: missing key '\(UntrustedText.printable(key))'"
                + (count > 1 ? " (and \(count - 1) more)" : "")
                + (looksLikeInception ? "; this looks like the FID Inception-v3 weights" : "")
                + "; \(Self.advice)"
        case let .unexpectedKey(source, key, count, size):
            return "\(source): not a DINOv2 \(size.displayName) state dict as fidviz reads it: unexpected key "
                + "'\(UntrustedText.printable(key))'" + (count > 1 ? " (and \(count - 1) more)" : "")
                + " (register tokens and SwiGLU MLPs are not supported); \(Self.advice)"
        case let .unsupportedWidth(source, key, width):
            return "\(source): '\(UntrustedText.printable(key))' has width \(width); fidviz runs DINOv2 ViT-S/14 (384), "
                + "ViT-B/14 (768) and ViT-L/14 (1024)"
        case let .shapeMismatch(source, key, expected, found):
            return "\(source): '\(UntrustedText.printable(key))' has shape \(found), DINOv2 needs \(expected)"
        }
    }
}
