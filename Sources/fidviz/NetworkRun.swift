import Autograd
import Dispatch
import DINOv2
import InceptionGraph

// MARK: - Images in, features out, whatever the network

extension LoadedModel {
    /// Reads and runs `images` forward in batches of `batchSize`, handing each image's features
    /// (and, for Inception, logits) to `consume` in order; `progress(done, total)` after each
    /// batch, `onNetworkTime` with the seconds each batch spent in the network. Memory is one
    /// batch of images. An image that cannot be read throws, naming it.
    func run(_ images: some ImageSource, batchSize: Int, onNetworkTime: ((Double) -> Void)?,
             progress: (Int, Int) -> Void, consume: (ImageFeatures) throws -> Void) throws {
        switch network {
        case .inception(let model):
            var extractor = FeatureExtractor(model: model, batchSize: batchSize)
            extractor.onNetworkTime = onNetworkTime
            try extractor.run(images, progress: progress, consume: consume)
        case .dinov2(let model):
            let d = model.architecture.width
            var start = 0
            while start < images.count {
                let batch = start ..< min(start + batchSize, images.count)
                var inputs: [Tensor] = [], sizes: [(Int, Int)] = []
                for index in batch {
                    let image = try images.image(at: index)
                    inputs.append(DINOv2Preprocessing.pixels01(of: image))
                    sizes.append((image.width, image.height))
                }
                let started = DispatchTime.now().uptimeNanoseconds
                let output = model.forwardInParallel(Tensor.stack(inputs))
                onNetworkTime?(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
                for (i, index) in batch.enumerated() {
                    try consume(ImageFeatures(index: index, width: sizes[i].0, height: sizes[i].1,
                                              features: Array(output.data[i * d ..< (i + 1) * d]), logits: nil))
                }
                start = batch.upperBound
                progress(start, images.count)
            }
        }
    }
}
