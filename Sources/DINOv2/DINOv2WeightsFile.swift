import Foundation
import TorchCheckpoint

extension WeightsFile {
    /// The published DINOv2 ViT/14 weights of `size`, as torch hub's `dinov2_vit{s,b,l}14` loads
    /// them (`dinov2_vitl14_pretrain.pth`). torch hub checks no hash for these files, so none is
    /// published to check against; fidviz records the SHA-256 of the file it used.
    public static func dinov2(_ size: DINOv2Size) -> WeightsFile {
        let name = "dinov2_\(size.rawValue)"
        return WeightsFile(
            description: "DINOv2 \(size.displayName) weights", shortName: "DINOv2 \(size.displayName)",
            publisher: "facebookresearch/dinov2's release", fileName: "\(name)_pretrain.pth", torchHubUser: "torch hub",
            downloadURL: URL(string: "https://dl.fbaipublicfiles.com/dinov2/\(name)/\(name)_pretrain.pth")!,
            sha256Prefix: nil, byteCount: nil, environmentVariable: nil,
            downloadCommand: "fidviz weights download --backbone dinov2-\(size.rawValue)")
    }
}
