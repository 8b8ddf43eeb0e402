import Autograd
import Foundation
import Frechet
import InceptionGraph
import Pixels

// MARK: - Every image's rows

/// Every image's pool3 features and logits, in the set's order, with where each image is.
struct SetFeatures {
    /// How reports name each image (its path as given or walked, or as a features file lists it).
    let names: [String]
    /// Where each image can be read.
    let paths: [ImagePath]
    /// Each image's size, where known (from its header).
    let sizes: [(width: Int, height: Int)?]
    /// pool3 rows [N, 2048].
    let pool3: [Float]
    /// logits rows [N, 1008], when known.
    let logits: [Float]?

    var count: Int { names.count }

    func pool3(_ i: Int) -> ArraySlice<Float> {
        let d = InceptionArchitecture.featureCount
        return pool3[i * d ..< (i + 1) * d]
    }

    func logits(_ i: Int) -> [Float]? {
        let c = InceptionArchitecture.classCount
        return logits.map { Array($0[i * c ..< (i + 1) * c]) }
    }

    /// The same rows with each size read from its image's header where that file can be read (a
    /// features file records no sizes); an image that is not there keeps none.
    func sizesFromHeaders() -> SetFeatures {
        SetFeatures(names: names, paths: paths, sizes: paths.map { try? ImageDecoder.checkHeader($0) },
                    pool3: pool3, logits: logits)
    }
}

/// pool3 and logits rows as they come out of the network.
final class RowCollector {
    private var pool3: [Float] = [], logits: [Float] = []

    init(count: Int) {
        pool3.reserveCapacity(count * InceptionArchitecture.featureCount)
        logits.reserveCapacity(count * InceptionArchitecture.classCount)
    }

    func add(_ result: ImageFeatures) {
        pool3 += result.pool3
        logits += result.logits
    }

    func rows(of images: some ImageSet) -> SetFeatures {
        let all = 0 ..< images.count
        return SetFeatures(names: all.map(images.name), paths: all.map(images.path), sizes: all.map(images.size),
                           pool3: pool3, logits: logits)
    }
}

