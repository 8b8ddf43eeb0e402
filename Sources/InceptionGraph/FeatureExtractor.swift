import Autograd
import Dispatch
import Foundation
import Pixels

/// One image's network outputs.
public struct ImageFeatures {
    /// The image's position in its `ImageSource`.
    public let index: Int
    public let width: Int, height: Int
    /// The features the distance compares: [2048] pool3 for Inception, [D] for DINOv2.
    public let features: [Float]
    /// [1008] logits, for a network with classes.
    public let logits: [Float]?

    public init(index: Int, width: Int, height: Int, features: [Float], logits: [Float]?) {
        (self.index, self.width, self.height, self.features, self.logits) = (index, width, height, features, logits)
    }
}

/// Images the network reads one at a time, in a fixed order: files decoded when their batch
/// starts, or the rows of an array of pixels (the command line's `ImageFiles` and `ImageBatch`).
public protocol ImageSource {
    var count: Int { get }
    /// The image at `index` (0 ..< count); throws when it cannot be read or decoded, naming it.
    func image(at index: Int) throws -> RGBImage
}

/// Preprocessing exactly as pytorch-fid reads an image, up to the network input:
/// PNG, JPEG or WebP -> RGB (PIL `convert('RGB')` semantics) -> /255 -> [1, 3, H, W] float32 in [0, 1].
/// The network itself resizes to 299x299 and maps to [-1, 1].
public enum ImagePreprocessing {
    public static func pixels01(of image: RGBImage) -> Tensor {
        Tensor(shape: [1, 3, image.height, image.width], data: image.planarUnitPixels())
    }

    /// The constant network input at 299x299, for batching images of different sizes.
    public static func resizedInput(of image: RGBImage) -> Tensor {
        let size = InceptionArchitecture.inputSize
        let pixels = pixels01(of: image)
        if image.width == size && image.height == size { return pixels }
        return pixels.resizeBilinear(height: size, width: size)
    }
}

/// Runs images through a network in batches, forward only, and hands each result on in order:
/// the one batching loop, for any network (`input` makes one image's input tensor, all of one
/// size; `forward` maps a batch to its feature rows and, for a network with classes, logits).
///
/// Memory stays bounded by two batches: the images of the next batch are read and decoded on a
/// thread of their own (`BackgroundWork`) while a batch runs through the network.
public struct FeatureExtractor {
    public let batchSize: Int
    let input: (RGBImage) -> Tensor
    let forward: (Tensor) -> (features: Tensor, logits: Tensor?)
    /// Called with the seconds each batch spent in the network (not decoding), for timing reports.
    public var onNetworkTime: ((Double) -> Void)?

    public init(batchSize: Int, input: @escaping (RGBImage) -> Tensor,
                forward: @escaping (Tensor) -> (features: Tensor, logits: Tensor?)) {
        precondition(batchSize > 0, "batch size must be positive, got \(batchSize)")
        (self.batchSize, self.input, self.forward) = (batchSize, input, forward)
    }

    /// pytorch-fid's Inception-v3: pool3 and logits of images resized to 299 x 299.
    public init(model: InceptionV3, batchSize: Int = 16) {
        self.init(batchSize: batchSize, input: ImagePreprocessing.resizedInput(of:)) { batch in
            let output = model.forwardInParallel(batch)
            return (output.pool3, output.logits)
        }
    }

    /// Reads and runs `images`; `progress(done, total)` is called after each batch and `consume`
    /// receives the results in order. An image that cannot be read throws (naming it).
    public func run(_ images: some ImageSource, progress: (Int, Int) -> Void = { _, _ in },
                    consume: (ImageFeatures) throws -> Void) throws {
        let batches = stride(from: 0, to: images.count, by: batchSize).map { $0 ..< min($0 + batchSize, images.count) }
        let input = self.input
        // A batch's network inputs and its images' sizes, or the error of its first unreadable image.
        func read(_ batch: Range<Int>) -> BackgroundWork<Result<[(input: Tensor, width: Int, height: Int)], Error>> {
            BackgroundWork {
                Result {
                    try batch.map { index in
                        let image = try images.image(at: index)
                        return (input(image), image.width, image.height)
                    }
                }
            }
        }
        var next = batches.first.map(read)
        for (number, batch) in batches.enumerated() {
            let decoded = try next!.wait().get()
            next = number + 1 < batches.count ? read(batches[number + 1]) : nil
            let started = DispatchTime.now().uptimeNanoseconds
            let output = forward(Tensor.stack(decoded.map(\.input)))
            onNetworkTime?(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            let d = output.features.count / batch.count, classes = output.logits.map { $0.count / batch.count }
            for (i, index) in batch.enumerated() {
                try consume(ImageFeatures(
                    index: index, width: decoded[i].width, height: decoded[i].height,
                    features: Array(output.features.data[i * d ..< (i + 1) * d]),
                    logits: classes.map { c in Array(output.logits!.data[i * c ..< (i + 1) * c]) }))
            }
            progress(batch.upperBound, images.count)
        }
    }
}
