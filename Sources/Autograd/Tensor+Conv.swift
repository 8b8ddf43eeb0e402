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

/// Everything one convolution call needs: sizes, the GEMM grouping, and the frozen weights.
///
/// Small feature maps are batched: the columns of several images share one GEMM, and the GEMM's
/// [Cout, images * plane] product is moved back to per-image [Cout, plane] blocks.
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

    /// Images per GEMM: one for large maps (the GEMM is already wide), several for small maps
    /// so that the column matrix is at least ~4096 wide.
    var groupSize: Int {
        outPlane >= 1024 ? 1 : min(batch, max(1, 4096 / outPlane))
    }

    /// One image per GEMM with a 1x1, stride 1, unpadded kernel: the image itself is the column matrix.
    var readsImageDirectly: Bool {
        groupSize == 1 && weights.kernelH == 1 && weights.kernelW == 1 && layout.geometry == WindowGeometry()
    }

    /// Runs `body` once per GEMM group: its first image, its image count, and scratch for its
    /// column matrix [Cin * kh * kw, count * plane] and its GEMM layout [Cout, count * plane].
    @inline(__always)
    private func forEachGroup(_ body: (_ first: Int, _ count: Int, _ columns: UnsafeMutablePointer<Scalar>,
                                       _ grouped: UnsafeMutablePointer<Scalar>) -> Void) {
        let g = groupSize
        let columns = UnsafeMutablePointer<Scalar>.allocate(capacity: readsImageDirectly ? 0 : weights.patchSize * g * outPlane)
        let grouped = UnsafeMutablePointer<Scalar>.allocate(capacity: g == 1 ? 0 : weights.outChannels * g * outPlane)
        defer { columns.deallocate(); grouped.deallocate() }
        for first in stride(from: 0, to: batch, by: g) { body(first, min(g, batch - first), columns, grouped) }
    }

    /// Visits the [plane]-long rows that move between a group's GEMM layout [Cout, count * plane]
    /// (offset `grouped`) and its images' layout count x [Cout, plane] (offset `image`).
    @inline(__always)
    private func forEachGroupedRow(count: Int, _ body: (_ image: Int, _ grouped: Int) -> Void) {
        for i in 0 ..< count {
            for o in 0 ..< weights.outChannels { body(i * outImage + o * outPlane, (o * count + i) * outPlane) }
        }
    }

    // MARK: - Forward

    /// y [N, Cout, Ho, Wo] from x [N, Cin, H, W].
    func forward(_ input: [Scalar]) -> [Scalar] {
        mapBuffer(input, count: batch * outImage) { x, y in forward(x, y) }
    }

    private func forward(_ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>) {
        let m = weights.outChannels, k = weights.patchSize
        forEachGroup { first, count, columns, product in
            let width = count * outPlane, images = x + first * inImage, outputs = y + first * outImage
            if !readsImageDirectly {
                for i in 0 ..< count {
                    layout.im2col(images + i * inImage, columns + i * outPlane, rowStride: width)
                }
            }
            Scalar.gemm(transposeA: false, transposeB: false, m: m, n: width, k: k, weights.weight, lda: k,
                        readsImageDirectly ? images : UnsafePointer(columns), ldb: width,
                        beta: 0, groupSize == 1 ? outputs : product, ldc: width)
            if groupSize != 1 {
                forEachGroupedRow(count: count) { image, grouped in
                    (outputs + image).initialize(from: product + grouped, count: outPlane)
                }
            }
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
        forEachGroup { first, count, columns, gathered in
            let width = count * outPlane, gradients = dy + first * outImage, images = dx + first * inImage
            if groupSize != 1 {
                forEachGroupedRow(count: count) { image, grouped in
                    (gathered + grouped).initialize(from: gradients + image, count: outPlane)
                }
            }
            Scalar.gemm(transposeA: true, transposeB: false, m: k, n: width, k: m, weights.weight, lda: k,
                        groupSize == 1 ? gradients : UnsafePointer(gathered), ldb: width,
                        beta: 0, readsImageDirectly ? images : columns, ldc: width)
            if !readsImageDirectly {
                for i in 0 ..< count {
                    layout.col2imAdd(columns + i * outPlane, rowStride: width, images + i * inImage)
                }
            }
        }
    }
}
