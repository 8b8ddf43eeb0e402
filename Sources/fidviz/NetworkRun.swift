import Autograd
import DINOv2
import InceptionGraph

// MARK: - Images in, features out, whatever the network

extension LoadedModel {
    /// Reads and runs `images` forward in batches of `batchSize` (`FeatureExtractor`), handing
    /// each image's features (and, for Inception, logits) to `consume` in order; `progress(done,
    /// total)` after each batch, `onNetworkTime` with the seconds each batch spent in the network.
    /// A DINOv2 pass also keeps each image's last-block input tokens in `lastBlockInputs`, when
    /// given. Memory is one batch of images. An image that cannot be read throws, naming it.
    func run(_ images: some ImageSource, batchSize: Int, lastBlockInputs: LastBlockInputs? = nil,
             onNetworkTime: ((Double) -> Void)?, progress: (Int, Int) -> Void,
             consume: (ImageFeatures) throws -> Void) throws {
        var extractor: FeatureExtractor
        switch network {
        case .inception(let model):
            extractor = FeatureExtractor(model: model, batchSize: batchSize)
        case .dinov2(let model):
            extractor = FeatureExtractor(batchSize: batchSize, input: DINOv2Preprocessing.pixels01(of:)) { batch in
                let output = model.forwardInParallel(batch, keepingLastBlockInputs: lastBlockInputs != nil)
                if let tokens = output.lastBlockInputs { lastBlockInputs?.append(tokens) }
                return (output.features, nil)
            }
        }
        extractor.onNetworkTime = onNetworkTime
        try extractor.run(images, progress: progress, consume: consume)
    }
}

// MARK: - DINOv2's last-block tokens, kept for phase 2

/// The tokens that enter DINOv2's last block, [257, D] per image, for every image of a set in
/// its order, kept from phase 1's forward pass. From them phase 2 runs only the last block and
/// the final LayerNorm, forward and back, for an explained image's map
/// (`DINOv2Explainer.explain(lastBlockInput:contribution:)`), instead of the whole network again.
/// Kept only when the whole set's tokens fit in `budgetBytes`: 257 x D float32 per image (1 MiB
/// for ViT-L/14, so about 500 images).
final class LastBlockInputs {
    /// At most this many bytes of tokens are kept: 512 MiB.
    static let budgetBytes = 512 << 20

    let count: Int, width: Int
    private var values: [Float] = []

    /// Room for `count` images of width `width`, or nil when they exceed `budgetBytes`.
    init?(count: Int, width: Int) {
        guard Self.bytes(count: count, width: width) <= Self.budgetBytes else { return nil }
        self.count = count
        self.width = width
        values.reserveCapacity(count * DINOv2Architecture.tokenCount * width)
    }

    /// The bytes the tokens of `count` images of width `width` take.
    static func bytes(count: Int, width: Int) -> Int { count * DINOv2Architecture.tokenCount * width * 4 }

    /// Appends a batch's tokens [B, 257, D], the next B images in order.
    func append(_ tokens: Tensor) {
        precondition(tokens.shape.dropFirst() == [DINOv2Architecture.tokenCount, width],
                     "LastBlockInputs: tokens \(tokens.shape), expected [B, \(DINOv2Architecture.tokenCount), \(width)]")
        values += tokens.data
        precondition(values.count <= count * DINOv2Architecture.tokenCount * width, "LastBlockInputs: more than \(count) images")
    }

    /// Image `i`'s tokens, [1, 257, D].
    func tokens(_ i: Int) -> Tensor {
        let size = DINOv2Architecture.tokenCount * width
        precondition(values.count == count * size, "LastBlockInputs: \(values.count / size) of \(count) images kept")
        return Tensor(shape: [1, DINOv2Architecture.tokenCount, width], data: Array(values[i * size ..< (i + 1) * size]))
    }
}
