import Autograd
import Frechet
import InceptionGraph

/// Everything fidviz shows about one image: its features and class, its contribution to FID,
/// and where in the image that contribution comes from.
public struct Explanation {
    public let pool3: [Float]
    public let logits: [Float]
    /// FID after the image joins the generated set, ΔFID, and dFID/d(pool3).
    public let contribution: SampleContribution
    /// FID of the generated set without this image.
    public var fidBefore: Double { contribution.fidAfter - contribution.deltaFID }
    /// Index of the highest logit (ties: lowest index).
    public let top1: Int
    /// FID sensitivity map per requested layer (see `SensitivityMaps.fidSensitivity`).
    public let sensitivity: [InceptionLayer: SpatialMap]
    /// Grad-CAM of the Top-1 logit per requested layer.
    public let gradCAMTop1: [InceptionLayer: SpatialMap]
    /// dFID/d(pixel) for pixels in [0, 1], [3, H, W] at the image's own resolution.
    /// Callers that keep many explanations may drop it (set it to []) to save memory.
    public var pixelGradient: [Float]
}

/// Runs the network forward and backward for one image and turns gradients into maps.
///
/// The ReLU masks and max-pool choices come from a float64 forward pass (`InceptionV3.forward64`),
/// replayed on the float32 tape: where float32 rounding would tip a near-tie the other way, the
/// pixel gradient would otherwise jump under tiny changes of the input.
/// Two backward passes share one tape: the first from pool3 with seed dFID/df (to every layer
/// and the input pixels), the second from the logits with a one-hot seed on the Top-1 class,
/// stopping at the shallowest requested layer.
public struct Explainer {
    public let model: InceptionV3

    public init(model: InceptionV3) {
        self.model = model
    }

    /// - Parameters:
    ///   - pixels01: the image as [1, 3, H, W] in [0, 1] (any size; the network resizes).
    ///   - layers: where to compute maps (at least one).
    ///   - contribution: maps pool3 features (Double) to the image's FID contribution and gradient.
    public func explain(pixels01: Tensor, layers: [InceptionLayer],
                        contribution: ([Double]) throws -> SampleContribution) rethrows -> Explanation {
        precondition(pixels01.shape.first == 1, "explain takes one image [1, 3, H, W], got \(pixels01.shape)")
        precondition(!layers.isEmpty, "explain needs at least one layer")
        let routing = Routing()
        // The float32 pixels widened as they are, not recomputed as exact k/255: the reference's
        // float64 pass starts from the same float32 values.
        _ = model.forward64(Tensor64(shape: pixels01.shape, data: pixels01.data.map(Double.init), routing: routing))
        let tape = Tape(replaying: routing)
        let pixels = tape.watch(pixels01)
        let out = model(pixels, capture: Set(layers))
        let result = try contribution(out.pool3.data.map(Double.init))

        tape.backward(from: out.pool3, seed: result.gradient.map(Float.init))
        let pixelGradient = pixels.grad ?? [Float](repeating: 0, count: pixels01.count)
        var sensitivity: [InceptionLayer: SpatialMap] = [:]
        for layer in layers { sensitivity[layer] = map(layer, out, SensitivityMaps.fidSensitivity) }

        let logits = out.logits.data
        let top1 = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!
        var oneHot = [Float](repeating: 0, count: logits.count)
        oneHot[top1] = 1
        tape.backward(from: out.logits, seed: oneHot, stopAt: out.activations[layers.min()!])
        var gradCAM: [InceptionLayer: SpatialMap] = [:]
        for layer in layers { gradCAM[layer] = map(layer, out, SensitivityMaps.gradCAM) }

        return Explanation(pool3: out.pool3.data, logits: logits, contribution: result, top1: top1,
                           sensitivity: sensitivity, gradCAMTop1: gradCAM, pixelGradient: pixelGradient)
    }

    private func map(_ layer: InceptionLayer, _ out: InceptionOutput,
                     _ combine: ([Float], [Float], Int, Int, Int) -> SpatialMap) -> SpatialMap {
        let activation = out.activations[layer]!
        let (_, c, h, w) = activation.nchw
        let gradient = activation.grad ?? [Float](repeating: 0, count: activation.count)
        return combine(activation.data, gradient, c, h, w)
    }
}
