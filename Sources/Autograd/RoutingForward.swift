import CBLAS

/// Float64 forward pass whose only purpose is to decide gradient routing.
///
/// A ReLU/max-pool network's gradient is piecewise: each ReLU passes or blocks, each max pool
/// picks one window cell. Where a pre-activation or two pool candidates lie within float32
/// rounding of each other, float32 and float64 choose differently and the input gradient jumps.
/// `Tensor64` runs the same ops in Double and logs every choice in a `Routing`; a `Tape` built
/// with `Tape(replaying:)` then makes its float32 ReLUs and max pools take those choices.

// MARK: - Routing log

/// One routing choice: a ReLU's pass mask (x > 0) or a max pool's argmax per output
/// (index inside the input plane, ties to the first maximum).
public enum RoutingDecision: Equatable {
    case relu(mask: [Bool])
    case maxPool(argmax: [Int32])

    /// "relu mask of N" / "max-pool argmax of N", for precondition messages.
    var summary: String {
        switch self {
        case .relu(let mask): return "relu mask of \(mask.count)"
        case .maxPool(let argmax): return "max-pool argmax of \(argmax.count)"
        }
    }
}

/// The routing choices of one forward pass, in call order.
public final class Routing {
    public private(set) var decisions: [RoutingDecision] = []

    public init() {}

    public init(decisions: [RoutingDecision]) {
        self.decisions = decisions
    }

    func append(_ decision: RoutingDecision) { decisions.append(decision) }
}

// MARK: - Tensor64

/// A dense float64 NCHW tensor for forward passes only (no tape, no gradients).
/// If `routing` is set, `relu` and `maxPool2d` append their choices to it; ops pass it on.
public struct Tensor64 {
    public let shape: [Int]
    public let data: [Double]
    public let routing: Routing?

    public init(shape: [Int], data: [Double], routing: Routing? = nil) {
        precondition(shape.reduce(1, *) == data.count,
                     "Tensor64: shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
        self.routing = routing
    }

    public var count: Int { data.count }

    /// The four NCHW extents; traps with the shape if the tensor is not rank 4.
    public var nchw: (n: Int, c: Int, h: Int, w: Int) {
        precondition(shape.count == 4, "expected an NCHW tensor, got shape \(shape)")
        return (shape[0], shape[1], shape[2], shape[3])
    }

    private func with(_ shape: [Int], _ data: [Double]) -> Tensor64 {
        Tensor64(shape: shape, data: data, routing: routing)
    }

    // MARK: - Elementwise

    /// max(x, 0); logs the mask x > 0.
    public func relu() -> Tensor64 {
        routing?.append(.relu(mask: data.map { $0 > 0 }))
        return with(shape, data.map { $0 > 0 ? $0 : 0 })
    }

    /// scale * x + shift elementwise.
    public func affine(scale: Float, shift: Float) -> Tensor64 {
        let a = Double(scale), b = Double(shift)
        return with(shape, data.map { a * $0 + b })
    }

    // MARK: - Convolution and linear

    /// PyTorch `conv2d` as im2col + dgemm, one image at a time; see `Tensor.conv2d`.
    public func conv2d(_ weights: Conv2dWeights64, _ geometry: WindowGeometry = WindowGeometry()) -> Tensor64 {
        let (n, c, h, w) = nchw
        precondition(c == weights.inChannels,
                     "conv2d: input \(shape) has \(c) channels, weights expect \(weights.inChannels)")
        let (oh, ow) = geometry.outputSize(height: h, width: w, kernelH: weights.kernelH, kernelW: weights.kernelW)
        let layout = PatchLayout(channels: c, height: h, width: w, kernelH: weights.kernelH,
                                 kernelW: weights.kernelW, geometry: geometry, outH: oh, outW: ow)
        let m = weights.outChannels, k = c * weights.kernelH * weights.kernelW, plane = oh * ow
        ComputeRuntime.ensureConfigured()
        var columns = [Double](repeating: 0, count: k * plane)
        var output = [Double](repeating: 0, count: n * m * plane)
        data.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { col in
                output.withUnsafeMutableBufferPointer { out in
                    for b in 0 ..< n {
                        layout.im2col(x.baseAddress! + b * c * h * w, col.baseAddress!, rowStride: plane)
                        let dst = out.baseAddress! + b * m * plane
                        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(plane), Int32(k),
                                    1, weights.weight, Int32(k), col.baseAddress!, Int32(plane), 0, dst, Int32(plane))
                        for o in 0 ..< m {
                            let value = weights.bias[o]
                            for p in 0 ..< plane { dst[o * plane + p] += value }
                        }
                    }
                }
            }
        }
        return with([n, m, oh, ow], output)
    }

    /// y = x W^T + b for x [N, in], W [out, in] -> [N, out].
    public func linear(weight: [Double], bias: [Double], outFeatures: Int) -> Tensor64 {
        precondition(shape.count == 2, "linear: expected [N, in], got \(shape)")
        let n = shape[0], inFeatures = shape[1]
        precondition(weight.count == outFeatures * inFeatures && bias.count == outFeatures,
                     "linear: weight \(weight.count) / bias \(bias.count) values for [\(outFeatures), \(inFeatures)]")
        ComputeRuntime.ensureConfigured()
        var output = (0 ..< n).flatMap { _ in bias }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(outFeatures), Int32(inFeatures),
                    1, data, Int32(inFeatures), weight, Int32(inFeatures), 1, &output, Int32(outFeatures))
        return with([n, outFeatures], output)
    }

    // MARK: - Pooling

    /// Max-pool candidates within this relative distance of the maximum count as tied (the first
    /// wins): float64 rounding cannot order them, and exact ties are common in flat image regions
    /// (saturated or binary images), where PyTorch's values tie and its first maximum wins.
    static let tieTolerance = 1e-12

    /// Max pool (padding is -infinity, ties to the first maximum, near-ties within `tieTolerance`
    /// too); logs the argmax per output.
    public func maxPool2d(kernel: Int, _ geometry: WindowGeometry) -> Tensor64 {
        let (n, c, h, w) = nchw
        let windows = PoolWindows(height: h, width: w, kernel: kernel, geometry: geometry)
        let (oh, ow) = (windows.outH, windows.outW)
        var output = [Double](), argmax = [Int32]()
        output.reserveCapacity(n * c * oh * ow)
        argmax.reserveCapacity(n * c * oh * ow)
        for plane in 0 ..< n * c {
            let base = plane * h * w
            for p in 0 ..< oh {
                for q in 0 ..< ow {
                    var best = -Double.infinity, bestIndex = windows.rowStart[p] * w + windows.colStart[q]
                    scan: for r in windows.rowStart[p] ..< windows.rowEnd[p] {
                        for s in windows.colStart[q] ..< windows.colEnd[q] {
                            let v = data[base + r * w + s]
                            if (best == -.infinity && v > best) || v - best > Self.tieTolerance * abs(best) || v.isNaN {
                                best = v; bestIndex = r * w + s
                                if v.isNaN { break scan }
                            }
                        }
                    }
                    output.append(best)
                    argmax.append(Int32(bestIndex))
                }
            }
        }
        routing?.append(.maxPool(argmax: argmax))
        return with([n, c, oh, ow], output)
    }

    /// Average pool with `count_include_pad=False`.
    public func avgPool2dExcludingPad(kernel: Int, _ geometry: WindowGeometry) -> Tensor64 {
        let (n, c, h, w) = nchw
        let windows = PoolWindows(height: h, width: w, kernel: kernel, geometry: geometry)
        let (oh, ow) = (windows.outH, windows.outW)
        var output = [Double]()
        output.reserveCapacity(n * c * oh * ow)
        for plane in 0 ..< n * c {
            let base = plane * h * w
            for p in 0 ..< oh {
                for q in 0 ..< ow {
                    var sum = 0.0
                    for r in windows.rowStart[p] ..< windows.rowEnd[p] {
                        for s in windows.colStart[q] ..< windows.colEnd[q] { sum += data[base + r * w + s] }
                    }
                    let cells = (windows.rowEnd[p] - windows.rowStart[p]) * (windows.colEnd[q] - windows.colStart[q])
                    output.append(sum / Double(cells))
                }
            }
        }
        return with([n, c, oh, ow], output)
    }

    /// Mean over the spatial axes: [N, C, H, W] -> [N, C].
    public func globalMeanPool() -> Tensor64 {
        let (n, c, h, w) = nchw
        let plane = h * w
        let output = (0 ..< n * c).map { i in data[i * plane ..< (i + 1) * plane].reduce(0, +) / Double(plane) }
        return with([n, c], output)
    }

    // MARK: - Shape

    /// Concatenates NCHW tensors along channels (all share N, H, W); keeps the first routing log.
    public static func concatChannels(_ parts: [Tensor64]) -> Tensor64 {
        precondition(!parts.isEmpty, "concatChannels: nothing to concatenate")
        let (n, _, h, w) = parts[0].nchw
        for part in parts {
            let p = part.nchw
            precondition(p.n == n && p.h == h && p.w == w,
                         "concatChannels: \(part.shape) does not match \(parts[0].shape) outside channels")
        }
        let plane = h * w, total = parts.map { $0.shape[1] }.reduce(0, +)
        var output = [Double]()
        output.reserveCapacity(n * total * plane)
        for b in 0 ..< n {
            for part in parts {
                let size = part.shape[1] * plane
                output.append(contentsOf: part.data[b * size ..< (b + 1) * size])
            }
        }
        return Tensor64(shape: [n, total, h, w], data: output, routing: parts.lazy.compactMap(\.routing).first)
    }

    /// Bilinear resize, `align_corners=False`, no antialias (see `Tensor.resizeBilinear`).
    public func resizeBilinear(height: Int, width: Int) -> Tensor64 {
        let (n, c, h, w) = nchw
        precondition(height > 0 && width > 0, "resizeBilinear: target \(height)x\(width) must be positive")
        let rows = LinearTaps(input: h, output: height), cols = LinearTaps(input: w, output: width)
        var output = [Double]()
        output.reserveCapacity(n * c * height * width)
        for plane in 0 ..< n * c {
            let base = plane * h * w
            for p in 0 ..< height {
                let r0 = base + rows.lower[p] * w, r1 = base + rows.upper[p] * w
                let ty = rows.upperWeight64[p], sy = 1 - ty
                for q in 0 ..< width {
                    let c0 = cols.lower[q], c1 = cols.upper[q]
                    let tx = cols.upperWeight64[q], sx = 1 - tx
                    output.append(sy * (sx * data[r0 + c0] + tx * data[r0 + c1])
                                  + ty * (sx * data[r1 + c0] + tx * data[r1 + c1]))
                }
            }
        }
        return with([n, c, height, width], output)
    }
}

/// Frozen float64 conv weights: `weight` [out, in, kh, kw] row-major and `bias` [out].
public struct Conv2dWeights64 {
    public let outChannels: Int, inChannels: Int, kernelH: Int, kernelW: Int
    public let weight: [Double]
    public let bias: [Double]

    public init(outChannels: Int, inChannels: Int, kernelH: Int, kernelW: Int, weight: [Double], bias: [Double]) {
        precondition(weight.count == outChannels * inChannels * kernelH * kernelW && bias.count == outChannels,
                     "conv weight \(weight.count) / bias \(bias.count) values for [\(outChannels), \(inChannels), \(kernelH), \(kernelW)]")
        self.outChannels = outChannels; self.inChannels = inChannels
        self.kernelH = kernelH; self.kernelW = kernelW
        self.weight = weight; self.bias = bias
    }
}
