// MARK: - conv2d

extension Tensor {
    /// 2-D cross-correlation (PyTorch `conv2d`) of NCHW input with frozen weights, as im2col + sgemm.
    ///
    /// y[n, o, p, q] = bias[o] + sum_{c,i,j} w[o, c, i, j] * x[n, c, p*sh - padTop + i, q*sw - padLeft + j]
    /// with zeros outside the input. Shapes: x [N, Cin, H, W] -> y [N, Cout, Ho, Wo].
    /// Backward (to x only; weights are constants): dcol = W^T dy, then col2im.
    public func conv2d(_ weights: Conv2dWeights, _ geometry: WindowGeometry = WindowGeometry()) -> Tensor {
        let plan = ConvPlan(input: shape, weights: weights, geometry: geometry)
        return Tensor.result(shape: plan.outputShape, data: plan.forward(data), inputs: [self]) { gradOut in
            [plan.backward(gradOut)]
        }
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

    init(input shape: [Int], weights: ConvolutionWeights<Scalar>, geometry: WindowGeometry) {
        let (n, c, h, w) = nchwExtents(shape)
        precondition(c == weights.inChannels,
                     "conv2d: input \(shape) has \(c) channels, weights expect \(weights.inChannels)")
        let (oh, ow) = geometry.outputSize(height: h, width: w, kernelH: weights.kernelH, kernelW: weights.kernelW)
        layout = PatchLayout(channels: c, height: h, width: w, kernelH: weights.kernelH,
                             kernelW: weights.kernelW, geometry: geometry, outH: oh, outW: ow)
        self.weights = weights
        batch = n
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

    /// y [N, Cout, Ho, Wo] from x [N, Cin, H, W].
    func forward(_ input: [Scalar]) -> [Scalar] {
        mapBuffer(input, count: batch * outImage) { x, y in forward(x, y) }
    }

    private func forward(_ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>) {
        let m = weights.outChannels, k = weights.patchSize
        forEachImage { image, columns in
            let input = x + image * inImage
            if !readsImageDirectly { layout.im2col(input, columns, rowStride: outPlane) }
            Scalar.gemm(transposeA: false, transposeB: false, m: m, n: outPlane, k: k, weights.weight, lda: k,
                        readsImageDirectly ? input : UnsafePointer(columns), ldb: outPlane,
                        beta: 0, y + image * outImage, ldc: outPlane)
        }
        guard let bias = weights.bias else { return }
        for b in 0 ..< batch {
            for o in 0 ..< m {
                let row = y + b * outImage + o * outPlane, value = bias[o]
                for p in 0 ..< outPlane { row[p] += value }
            }
        }
    }

    // MARK: - Backward

    /// dx [N, Cin, H, W] from dy [N, Cout, Ho, Wo].
    func backward(_ gradOut: [Scalar]) -> [Scalar] {
        mapBuffer(gradOut, count: batch * inImage, zeroed: true) { dy, dx in backward(dy, dx) }
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
