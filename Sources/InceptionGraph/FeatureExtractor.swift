import Autograd
import Dispatch
import Foundation
import Pixels

/// One image's network outputs.
public struct ImageFeatures {
    public let file: ImagePath
    public let width: Int, height: Int
    /// [2048] pool3 features.
    public let pool3: [Float]
    /// [1008] logits.
    public let logits: [Float]
}

/// Preprocessing exactly as pytorch-fid reads an image, up to the network input:
/// PNG -> RGB (PIL `convert('RGB')` semantics) -> /255 -> [1, 3, H, W] float32 in [0, 1].
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

/// Runs images through the network in batches, forward only, and hands each result on in order.
///
/// Memory stays bounded by one batch: images are decoded when their batch starts.
public struct FeatureExtractor {
    public let model: InceptionV3
    public let batchSize: Int
    /// Called with the seconds each batch spent in the network (not decoding), for timing reports.
    public var onNetworkTime: ((Double) -> Void)?

    public init(model: InceptionV3, batchSize: Int = 16) {
        precondition(batchSize > 0, "batch size must be positive, got \(batchSize)")
        self.model = model
        self.batchSize = batchSize
    }

    /// Decodes and runs `files`; `progress(done, total)` is called after each batch and `consume`
    /// receives the results in file order. A file that fails to decode throws (naming the file).
    public func run(_ files: [ImagePath], progress: (Int, Int) -> Void = { _, _ in },
                    consume: (ImageFeatures) throws -> Void) throws {
        var start = 0
        while start < files.count {
            let batchFiles = Array(files[start ..< min(start + batchSize, files.count)])
            var inputs: [Tensor] = []
            var sizes: [(Int, Int)] = []
            for file in batchFiles {
                let image = try ImageDecoder.decode(file)
                inputs.append(ImagePreprocessing.resizedInput(of: image))
                sizes.append((image.width, image.height))
            }
            let started = DispatchTime.now().uptimeNanoseconds
            let output = model.forwardInParallel(Tensor.stack(inputs))
            onNetworkTime?(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            let features = InceptionArchitecture.featureCount, classes = InceptionArchitecture.classCount
            for (i, file) in batchFiles.enumerated() {
                try consume(ImageFeatures(
                    file: file, width: sizes[i].0, height: sizes[i].1,
                    pool3: Array(output.pool3.data[i * features ..< (i + 1) * features]),
                    logits: Array(output.logits.data[i * classes ..< (i + 1) * classes])))
            }
            start += batchFiles.count
            progress(start, files.count)
        }
    }
}
