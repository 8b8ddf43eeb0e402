import Foundation
import TorchCheckpoint

extension WeightsFile {
    /// pytorch-fid's FID Inception-v3 weights, `pt_inception-2015-12-05-6726825d.pth` (torch
    /// hub names a file by its SHA-256 prefix, which pytorch-fid's download checks).
    public static let inceptionFID = WeightsFile(
        description: "FID Inception weights", shortName: "FID", publisher: "pytorch-fid's release", fileName: "pt_inception-2015-12-05-6726825d.pth",
        otherNames: [(name: "weights-inception-2015-12-05-6726825d.pth", origin: "torch-fidelity")],
        torchHubUser: "pytorch-fid",
        downloadURL: URL(string: "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth")!,
        sha256Prefix: "6726825d", byteCount: 95_628_359, environmentVariable: "FIDVIZ_WEIGHTS",
        downloadCommand: "fidviz weights download")
}
