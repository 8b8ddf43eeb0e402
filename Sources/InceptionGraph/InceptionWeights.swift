import Autograd
import TorchCheckpoint
import UntrustedInput

/// Why a state dict is not the FID Inception-v3's.
public enum InceptionWeightsError: Error, Equatable, CustomStringConvertible {
    case missingKey(source: String, key: String, missingCount: Int)
    case unexpectedKey(source: String, key: String, unexpectedCount: Int)
    case shapeMismatch(source: String, key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .missingKey(source, key, count):
            return "\(source): not the FID Inception-v3 weights: missing key '\(UntrustedText.printable(key))'"
                + (count > 1 ? " (and \(count - 1) more)" : "")
                + "; use pytorch-fid's pt_inception-2015-12-05-6726825d.pth"
        case let .unexpectedKey(source, key, count):
            return "\(source): not the FID Inception-v3 weights: unexpected key '\(UntrustedText.printable(key))'"
                + (count > 1 ? " (and \(count - 1) more)" : "")
                + "; use pytorch-fid's pt_inception-2015-12-05-6726825d.pth"
        case let .shapeMismatch(source, key, expected, found):
            return "\(source): '\(UntrustedText.printable(key))' has shape \(found), the FID Inception-v3 needs \(expected)"
        }
    }
}

/// The FID Inception-v3 weights, checked strictly against `InceptionArchitecture` and folded
/// for inference: each conv's batch norm becomes a per-channel scale on the conv weight plus a bias
/// (w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps)).
public struct InceptionWeights {
    /// Folded conv weights by conv name ("Mixed_5b.branch1x1").
    let convs: [String: Conv2dWeights]
    let fcWeight: [Float]
    let fcBias: [Float]
    /// Unfolded conv weights and batch norms by conv name, for the float64 routing pass, which
    /// folds them in Double (`convWeights64`): float32 folding error alone can flip a ReLU.
    let rawConvs: [String: (weight: [Float], batchNorm: BatchNormParameters)]

    /// Checks that `parameters` has exactly the architecture's keys and shapes, then folds them.
    /// `source` names the file in error messages.
    public init(parameters: [String: NamedParameter], source: String) throws {
        let expected = InceptionArchitecture.parameterShapes
        let missing = expected.filter { parameters[$0.key] == nil }
        if let first = missing.first {
            throw InceptionWeightsError.missingKey(source: source, key: first.key, missingCount: missing.count)
        }
        let known = Set(expected.map(\.key))
        let unexpected = parameters.keys.filter { !known.contains($0) }.sorted()
        if let first = unexpected.first {
            throw InceptionWeightsError.unexpectedKey(source: source, key: first, unexpectedCount: unexpected.count)
        }
        for (key, shape) in expected where parameters[key]!.shape != shape {
            throw InceptionWeightsError.shapeMismatch(source: source, key: key, expected: shape,
                                                      found: parameters[key]!.shape)
        }
        var convs: [String: Conv2dWeights] = [:]
        var rawConvs: [String: (weight: [Float], batchNorm: BatchNormParameters)] = [:]
        for spec in InceptionArchitecture.convs {
            func values(_ suffix: String) -> [Float] { parameters["\(spec.name).\(suffix)"]!.values }
            let bn = BatchNormParameters(gamma: values("bn.weight"), beta: values("bn.bias"),
                                         runningMean: values("bn.running_mean"),
                                         runningVar: values("bn.running_var"), eps: 1e-3)
            rawConvs[spec.name] = (values("conv.weight"), bn)
            let folded: Conv2dWeights = Self.fold(spec, weight: values("conv.weight"), batchNorm: bn)
            convs[spec.name] = folded.winograd(tile: InceptionArchitecture.winogradTiles[spec.name])
        }
        self.convs = convs
        self.rawConvs = rawConvs
        self.fcWeight = parameters["fc.weight"]!.values
        self.fcBias = parameters["fc.bias"]!.values
    }
}

extension InceptionWeights {
    /// `weights` with other folded convolutions (the same convolutions, transformed differently).
    init(_ weights: InceptionWeights, convs: [String: Conv2dWeights]) {
        self.convs = convs
        rawConvs = weights.rawConvs
        fcWeight = weights.fcWeight
        fcBias = weights.fcBias
    }
}

// MARK: - Batch-norm folding

extension InceptionWeights {
    /// Conv `name` with its batch norm folded in Double (for the float64 routing pass).
    func convWeights64(_ name: String) -> Conv2dWeights64 {
        guard let raw = rawConvs[name], let spec = InceptionArchitecture.convByName[name] else {
            preconditionFailure("no conv named \(name) in the architecture")
        }
        return Self.fold(spec, weight: raw.weight, batchNorm: raw.batchNorm)
    }

    /// A conv and its batch norm as one conv: w'[o, ...] = w[o, ...] * scale[o], b' = shift, with
    /// `BatchNormParameters.scaleAndShift` rounded to `Scalar`.
    static func fold<Scalar: BinaryFloatingPoint>(_ spec: ConvSpec, weight: [Float],
                                                  batchNorm: BatchNormParameters) -> ConvolutionWeights<Scalar> {
        let (scale, shift): ([Scalar], [Scalar]) = batchNorm.scaleAndShift()
        let perOutput = weight.count / spec.outChannels
        var folded = [Scalar](repeating: 0, count: weight.count)
        for o in 0 ..< spec.outChannels {
            for i in 0 ..< perOutput { folded[o * perOutput + i] = Scalar(weight[o * perOutput + i]) * scale[o] }
        }
        return ConvolutionWeights(outChannels: spec.outChannels, inChannels: spec.inChannels,
                                  kernelH: spec.kernelH, kernelW: spec.kernelW, weight: folded, bias: shift)
    }
}

/// Frozen batch-norm statistics and affine parameters of one layer, each [C].
struct BatchNormParameters {
    let gamma: [Float], beta: [Float], runningMean: [Float], runningVar: [Float]
    let eps: Float

    init(gamma: [Float], beta: [Float], runningMean: [Float], runningVar: [Float], eps: Float) {
        let c = gamma.count
        precondition(beta.count == c && runningMean.count == c && runningVar.count == c,
                     "batch norm parameter lengths differ: \(gamma.count), \(beta.count), \(runningMean.count), \(runningVar.count)")
        self.gamma = gamma; self.beta = beta; self.runningMean = runningMean; self.runningVar = runningVar
        self.eps = eps
    }

    /// Inference batch norm as a per-channel affine map, (x - mean) / sqrt(var + eps) * gamma + beta
    /// = scale * x + shift: scale = gamma / sqrt(var + eps), shift = beta - mean * scale, computed
    /// in Double and rounded to `Scalar`.
    func scaleAndShift<Scalar: BinaryFloatingPoint>() -> (scale: [Scalar], shift: [Scalar]) {
        var scale = [Scalar](), shift = [Scalar]()
        for c in 0 ..< gamma.count {
            let s = Double(gamma[c]) / (Double(runningVar[c]) + Double(eps)).squareRoot()
            scale.append(Scalar(s))
            shift.append(Scalar(Double(beta[c]) - Double(runningMean[c]) * s))
        }
        return (scale, shift)
    }
}
