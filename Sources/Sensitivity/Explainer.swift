import Autograd
import Frechet
import InceptionGraph
import Pixels

/// The maps fidviz draws for one explained image.
public struct ImageMaps: Sendable {
    /// The distance's sensitivity map per layer, by the layer's name in the checkpoint
    /// (`mixed_7c`, `blocks.23.norm1`; see `SensitivityMaps.fidSensitivity`).
    public var sensitivity: [String: SpatialMap]
    /// Each CAM kind's map per layer, by name (Inception only: the Top-1 target needs classes).
    public var cams: [CAMKind: [String: SpatialMap]]
    /// dFID/d(pixel) for pixels in [0, 1], [3, H, W] at the image's own resolution, when the
    /// backward pass went down to the pixels.
    public var pixelGradient: [Float]?
    /// Each map's ROAD curves and score (`explain --faithfulness`), by the map's name.
    public var faithfulness: [MapName: ROADCurves] = [:]

    public init(sensitivity: [String: SpatialMap], gradCAMTop1: [String: SpatialMap] = [:],
                pixelGradient: [Float]? = nil) {
        self.sensitivity = sensitivity
        self.cams = gradCAMTop1.isEmpty ? [:] : [.gradCAMTop1: gradCAMTop1]
        self.pixelGradient = pixelGradient
    }

    /// Grad-CAM of the Top-1 logit per layer (empty when it was not asked for).
    public var gradCAMTop1: [String: SpatialMap] { cams[.gradCAMTop1] ?? [:] }

    /// Every map with its name: the sensitivity maps, then each CAM kind's, layer by layer in
    /// `layers` order (maps of other layers are left out).
    public func named(layers: [String]) -> [(name: MapName, map: SpatialMap)] {
        let kinds = [MapName.sensitivityKind] + cams.keys.sorted().map(\.key)
        return kinds.flatMap { kind in
            layers.compactMap { layer -> (name: MapName, map: SpatialMap)? in
                let map = kind == MapName.sensitivityKind ? sensitivity[layer]
                    : cams.first { $0.key.key == kind }?.value[layer]
                return map.map { (MapName(kind: kind, layer: layer), $0) }
            }
        }
    }
}

/// A map's name in report.json: its kind (`sensitivity`, or a CAM kind's key such as
/// `gradcam_top1`) and its layer.
public struct MapName: Hashable, Sendable, CustomStringConvertible {
    public static let sensitivityKind = "sensitivity"
    public let kind: String
    public let layer: String

    public init(kind: String, layer: String) {
        self.kind = kind
        self.layer = layer
    }

    public var description: String { "\(kind) \(layer)" }

    /// For people: "FID sensitivity (mixed_7c)", "Top-1 Grad-CAM (mixed_7c)".
    public var title: String {
        let what = kind == Self.sensitivityKind ? "FID sensitivity" : CAMKind(key: kind)?.title ?? kind
        return "\(what) (\(layer))"
    }
}

/// Everything fidviz shows about one image: its features and class, its contribution to FID,
/// and where in the image that contribution comes from.
public struct Explanation {
    public let pool3: [Float]
    public let logits: [Float]
    /// FID after the image joins the generated set, ΔFID, and dFID/d(pool3).
    public let contribution: SampleContribution
    /// Index of the highest logit (ties: lowest index).
    public let top1: Int
    public var maps: ImageMaps
}

/// Runs the network forward and backward for one image and turns gradients into maps.
///
/// Two backward passes share one tape: the first from pool3 with seed dFID/df (the sensitivity
/// maps and the CAMs of ΔFID), the second, when a Top-1 CAM is asked for, from the logits with a
/// one-hot seed on the Top-1 class. By default the tape starts at the
/// shallowest requested layer (the forward pass below it records nothing) and both passes stop
/// there, in float32 throughout.
///
/// With `pixelGradient` the tape starts at the pixels and the first pass runs down to them.
/// The pixel gradient of a ReLU/max-pool network is piecewise: where a pre-activation or two
/// pool candidates lie within float32 rounding of each other, float32 and PyTorch's float64
/// choose differently and the gradient jumps. So that pass takes its ReLU masks and max-pool
/// choices from a float64 forward pass (`InceptionV3.forward64`), replayed on the float32 tape.
public struct Explainer {
    public let model: InceptionV3

    public init(model: InceptionV3) {
        self.model = model
    }

    /// - Parameters:
    ///   - pixels01: the image as [1, 3, H, W] in [0, 1] (any size; the network resizes).
    ///   - layers: where to compute maps (at least one).
    ///   - cams: the CAM kinds to compute at each layer (Grad-CAM of the Top-1 logit by default).
    ///   - pixelGradient: also compute dFID/d(pixel) (`ImageMaps.pixelGradient`).
    ///   - contribution: maps pool3 features (Double) to the image's FID contribution and gradient.
    public func explain(pixels01: Tensor, layers: [InceptionLayer], cams: [CAMKind] = [.gradCAMTop1],
                        pixelGradient: Bool = false,
                        contribution: ([Double]) throws -> SampleContribution) rethrows -> Explanation {
        precondition(pixels01.shape.first == 1, "explain takes one image [1, 3, H, W], got \(pixels01.shape)")
        precondition(!layers.isEmpty, "explain needs at least one layer")
        let shallowest = layers.min()!
        let tape: Tape
        let out: InceptionOutput
        var pixels: Tensor?
        if pixelGradient {
            let routing = Routing()
            // The float32 pixels widened as they are: that is the reference's float64 input too.
            _ = model.forward64(Tensor64(shape: pixels01.shape, data: pixels01.data.map(Double.init), routing: routing))
            tape = Tape(replaying: routing)
            pixels = tape.watch(pixels01)
            out = model(pixels!, capture: Set(layers))
        } else {
            tape = Tape()
            out = model(pixels01, capture: Set(layers), tape: tape)
        }
        let result = try contribution(out.pool3.data.map(Double.init))

        tape.backward(from: out.pool3, seed: result.gradient.map(Float.init),
                      stopAt: pixelGradient ? nil : out.activations[shallowest])
        let gradient = pixels.map { $0.grad ?? [Float](repeating: 0, count: pixels01.count) }
        var maps = ImageMaps(sensitivity: [:], pixelGradient: gradient)
        for layer in layers { maps.sensitivity[layer.rawValue] = map(layer, out, SensitivityMaps.fidSensitivity) }
        addCAMs(cams.filter { $0.target == .deltaFID }, layers: layers, out: out, to: &maps)

        let logits = out.logits.data
        let top1 = ClassScore.top1Index(logits: logits)
        let top1CAMs = cams.filter { $0.target == .top1 }
        if !top1CAMs.isEmpty {
            var oneHot = [Float](repeating: 0, count: logits.count)
            oneHot[top1] = 1
            tape.backward(from: out.logits, seed: oneHot, stopAt: out.activations[shallowest])
            addCAMs(top1CAMs, layers: layers, out: out, to: &maps)
        }
        return Explanation(pool3: out.pool3.data, logits: logits, contribution: result, top1: top1, maps: maps)
    }

    /// Each of `kinds` at each layer, from the gradients the last backward pass left there.
    private func addCAMs(_ kinds: [CAMKind], layers: [InceptionLayer], out: InceptionOutput, to maps: inout ImageMaps) {
        for kind in kinds {
            var perLayer: [String: SpatialMap] = [:]
            for layer in layers { perLayer[layer.rawValue] = map(layer, out, kind.method.map(activation:gradient:channels:height:width:)) }
            maps.cams[kind] = perLayer
        }
    }

    private func map(_ layer: InceptionLayer, _ out: InceptionOutput,
                     _ combine: ([Float], [Float], Int, Int, Int) -> SpatialMap) -> SpatialMap {
        let activation = out.activations[layer]!
        let (_, c, h, w) = activation.nchw
        let gradient = activation.grad ?? [Float](repeating: 0, count: activation.count)
        return combine(activation.data, gradient, c, h, w)
    }
}
