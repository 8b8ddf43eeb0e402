import Autograd
import DINOv2
import InceptionGraph

// MARK: - Images in, features out, whatever the network

extension LoadedModel {
    /// Reads and runs `images` forward in batches of `batchSize` (`FeatureExtractor`), handing
    /// each image's features (and, for Inception, logits) to `consume` in order; `progress(done,
    /// total)` after each batch, `onNetworkTime` with the seconds each batch spent in the network.
    /// Memory is one batch of images. An image that cannot be read throws, naming it.
    func run(_ images: some ImageSource, batchSize: Int, onNetworkTime: ((Double) -> Void)?,
             progress: (Int, Int) -> Void, consume: (ImageFeatures) throws -> Void) throws {
        var extractor: FeatureExtractor
        switch network {
        case .inception(let model):
            extractor = FeatureExtractor(model: model, batchSize: batchSize)
        case .dinov2(let model):
            extractor = FeatureExtractor(batchSize: batchSize, input: DINOv2Preprocessing.pixels01(of:)) {
                (model.forwardInParallel($0), nil)
            }
        }
        extractor.onNetworkTime = onNetworkTime
        try extractor.run(images, progress: progress, consume: consume)
    }
}
