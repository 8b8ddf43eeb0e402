import Foundation

extension InceptionWeights {
    /// Reads a pytorch-fid style `.pth` state dict (legacy or zip `torch.save` format) through the
    /// restricted unpickler and checks it strictly against the architecture.
    public init(contentsOf url: URL) throws {
        let tensors = try TorchCheckpoint.load(contentsOf: url)
        var parameters: [String: NamedParameter] = [:]
        for (key, tensor) in tensors {
            parameters[key] = NamedParameter(shape: tensor.shape, values: tensor.floatValues)
        }
        try self.init(parameters: parameters, source: url.path)
    }
}
