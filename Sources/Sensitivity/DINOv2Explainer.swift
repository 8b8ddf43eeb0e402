import Autograd
import DINOv2
import Frechet
import Pixels

/// What fidviz shows about one image in DINOv2 space: its features, its contribution to
/// FD_DINOv2, and where in the image that contribution comes from.
public struct DINOv2Explanation {
    /// The class-token features [D].
    public let features: [Float]
    /// FD after the image joins the generated set, ΔFD, and dFD/d(features).
    public let contribution: SampleContribution
    /// FD of the generated set without this image.
    public var fdBefore: Double { contribution.fidAfter - contribution.deltaFID }
    /// The hub's name of the layer the map is taken at (`blocks.<depth-1>.norm1`).
    public let layer: String
    /// The FD sensitivity map over the 16 x 16 patch grid (`SensitivityMaps.fidSensitivity`;
    /// the class token is left out).
    public let sensitivity: SpatialMap
    /// dFD/d(pixel) for the resized pixels in [0, 1] (before Normalize), [3, 224, 224], when
    /// the backward pass went down to the pixels.
    public let pixelGradient: [Float]?
}

/// Runs one image through DINOv2 forward and backward from the features with the seed
/// dFD/d(features), given by a `Frechet` contribution, and turns the gradient at the last
/// block's `norm1` output into the FD sensitivity map, as `Explainer` does for Inception.
///
/// By default the tape starts at that layer (the forward pass below it records nothing) and the
/// backward pass ends there. With `pixelGradient` the tape starts at the pixels and the pass runs
/// down to them. The network has no ReLU or max pool, so float32 needs no float64 routing.
public struct DINOv2Explainer {
    public let model: DINOv2

    public init(model: DINOv2) {
        self.model = model
    }

    /// - Parameters:
    ///   - pixels01: the resized image as [1, 3, 224, 224] in [0, 1] (`DINOv2Preprocessing.pixels01`).
    ///   - pixelGradient: also compute dFD/d(pixel) (`DINOv2Explanation.pixelGradient`).
    ///   - contribution: maps the features (Double) to the image's FD contribution and gradient.
    public func explain(pixels01: Tensor, pixelGradient: Bool = false,
                        contribution: ([Double]) throws -> SampleContribution) rethrows -> DINOv2Explanation {
        precondition(pixels01.shape.first == 1, "explain takes one image [1, 3, 224, 224], got \(pixels01.shape)")
        let tape = Tape()
        let pixels = pixelGradient ? tape.watch(pixels01) : nil
        let out = model(pixels ?? pixels01, captureLastNorm1: true, tape: pixelGradient ? nil : tape)
        let explanation = try backward(out, tape: tape, stopAtNorm1: !pixelGradient, contribution: contribution)
        return DINOv2Explanation(
            features: explanation.features, contribution: explanation.contribution, layer: explanation.layer,
            sensitivity: explanation.sensitivity,
            pixelGradient: pixels.map { $0.grad ?? [Float](repeating: 0, count: pixels01.count) })
    }

    /// The same map from the tokens that enter the last block, [1, 257, D], as a forward pass
    /// kept them (`DINOv2.lastBlockInput`, `DINOv2.forwardInParallel(_:keepingLastBlockInputs:)`):
    /// only the last block and the final LayerNorm run, forward and back. From the same tokens the
    /// features, contribution and map are those `explain(pixels01:contribution:)` gives.
    public func explain(lastBlockInput: Tensor, contribution: ([Double]) throws -> SampleContribution) rethrows
        -> DINOv2Explanation {
        precondition(lastBlockInput.shape.first == 1, "explain takes one image's tokens [1, 257, D], got \(lastBlockInput.shape)")
        let tape = Tape()
        let out = model.head(lastBlockInput, captureLastNorm1: true, tape: tape)
        return try backward(out, tape: tape, stopAtNorm1: true, contribution: contribution)
    }

    /// The contribution of the forward pass `out` and the backward pass from its features with
    /// the seed dFD/d(features), down to the last block's `norm1` (or further with
    /// `stopAtNorm1` false), turned into the map.
    private func backward(_ out: DINOv2Output, tape: Tape, stopAtNorm1: Bool,
                          contribution: ([Double]) throws -> SampleContribution) rethrows -> DINOv2Explanation {
        let result = try contribution(out.features.data.map(Double.init))
        let norm1 = out.lastNorm1!
        tape.backward(from: out.features, seed: result.gradient.map(Float.init), stopAt: stopAtNorm1 ? norm1 : nil)

        let (tokens, width) = (norm1.shape[1], norm1.shape[2])
        let grid = DINOv2Architecture.gridSize
        precondition(tokens == 1 + grid * grid, "DINOv2Explainer: \(norm1.shape) is not [1, 1 + \(grid)x\(grid), D]")
        let gradient = norm1.grad ?? [Float](repeating: 0, count: norm1.count)
        let patches = width ..< norm1.count  // the class token's row left out
        let sensitivity = SensitivityMaps.fidSensitivityOverTokens(
            Array(norm1.data[patches]), gradient: Array(gradient[patches]),
            channels: width, height: grid, width: grid)
        return DINOv2Explanation(features: out.features.data, contribution: result,
                                 layer: model.architecture.lastNorm1Layer, sensitivity: sensitivity, pixelGradient: nil)
    }
}
