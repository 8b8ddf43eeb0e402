import Autograd

/// Named intermediate activations a caller can capture (block outputs of the network).
public enum InceptionLayer: String, CaseIterable, Comparable, Sendable {
    case mixed_5d, mixed_6e, mixed_7c

    /// (channels, height, width) of the activation for a 299x299 input.
    public var shape: (c: Int, h: Int, w: Int) {
        switch self {
        case .mixed_5d: return (288, 35, 35)
        case .mixed_6e: return (768, 17, 17)
        case .mixed_7c: return (2048, 8, 8)
        }
    }

    public static func < (a: InceptionLayer, b: InceptionLayer) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What one forward pass yields.
public struct InceptionOutput {
    /// Pool3 features [N, 2048]: the vectors FID is computed on.
    public let pool3: Tensor
    /// Class scores [N, 1008] before softmax (index 0 and 1001...1007 are unused classes).
    public let logits: Tensor
    /// The requested intermediate activations, NCHW.
    public let activations: [InceptionLayer: Tensor]
}

/// pytorch-fid's FID Inception-v3 on the Autograd engine.
///
/// Input: pixels in [0, 1], NCHW, 3 channels, any size. The network resizes to 299x299
/// (bilinear, align_corners=False, no antialias), maps to [-1, 1] with 2x - 1, and runs
/// Conv2d_1a ... Mixed_7c, global average pool (pool3) and the 1008-way fc.
/// If the input is tracked on a tape, every op records its backward, so gradients can flow
/// from pool3 or logits to any captured activation and to the input pixels.
public final class InceptionV3 {
    let weights: InceptionWeights

    public init(weights: InceptionWeights) {
        self.weights = weights
    }

    /// Runs the network; `capture` names the activations to return. With `tape`, the
    /// shallowest captured activation starts being tracked on it (`Tape.watch`), so gradients
    /// flow back to it and no further: nothing before it is recorded. Otherwise the activations
    /// are tracked only when `pixels01` is.
    public func callAsFunction(_ pixels01: Tensor, capture: Set<InceptionLayer> = [], tape: Tape? = nil)
        -> InceptionOutput {
        var activations: [InceptionLayer: Tensor] = [:]
        let first = capture.min()
        let (pool3, logits) = InceptionNetwork(weights: weights).run(pixels01) { layer, t in
            guard capture.contains(layer) else { return t }
            let kept = layer == first ? (tape?.watch(t) ?? t) : t
            kept.retainGrad()
            activations[layer] = kept
            return kept
        }
        return InceptionOutput(pool3: pool3, logits: logits, activations: activations)
    }

    /// The same network in float64 (batch norms folded in Double), for routing decisions:
    /// if `pixels01.routing` is set, every ReLU and max pool logs its choice there, in the order
    /// `callAsFunction` runs them. Returns pool3 [N, 2048] and logits [N, 1008].
    public func forward64(_ pixels01: Tensor64) -> (pool3: Tensor64, logits: Tensor64) {
        InceptionNetwork(weights: weights).run(pixels01) { _, t in t }
    }
}

// MARK: - Tensor types

/// What the network needs from a tensor type: `Tensor` (float32, taped) and `Tensor64`
/// (float64, forward only) both run the one architecture below.
protocol InceptionTensor {
    var nchw: (n: Int, c: Int, h: Int, w: Int) { get }
    func resizeBilinear(height: Int, width: Int) -> Self
    func affine(scale: Float, shift: Float) -> Self
    func relu() -> Self
    func maxPool2d(kernel: Int, _ geometry: WindowGeometry) -> Self
    func avgPool2dExcludingPad(kernel: Int, _ geometry: WindowGeometry) -> Self
    func globalMeanPool() -> Self
    static func concatChannels(_ parts: [Self]) -> Self
    /// Conv `name` of `weights` (batch norm folded in), then its ReLU: a BasicConv2d.
    func convReLU(_ name: String, _ weights: InceptionWeights) -> Self
    /// The 1008-way fc on pool3.
    func classify(_ weights: InceptionWeights) -> Self
}

extension Tensor: InceptionTensor {
    func convReLU(_ name: String, _ weights: InceptionWeights) -> Tensor {
        guard let spec = InceptionArchitecture.convByName[name], let w = weights.convs[name] else {
            preconditionFailure("no conv named \(name) in the architecture")
        }
        return conv2dReLU(w, spec.geometry)
    }

    func classify(_ weights: InceptionWeights) -> Tensor {
        linear(weight: weights.fcWeight, bias: weights.fcBias, outFeatures: InceptionArchitecture.classCount)
    }
}

extension Tensor64: InceptionTensor {
    func convReLU(_ name: String, _ weights: InceptionWeights) -> Tensor64 {
        guard let spec = InceptionArchitecture.convByName[name] else {
            preconditionFailure("no conv named \(name) in the architecture")
        }
        return conv2d(weights.convWeights64(name), spec.geometry).relu()
    }

    func classify(_ weights: InceptionWeights) -> Tensor64 {
        linear(weight: weights.fcWeight.map(Double.init), bias: weights.fcBias.map(Double.init),
               outFeatures: InceptionArchitecture.classCount)
    }
}

// MARK: - Architecture

/// The block structure, written once for any `InceptionTensor`.
struct InceptionNetwork {
    let weights: InceptionWeights

    /// Resize to 299, map to [-1, 1], Conv2d_1a ... Mixed_7c, pool3, logits; `keep` sees each
    /// `InceptionLayer` activation as it is produced, and the network goes on with what it returns.
    func run<T: InceptionTensor>(_ pixels01: T, keep: (InceptionLayer, T) -> T) -> (pool3: T, logits: T) {
        let (_, c, h, w) = pixels01.nchw
        precondition(c == 3, "InceptionV3 expects 3-channel NCHW input, got \(pixels01.nchw)")
        let size = InceptionArchitecture.inputSize
        let resized = (h == size && w == size) ? pixels01 : pixels01.resizeBilinear(height: size, width: size)
        var x = resized.affine(scale: 2, shift: -1)
        x = conv("Conv2d_1a_3x3", x)
        x = conv("Conv2d_2a_3x3", x)
        x = conv("Conv2d_2b_3x3", x)
        x = x.maxPool2d(kernel: 3, WindowGeometry(stride: 2))
        x = conv("Conv2d_3b_1x1", x)
        x = conv("Conv2d_4a_3x3", x)
        x = x.maxPool2d(kernel: 3, WindowGeometry(stride: 2))
        x = inceptionA("Mixed_5b", x)
        x = inceptionA("Mixed_5c", x)
        x = inceptionA("Mixed_5d", x)
        x = keep(.mixed_5d, x)
        x = inceptionB("Mixed_6a", x)
        for block in ["Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"] { x = inceptionC(block, x) }
        x = keep(.mixed_6e, x)
        x = inceptionD("Mixed_7a", x)
        x = inceptionE("Mixed_7b", x, poolIsMax: false)
        x = inceptionE("Mixed_7c", x, poolIsMax: true)
        x = keep(.mixed_7c, x)
        let pool3 = x.globalMeanPool()
        return (pool3, pool3.classify(weights))
    }

    // MARK: - Blocks

    /// BasicConv2d with its batch norm folded in: conv -> bias -> ReLU.
    private func conv<T: InceptionTensor>(_ name: String, _ x: T) -> T {
        x.convReLU(name, weights)
    }

    private static let samePool3 = WindowGeometry(stride: 1, padH: 1, padW: 1)

    /// FIDInceptionA: 1x1 | 1x1 -> 5x5 | 1x1 -> 3x3 -> 3x3 | avgpool(count_include_pad=False) -> 1x1.
    private func inceptionA<T: InceptionTensor>(_ p: String, _ x: T) -> T {
        let b1 = conv("\(p).branch1x1", x)
        let b5 = conv("\(p).branch5x5_2", conv("\(p).branch5x5_1", x))
        let b3 = conv("\(p).branch3x3dbl_3", conv("\(p).branch3x3dbl_2", conv("\(p).branch3x3dbl_1", x)))
        let pool = conv("\(p).branch_pool", x.avgPool2dExcludingPad(kernel: 3, Self.samePool3))
        return T.concatChannels([b1, b5, b3, pool])
    }

    /// InceptionB (grid reduction 35 -> 17): 3x3/s2 | 1x1 -> 3x3 -> 3x3/s2 | maxpool 3/s2.
    private func inceptionB<T: InceptionTensor>(_ p: String, _ x: T) -> T {
        let b3 = conv("\(p).branch3x3", x)
        let dbl = conv("\(p).branch3x3dbl_3", conv("\(p).branch3x3dbl_2", conv("\(p).branch3x3dbl_1", x)))
        let pool = x.maxPool2d(kernel: 3, WindowGeometry(stride: 2))
        return T.concatChannels([b3, dbl, pool])
    }

    /// FIDInceptionC: factorised 7x7 branches, avg pool with count_include_pad=False.
    private func inceptionC<T: InceptionTensor>(_ p: String, _ x: T) -> T {
        let b1 = conv("\(p).branch1x1", x)
        var b7 = x
        for i in 1 ... 3 { b7 = conv("\(p).branch7x7_\(i)", b7) }
        var dbl = x
        for i in 1 ... 5 { dbl = conv("\(p).branch7x7dbl_\(i)", dbl) }
        let pool = conv("\(p).branch_pool", x.avgPool2dExcludingPad(kernel: 3, Self.samePool3))
        return T.concatChannels([b1, b7, dbl, pool])
    }

    /// InceptionD (grid reduction 17 -> 8): 1x1 -> 3x3/s2 | 1x1 -> 1x7 -> 7x1 -> 3x3/s2 | maxpool 3/s2.
    private func inceptionD<T: InceptionTensor>(_ p: String, _ x: T) -> T {
        let b3 = conv("\(p).branch3x3_2", conv("\(p).branch3x3_1", x))
        var b7 = x
        for i in 1 ... 4 { b7 = conv("\(p).branch7x7x3_\(i)", b7) }
        let pool = x.maxPool2d(kernel: 3, WindowGeometry(stride: 2))
        return T.concatChannels([b3, b7, pool])
    }

    /// FIDInceptionE_1 (avg pool, count_include_pad=False) and FIDInceptionE_2 (max pool 3/s1/p1).
    private func inceptionE<T: InceptionTensor>(_ p: String, _ x: T, poolIsMax: Bool) -> T {
        let b1 = conv("\(p).branch1x1", x)
        let s3 = conv("\(p).branch3x3_1", x)
        let b3 = T.concatChannels([conv("\(p).branch3x3_2a", s3), conv("\(p).branch3x3_2b", s3)])
        let d3 = conv("\(p).branch3x3dbl_2", conv("\(p).branch3x3dbl_1", x))
        let dbl = T.concatChannels([conv("\(p).branch3x3dbl_3a", d3), conv("\(p).branch3x3dbl_3b", d3)])
        let pooled = poolIsMax ? x.maxPool2d(kernel: 3, Self.samePool3)
                               : x.avgPool2dExcludingPad(kernel: 3, Self.samePool3)
        let pool = conv("\(p).branch_pool", pooled)
        return T.concatChannels([b1, b3, dbl, pool])
    }
}

extension InceptionArchitecture {
    static let convByName: [String: ConvSpec] = Dictionary(uniqueKeysWithValues: convs.map { ($0.name, $0) })
}
