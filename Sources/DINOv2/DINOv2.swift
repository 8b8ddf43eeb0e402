import Autograd

/// What one forward pass yields.
public struct DINOv2Output {
    /// The class token after the final LayerNorm (`model(x)`, `x_norm_clstoken`), [N, D].
    public let features: Tensor
    /// The last block's `norm1` output (`blocks.<depth-1>.norm1`), [N, 257, D]: the class token,
    /// then the 16 x 16 patch tokens row by row. Present when asked for.
    public let lastNorm1: Tensor?
}

/// torch hub's DINOv2 ViT/14 (`dinov2_vit{s,b,l}14`) on the Autograd engine, at 224 x 224.
///
/// Input: pixels in [0, 1], [N, 3, 224, 224] (`DINOv2Preprocessing.pixels01`). The network
/// normalises them with ImageNet's mean and std, embeds 14 x 14 patches (a stride-14 conv) as
/// 256 tokens, prepends the class token, adds the position embeddings, runs the blocks
///     x = x + ls1 * attn(norm1(x)),   x = x + ls2 * mlp(norm2(x))
/// (multi-head self-attention with qkv bias and scale 1/sqrt(64), an MLP with exact GELU) and
/// returns the class token after the final LayerNorm. Past the last block's attention only the
/// class token is computed (nothing after it mixes tokens). With a tracked input every op
/// records its backward, so gradients flow from the features to the captured layer and the pixels.
public final class DINOv2 {
    public let weights: DINOv2Weights

    public init(weights: DINOv2Weights) {
        self.weights = weights
    }

    public var architecture: DINOv2Architecture { weights.architecture }

    /// Runs the network: `head(lastBlockInput(pixels01))`. With `captureLastNorm1`, the last
    /// block's `norm1` output is returned and keeps its gradient; with `tape` as well, it starts
    /// being tracked there (`Tape.watch`), so nothing before it is recorded and gradients flow back
    /// to it and no further. Otherwise it is tracked only when `pixels01` is.
    public func callAsFunction(_ pixels01: Tensor, captureLastNorm1: Bool = false, tape: Tape? = nil) -> DINOv2Output {
        head(lastBlockInput(pixels01), captureLastNorm1: captureLastNorm1, tape: tape)
    }

    /// The tokens that enter the last block, [N, 257, D]: the patch embedding, class token and
    /// position embeddings, then every block but the last.
    public func lastBlockInput(_ pixels01: Tensor) -> Tensor {
        let (n, c, h, w) = pixels01.nchw
        let side = DINOv2Architecture.inputSize
        precondition(c == 3 && h == side && w == side,
                     "DINOv2 expects [N, 3, \(side), \(side)] pixels, got \(pixels01.shape)")
        var x = embed(DINOv2Preprocessing.normalized(pixels01), batch: n)
        for block in weights.blocks.dropLast() {
            let normalized = x.layerNorm(weight: block.norm1Weight, bias: block.norm1Bias, eps: DINOv2Architecture.layerNormEps)
            let mixed = normalized.linear(weight: block.qkvWeight, bias: block.qkvBias, outFeatures: 3 * architecture.width)
                .selfAttention(heads: architecture.heads, queries: x.shape[1])
            x = finish(block, mixed: mixed, residual: x)
        }
        return x
    }

    /// The last block and the final LayerNorm, from the tokens that enter the last block
    /// `lastBlockInput` [N, 257, D] (`lastBlockInput(_:)`) to the features; `captureLastNorm1` and
    /// `tape` as in `callAsFunction`.
    ///
    /// The features are the class token's, and after the last block's attention no token mixes
    /// with another: there only the class token asks and goes on, one image at a time (a GEMM of
    /// one row per image would round differently in other batches).
    public func head(_ lastBlockInput: Tensor, captureLastNorm1: Bool = false, tape: Tape? = nil) -> DINOv2Output {
        let x = lastBlockInput
        let (n, d) = (x.shape[0], architecture.width)
        precondition(x.shape == [n, DINOv2Architecture.tokenCount, d],
                     "DINOv2.head expects [N, \(DINOv2Architecture.tokenCount), \(d)] tokens, got \(x.shape)")
        let block = weights.blocks[weights.blocks.count - 1], eps = DINOv2Architecture.layerNormEps
        var normalized = x.layerNorm(weight: block.norm1Weight, bias: block.norm1Bias, eps: eps)
        if captureLastNorm1 {
            normalized = tape?.watch(normalized) ?? normalized
            normalized.retainGrad()
        }
        let mixed = normalized.linear(weight: block.qkvWeight, bias: block.qkvBias, outFeatures: 3 * d)
            .selfAttention(heads: architecture.heads, queries: 1)
        let classTokens = x.sliced(axis: 1, 0 ..< 1)
        let out = Tensor.concatenate((0 ..< n).map { i in
            finish(block, mixed: mixed.sliced(axis: 0, i ..< i + 1), residual: classTokens.sliced(axis: 0, i ..< i + 1))
        }, axis: 0)
        let features = out.reshaped([n, d]).layerNorm(weight: weights.normWeight, bias: weights.normBias, eps: eps)
        return DINOv2Output(features: features, lastNorm1: captureLastNorm1 ? normalized : nil)
    }

    // MARK: - Layers

    /// Patch embedding, class token and position embeddings: [N, 3, 224, 224] -> [N, 257, D].
    private func embed(_ input: Tensor, batch n: Int) -> Tensor {
        let d = architecture.width, grid = DINOv2Architecture.gridSize, tokens = DINOv2Architecture.tokenCount
        let patches = input.conv2d(weights.patchEmbedding, WindowGeometry(stride: DINOv2Architecture.patchSize))
            .reshaped([n, d, grid * grid]).permuted([0, 2, 1])
        let classTokens = Tensor(shape: [n, 1, d], data: Array([[Float]](repeating: weights.classToken, count: n).joined()))
        let positions = Tensor(shape: [n, tokens, d],
                               data: Array([[Float]](repeating: weights.positionEmbedding, count: n).joined()))
        return Tensor.concatenate([classTokens, patches], axis: 1) + positions
    }

    /// The rest of a block after its attention heads: the output projection of `mixed`
    /// [N, Q, D], LayerScale and the residual add onto `residual` [N, Q, D], then
    /// x + ls2 * mlp(norm2(x)).
    private func finish(_ block: DINOv2BlockWeights, mixed: Tensor, residual: Tensor) -> Tensor {
        let d = architecture.width, eps = DINOv2Architecture.layerNormEps
        let x = residual.adding(mixed.linear(weight: block.projWeight, bias: block.projBias, outFeatures: d),
                                scaledBy: block.ls1)
        let hidden = x.layerNorm(weight: block.norm2Weight, bias: block.norm2Bias, eps: eps)
            .linear(weight: block.fc1Weight, bias: block.fc1Bias, outFeatures: architecture.mlpWidth).gelu()
            .linear(weight: block.fc2Weight, bias: block.fc2Bias, outFeatures: d)
        return x.adding(hidden, scaledBy: block.ls2)
    }
}
