import Autograd
import Foundation
import TorchCheckpoint

/// The frozen parameters of one transformer block, named as in the state dict
/// (`blocks.<i>.norm1.weight` is `norm1Weight`), row-major.
struct DINOv2BlockWeights {
    let norm1Weight: [Float], norm1Bias: [Float]
    /// [3D, D] and [3D]: queries, keys, values, each head's 64 columns in head order.
    let qkvWeight: [Float], qkvBias: [Float]
    let projWeight: [Float], projBias: [Float]
    /// LayerScale of the attention branch, [D].
    let ls1: [Float]
    let norm2Weight: [Float], norm2Bias: [Float]
    let fc1Weight: [Float], fc1Bias: [Float]
    let fc2Weight: [Float], fc2Bias: [Float]
    /// LayerScale of the MLP branch, [D].
    let ls2: [Float]
}

/// A DINOv2 ViT/14's weights, checked strictly against the architecture their own shapes
/// describe (`DINOv2Architecture(inferringFrom:source:)`), with the position embeddings
/// resized to 224 x 224 once. `mask_token` must be present (the hub loads strictly) but is
/// not used for features.
public struct DINOv2Weights {
    public let architecture: DINOv2Architecture
    /// Names the weights in messages (the file's path, or "seeded-0").
    public let source: String
    let patchEmbedding: Conv2dWeights
    /// The class token [D].
    let classToken: [Float]
    /// Position embeddings at 224 x 224, [257, D] (`PositionEmbedding.at224`).
    let positionEmbedding: [Float]
    let blocks: [DINOv2BlockWeights]
    let normWeight: [Float], normBias: [Float]

    /// Checks `parameters` (every key and shape, nothing extra) and keeps them.
    /// Throws `DINOv2WeightsError` naming the first offending key.
    public init(parameters: [String: NamedParameter], source: String) throws {
        let architecture = try DINOv2Architecture(inferringFrom: parameters.mapValues(\.shape), source: source)
        func values(_ key: String) -> [Float] { parameters[key]!.values }
        let d = architecture.width, p = DINOv2Architecture.patchSize
        self.architecture = architecture
        self.source = source
        patchEmbedding = Conv2dWeights(outChannels: d, inChannels: 3, kernelH: p, kernelW: p,
                                       weight: values("patch_embed.proj.weight"), bias: values("patch_embed.proj.bias"))
        classToken = values("cls_token")
        positionEmbedding = PositionEmbedding.at224(stored: values("pos_embed"), width: d)
        blocks = (0 ..< architecture.depth).map { b in
            func block(_ name: String) -> [Float] { values("blocks.\(b).\(name)") }
            return DINOv2BlockWeights(
                norm1Weight: block("norm1.weight"), norm1Bias: block("norm1.bias"),
                qkvWeight: block("attn.qkv.weight"), qkvBias: block("attn.qkv.bias"),
                projWeight: block("attn.proj.weight"), projBias: block("attn.proj.bias"), ls1: block("ls1.gamma"),
                norm2Weight: block("norm2.weight"), norm2Bias: block("norm2.bias"),
                fc1Weight: block("mlp.fc1.weight"), fc1Bias: block("mlp.fc1.bias"),
                fc2Weight: block("mlp.fc2.weight"), fc2Bias: block("mlp.fc2.bias"), ls2: block("ls2.gamma"))
        }
        normWeight = values("norm.weight")
        normBias = values("norm.bias")
    }

    /// Reads a `torch.save` state dict (zip or legacy layout) through the restricted unpickler
    /// and checks it. Throws `TorchCheckpointError` for an unreadable file, `DINOv2WeightsError`
    /// for one that is not a DINOv2 ViT/14.
    public init(contentsOf url: URL) throws {
        try self.init(parameters: TorchCheckpoint.parameters(contentsOf: url), source: url.path)
    }

    /// The position embeddings the network adds at 224 x 224, [257, D] row-major.
    public var positionEmbeddingAt224: [Float] { positionEmbedding }
}
