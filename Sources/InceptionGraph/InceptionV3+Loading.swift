import Foundation
import TorchCheckpoint

extension InceptionWeights {
    /// Reads a pytorch-fid style `.pth` state dict (legacy or zip `torch.save` format) through the
    /// restricted unpickler and checks it strictly against the architecture.
    public init(contentsOf url: URL) throws {
        try self.init(parameters: TorchCheckpoint.parameters(contentsOf: url), source: url.path)
    }
}
