/// A dense float64 NCHW tensor for forward passes only (no tape, no gradients), used to decide
/// gradient routing (see `Routing`). Its ops run the same kernels as `Tensor`'s, in Double.
///
/// If `routing` is set, `relu` and `maxPool2d` append their choices to it; every op passes it on.
public struct Tensor64 {
    public let shape: [Int]
    public let data: [Double]
    public let routing: Routing?

    public init(shape: [Int], data: [Double], routing: Routing? = nil) {
        checkCount(shape, data.count, "Tensor64")
        self.shape = shape
        self.data = data
        self.routing = routing
    }

    /// The four NCHW extents; traps with the shape if the tensor is not rank 4.
    public var nchw: (n: Int, c: Int, h: Int, w: Int) { nchwExtents(shape) }

    private func with(_ shape: [Int], _ data: [Double]) -> Tensor64 {
        Tensor64(shape: shape, data: data, routing: routing)
    }

    // MARK: - Elementwise

    /// max(x, 0); logs the mask x > 0. See `Tensor.relu`.
    public func relu() -> Tensor64 {
        let (values, mask) = Kernel.relu(data, keepMask: routing != nil)
        routing?.append(.relu(mask: mask))
        return with(shape, values)
    }

    /// scale * x + shift elementwise, the constants widened to Double.
    public func affine(scale: Float, shift: Float) -> Tensor64 {
        with(shape, Kernel.affine(data, scale: Double(scale), shift: Double(shift)))
    }

    // MARK: - Convolution and linear

    /// PyTorch `conv2d` as im2col + dgemm; see `Tensor.conv2d`.
    public func conv2d(_ weights: Conv2dWeights64, _ geometry: WindowGeometry = WindowGeometry()) -> Tensor64 {
        let plan = ConvPlan(input: shape, weights: weights, geometry: geometry)
        return with(plan.outputShape, plan.forward(data))
    }

    /// y = x W^T + b for x [N, in], W [out, in] -> [N, out]; see `Tensor.linear`.
    public func linear(weight: [Double], bias: [Double]?, outFeatures: Int) -> Tensor64 {
        let layer = LinearLayer(input: shape, weight: weight, bias: bias, outFeatures: outFeatures)
        return with(layer.outputShape, layer.forward(data))
    }

    // MARK: - Pooling

    /// Max pool (`WindowMaximum` picks each window's cell); logs the argmax per output.
    public func maxPool2d(kernel: Int, _ geometry: WindowGeometry) -> Tensor64 {
        let windows = PoolWindows(input: shape, kernel: kernel, geometry: geometry)
        let (values, argmax) = windows.maxPool(data, planes: shape[0] * shape[1], keepArgmax: routing != nil)
        routing?.append(.maxPool(argmax: argmax))
        return with(windows.outputShape(shape), values)
    }

    /// Average pool with `count_include_pad=False`; see `Tensor.avgPool2dExcludingPad`.
    public func avgPool2dExcludingPad(kernel: Int, _ geometry: WindowGeometry) -> Tensor64 {
        let windows = PoolWindows(input: shape, kernel: kernel, geometry: geometry)
        return with(windows.outputShape(shape), windows.averagePool(data, planes: shape[0] * shape[1]))
    }

    /// Mean over the spatial axes: [N, C, H, W] -> [N, C].
    public func globalMeanPool() -> Tensor64 {
        let (n, c, h, w) = nchw
        return with([n, c], Kernel.globalMean(data, planes: n * c, plane: h * w))
    }

    // MARK: - Shape

    /// Concatenates NCHW tensors along channels (all share N, H, W); keeps the first routing log.
    public static func concatChannels(_ parts: [Tensor64]) -> Tensor64 {
        let layout = AxisConcat(parts.map(\.shape), axis: AxisConcat.channelAxis(parts.map(\.shape)))
        return Tensor64(shape: layout.outputShape, data: layout.concatenate(parts.map(\.data)),
                        routing: parts.lazy.compactMap(\.routing).first)
    }

    /// Bilinear resize, `align_corners=False`, no antialias; see `Tensor.resizeBilinear`.
    public func resizeBilinear(height: Int, width: Int) -> Tensor64 {
        let resize = BilinearResize<Double>(input: shape, height: height, width: width)
        return with([shape[0], shape[1], height, width], resize.forward(data, planes: shape[0] * shape[1]))
    }
}
