// MARK: - conv2d

extension Tensor {
    /// 2-D cross-correlation (PyTorch `conv2d`) of NCHW input with frozen weights, as im2col + sgemm,
    /// or by Winograd's minimal filtering (`WinogradPlan`) at stride 1 when the weights carry its
    /// transform (`ConvolutionWeights.winograd(tile:)`).
    ///
    /// y[n, o, p, q] = bias[o] + sum_{c,i,j} w[o, c, i, j] * x[n, c, p*sh - padTop + i, q*sw - padLeft + j]
    /// with zeros outside the input. Shapes: x [N, Cin, H, W] -> y [N, Cout, Ho, Wo].
    /// Backward (to x only; weights are constants): dcol = W^T dy, then col2im (or the transposed
    /// Winograd transforms).
    public func conv2d(_ weights: Conv2dWeights, _ geometry: WindowGeometry = WindowGeometry()) -> Tensor {
        let plan = ConvPlan(input: shape, weights: weights, geometry: geometry)
        return Tensor.result(shape: plan.outputShape, data: plan.forward(data), inputs: [self]) { gradOut in
            [plan.backward(gradOut)]
        }
    }

    /// `conv2d(weights, geometry).relu()`, the same values and gradients. Untracked (inference),
    /// the bias and the ReLU go over the GEMM's output in one pass and no second tensor is made;
    /// tracked, it is the two ops, so that the tape records the ReLU's mask or replays its routing.
    public func conv2dReLU(_ weights: Conv2dWeights, _ geometry: WindowGeometry = WindowGeometry()) -> Tensor {
        guard !isTracked else { return conv2d(weights, geometry).relu() }
        let plan = ConvPlan(input: shape, weights: weights, geometry: geometry)
        return Tensor(shape: plan.outputShape, data: plan.forward(data, thenReLU: true))
    }
}

/// Everything one convolution call needs: sizes and the frozen weights.
///
/// Each image gets its own GEMM, [Cout, Cin*kh*kw] x [Cin*kh*kw, plane], whatever the batch:
/// BLAS kernels round a column differently depending on the matrix around it (edge tiles,
/// small-matrix paths), so one image's result would otherwise change with the images batched
/// beside it. With one GEMM per image, features are bit-identical for any batch size.
struct ConvPlan<Scalar: BLASScalar> {
    let layout: PatchLayout
    let weights: ConvolutionWeights<Scalar>
    let batch: Int
    /// The Winograd route, when the weights carry their transform and the stride is 1.
    let winograd: WinogradPlan<Scalar>?

    init(input shape: [Int], weights: ConvolutionWeights<Scalar>, geometry: WindowGeometry) {
        let (n, c, h, w) = nchwExtents(shape)
        precondition(c == weights.inChannels,
                     "conv2d: input \(shape) has \(c) channels, weights expect \(weights.inChannels)")
        let (oh, ow) = geometry.outputSize(height: h, width: w, kernelH: weights.kernelH, kernelW: weights.kernelW)
        layout = PatchLayout(channels: c, height: h, width: w, kernelH: weights.kernelH,
                             kernelW: weights.kernelW, geometry: geometry, outH: oh, outW: ow)
        self.weights = weights
        batch = n
        winograd = weights.winogradFilter.flatMap { filter in
            geometry.strideH == 1 && geometry.strideW == 1
                ? WinogradPlan(input: shape, weights: weights, filter: filter, geometry: geometry, outH: oh, outW: ow)
                : nil
        }
    }

    var outputShape: [Int] { [batch, weights.outChannels, layout.outH, layout.outW] }
    var outPlane: Int { layout.outH * layout.outW }
    var inImage: Int { layout.channels * layout.height * layout.width }
    var outImage: Int { weights.outChannels * outPlane }

    /// A 1x1, stride 1, unpadded kernel: the image itself is the column matrix.
    var readsImageDirectly: Bool {
        weights.kernelH == 1 && weights.kernelW == 1 && layout.geometry == WindowGeometry()
    }

    /// Runs `body` for each image with scratch for its column matrix [Cin * kh * kw, plane].
    @inline(__always)
    private func forEachImage(_ body: (_ image: Int, _ columns: UnsafeMutablePointer<Scalar>) -> Void) {
        let columns = UnsafeMutablePointer<Scalar>.allocate(capacity: readsImageDirectly ? 0 : weights.patchSize * outPlane)
        defer { columns.deallocate() }
        for image in 0 ..< batch { body(image, columns) }
    }

    // MARK: - Forward

    /// y [N, Cout, Ho, Wo] from x [N, Cin, H, W]; with `thenReLU`, max(y, 0) (as `Kernel.relu`).
    func forward(_ input: [Scalar], thenReLU: Bool = false) -> [Scalar] {
        guard let winograd else {
            return mapBuffer(input, count: batch * outImage) { x, y in forward(x, y, thenReLU: thenReLU) }
        }
        return winograd.forward(input, thenReLU: thenReLU)
    }

    private func forward(_ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, thenReLU: Bool) {
        let m = weights.outChannels, k = weights.patchSize
        forEachImage { image, columns in
            let input = x + image * inImage, output = y + image * outImage
            if !readsImageDirectly { layout.im2col(input, columns, rowStride: outPlane) }
            Scalar.gemm(transposeA: false, transposeB: false, m: m, n: outPlane, k: k, weights.weight, lda: k,
                        readsImageDirectly ? input : UnsafePointer(columns), ldb: outPlane,
                        beta: 0, output, ldc: outPlane)
            addBias(output, thenReLU: thenReLU)
        }
    }

    /// One image's output planes plus their bias (when there is one), then the ReLU with
    /// `thenReLU` (`Kernel.positivePart` on eight lanes): one pass, while the GEMM's output is
    /// still in cache.
    @inline(__always)
    private func addBias(_ output: UnsafeMutablePointer<Scalar>, thenReLU: Bool) {
        guard weights.bias != nil || thenReLU else { return }
        let zero = Lanes<Scalar>()
        for o in 0 ..< weights.outChannels {
            let row = output + o * outPlane
            switch (weights.bias?[o], thenReLU) {
            case (let value?, true): Kernel.forEachLanes(outPlane, row, row) { v in Scalar.maximum(zero, v + value) }
            case (let value?, false): Kernel.forEachLanes(outPlane, row, row) { v in v + value }
            case (nil, _): Kernel.forEachLanes(outPlane, row, row) { v in Scalar.maximum(zero, v) }
            }
        }
    }

    // MARK: - Backward

    /// dx [N, Cin, H, W] from dy [N, Cout, Ho, Wo].
    func backward(_ gradOut: [Scalar]) -> [Scalar] {
        if let winograd { return winograd.backward(gradOut) }
        return mapBuffer(gradOut, count: batch * inImage, zeroed: true) { dy, dx in backward(dy, dx) }
    }

    private func backward(_ dy: UnsafePointer<Scalar>, _ dx: UnsafeMutablePointer<Scalar>) {
        let m = weights.outChannels, k = weights.patchSize
        forEachImage { image, columns in
            let gradient = dx + image * inImage
            Scalar.gemm(transposeA: true, transposeB: false, m: k, n: outPlane, k: m, weights.weight, lda: k,
                        dy + image * outImage, ldb: outPlane,
                        beta: 0, readsImageDirectly ? gradient : columns, ldc: outPlane)
            if !readsImageDirectly { layout.col2imAdd(columns, rowStride: outPlane, gradient) }
        }
    }
}
