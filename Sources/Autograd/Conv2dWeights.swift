/// Frozen weights of a 2-D convolution: `weight` [out, in, kh, kw] row-major, optional `bias` [out].
/// `Conv2dWeights` (Float) feeds `Tensor.conv2d`, `Conv2dWeights64` (Double) `Tensor64.conv2d`.
public struct ConvolutionWeights<Scalar: BinaryFloatingPoint> {
    public let outChannels: Int
    public let inChannels: Int
    public let kernelH: Int
    public let kernelW: Int
    public let weight: [Scalar]
    public let bias: [Scalar]?
    /// The weights transformed for Winograd minimal filtering, if `winograd(tile:)` asked for it.
    public let winogradFilter: WinogradFilter<Scalar>?

    public init(outChannels: Int, inChannels: Int, kernelH: Int, kernelW: Int,
                weight: [Scalar], bias: [Scalar]? = nil) {
        precondition(weight.count == outChannels * inChannels * kernelH * kernelW,
                     "conv weight has \(weight.count) values, shape [\(outChannels), \(inChannels), \(kernelH), \(kernelW)] needs \(outChannels * inChannels * kernelH * kernelW)")
        precondition(bias == nil || bias!.count == outChannels,
                     "conv bias has \(bias!.count) values for \(outChannels) output channels")
        self.outChannels = outChannels; self.inChannels = inChannels
        self.kernelH = kernelH; self.kernelW = kernelW
        self.weight = weight; self.bias = bias
        winogradFilter = nil
    }

    /// `weights` with `winograd` in place of their transform.
    init(_ weights: ConvolutionWeights, winograd: WinogradFilter<Scalar>?) {
        outChannels = weights.outChannels; inChannels = weights.inChannels
        kernelH = weights.kernelH; kernelW = weights.kernelW
        weight = weights.weight; bias = weights.bias
        winogradFilter = winograd
    }

    /// Length of one im2col column: in * kh * kw.
    public var patchSize: Int { inChannels * kernelH * kernelW }
}

public typealias Conv2dWeights = ConvolutionWeights<Float>
public typealias Conv2dWeights64 = ConvolutionWeights<Double>

/// Stride and zero padding of a convolution or pooling window. Padding may differ per side.
public struct WindowGeometry: Equatable {
    public var strideH: Int, strideW: Int
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int

    public init(stride: Int = 1, padH: Int = 0, padW: Int = 0) {
        self.init(strideH: stride, strideW: stride, padTop: padH, padBottom: padH, padLeft: padW, padRight: padW)
    }

    public init(strideH: Int, strideW: Int, padTop: Int, padBottom: Int, padLeft: Int, padRight: Int) {
        precondition(strideH > 0 && strideW > 0, "strides must be positive, got (\(strideH), \(strideW))")
        precondition(min(padTop, padBottom, padLeft, padRight) >= 0, "padding must be non-negative")
        self.strideH = strideH; self.strideW = strideW
        self.padTop = padTop; self.padBottom = padBottom; self.padLeft = padLeft; self.padRight = padRight
    }

    /// Output extent of a window of size `kernel` over `input`: floor((in + pads - k) / stride) + 1.
    func outputSize(height: Int, width: Int, kernelH: Int, kernelW: Int) -> (h: Int, w: Int) {
        let h = (height + padTop + padBottom - kernelH) / strideH + 1
        let w = (width + padLeft + padRight - kernelW) / strideW + 1
        precondition(h > 0 && w > 0, "window \(kernelH)x\(kernelW) does not fit input \(height)x\(width) with \(self)")
        return (h, w)
    }
}
