import Autograd
import Foundation
import Frechet
import InceptionGraph
import Pixels

// MARK: - Every image's rows

/// Every image's features (pool3 for Inception, the class token for DINOv2) and, for Inception,
/// logits, in the set's order, with where each image is.
struct SetFeatures {
    /// How reports name each image (its path as given or walked, or as a features file lists it).
    let names: [String]
    /// Where each image can be read.
    let paths: [ImagePath]
    /// Each image's size, where known (from its header).
    let sizes: [(width: Int, height: Int)?]
    /// Feature rows [N, dimension].
    let features: [Float]
    let dimension: Int
    /// logits rows [N, 1008], when known.
    let logits: [Float]?

    var count: Int { names.count }

    func features(_ i: Int) -> ArraySlice<Float> { features[i * dimension ..< (i + 1) * dimension] }

    func logits(_ i: Int) -> [Float]? {
        let c = InceptionArchitecture.classCount
        return logits.map { Array($0[i * c ..< (i + 1) * c]) }
    }

    /// The same rows with each size read from its image's header where that file can be read (a
    /// features file records no sizes); an image that is not there keeps none.
    func sizesFromHeaders() -> SetFeatures {
        SetFeatures(names: names, paths: paths, sizes: paths.map { try? ImageDecoder.checkHeader($0) },
                    features: features, dimension: dimension, logits: logits)
    }
}

/// Feature and logit rows as they come out of the network.
final class RowCollector {
    private let dimension: Int
    private var features: [Float] = [], logits: [Float] = []
    private var hasLogits = true

    init(count: Int, dimension: Int) {
        self.dimension = dimension
        features.reserveCapacity(count * dimension)
    }

    func add(_ result: ImageFeatures) {
        features += result.features
        if let row = result.logits { logits += row } else { hasLogits = false }
    }

    func rows(of images: some ImageSet) -> SetFeatures {
        let all = 0 ..< images.count
        return SetFeatures(names: all.map(images.name), paths: all.map(images.path), sizes: all.map(images.size),
                           features: features, dimension: dimension, logits: hasLogits ? logits : nil)
    }
}
