import CBLAS

// MARK: - conv2d

extension Tensor {
    /// 2-D cross-correlation (PyTorch `conv2d`) of NCHW input with frozen weights, as im2col + sgemm.
    ///
    /// y[n, o, p, q] = bias[o] + sum_{c,i,j} w[o, c, i, j] * x[n, c, p*sh - padTop + i, q*sw - padLeft + j]
    /// with zeros outside the input. Shapes: x [N, Cin, H, W] -> y [N, Cout, Ho, Wo].
    /// Small feature maps are batched: the columns of several images share one GEMM.
    /// Backward (to x only; weights are constants): dcol = W^T dy, then col2im.
    public func conv2d(_ weights: Conv2dWeights, _ geometry: WindowGeometry = WindowGeometry()) -> Tensor {
        let (n, c, h, w) = nchw
        precondition(c == weights.inChannels,
                     "conv2d: input \(shape) has \(c) channels, weights expect \(weights.inChannels)")
        let (oh, ow) = geometry.outputSize(height: h, width: w, kernelH: weights.kernelH, kernelW: weights.kernelW)
        let layout = PatchLayout(channels: c, height: h, width: w, kernelH: weights.kernelH,
                                 kernelW: weights.kernelW, geometry: geometry, outH: oh, outW: ow)
        let plan = ConvPlan(layout: layout, weights: weights, batch: n)
        let output = plan.forward(data)
        let outShape = [n, weights.outChannels, oh, ow]
        return Tensor.result(shape: outShape, data: output, inputs: [self]) { gradOut in
            [plan.backward(gradOut)]
        }
    }
}

/// Everything one convolution call needs: sizes, the GEMM grouping, and the frozen weights.
struct ConvPlan {
    let layout: PatchLayout
    let weights: Conv2dWeights
    let batch: Int

    var outPlane: Int { layout.outH * layout.outW }
    var inImage: Int { layout.channels * layout.height * layout.width }
    var outImage: Int { weights.outChannels * outPlane }
    var patch: Int { weights.patchSize }

    /// 1x1, stride 1, no padding: the image itself is the column matrix.
    var isPointwise: Bool {
        weights.kernelH == 1 && weights.kernelW == 1 && layout.geometry == WindowGeometry()
    }

    /// Images per GEMM: one for large maps (the GEMM is already wide), several for small maps
    /// so that the column matrix is at least ~4096 wide.
    var groupSize: Int {
        outPlane >= 1024 ? 1 : min(batch, max(1, 4096 / outPlane))
    }

    func forward(_ input: [Float]) -> [Float] {
        ComputeRuntime.ensureConfigured()
        let g = groupSize, m = weights.outChannels, k = patch
        var columns = [Float](repeating: 0, count: (isPointwise && g == 1) ? 0 : k * g * outPlane)
        var groupOut = [Float](repeating: 0, count: g == 1 ? 0 : m * g * outPlane)
        return makeBuffer(batch * outImage) { out in
            input.withUnsafeBufferPointer { x in
                weights.weight.withUnsafeBufferPointer { wp in
                    columns.withUnsafeMutableBufferPointer { col in
                        groupOut.withUnsafeMutableBufferPointer { gout in
                            var first = 0
                            while first < batch {
                                let count = min(g, batch - first)
                                let width = count * outPlane
                                let colPtr: UnsafePointer<Float>
                                if isPointwise && g == 1 {
                                    colPtr = x.baseAddress! + first * inImage
                                } else {
                                    for i in 0 ..< count {
                                        layout.im2col(x.baseAddress! + (first + i) * inImage,
                                                      col.baseAddress! + i * outPlane, rowStride: width)
                                    }
                                    colPtr = UnsafePointer(col.baseAddress!)
                                }
                                let dst = g == 1 ? out.baseAddress! + first * outImage : gout.baseAddress!
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                            Int32(m), Int32(width), Int32(k), 1, wp.baseAddress!, Int32(k),
                                            colPtr, Int32(width), 0, dst, Int32(width))
                                if g != 1 {
                                    // [m, count * plane] -> count images of [m, plane]
                                    for i in 0 ..< count {
                                        for o in 0 ..< m {
                                            (out.baseAddress! + (first + i) * outImage + o * outPlane)
                                                .initialize(from: gout.baseAddress! + o * width + i * outPlane,
                                                            count: outPlane)
                                        }
                                    }
                                }
                                first += count
                            }
                        }
                    }
                }
            }
            if let bias = weights.bias {
                for b in 0 ..< batch {
                    for o in 0 ..< m {
                        let row = out.baseAddress! + b * outImage + o * outPlane
                        let value = bias[o]
                        for p in 0 ..< outPlane { row[p] += value }
                    }
                }
            }
        }
    }

    func backward(_ gradOut: [Float]) -> [Float] {
        let g = groupSize, m = weights.outChannels, k = patch
        let direct = isPointwise && g == 1
        var columns = [Float](repeating: 0, count: direct ? 0 : k * g * outPlane)
        var gathered = [Float](repeating: 0, count: g == 1 ? 0 : m * g * outPlane)
        var gradIn = [Float](repeating: 0, count: batch * inImage)
        gradIn.withUnsafeMutableBufferPointer { dx in
            gradOut.withUnsafeBufferPointer { dy in
                weights.weight.withUnsafeBufferPointer { wp in
                    columns.withUnsafeMutableBufferPointer { col in
                        gathered.withUnsafeMutableBufferPointer { gdy in
                            var first = 0
                            while first < batch {
                                let count = min(g, batch - first)
                                let width = count * outPlane
                                let dyPtr: UnsafePointer<Float>
                                if g == 1 {
                                    dyPtr = dy.baseAddress! + first * outImage
                                } else {
                                    for i in 0 ..< count {
                                        for o in 0 ..< m {
                                            (gdy.baseAddress! + o * width + i * outPlane)
                                                .update(from: dy.baseAddress! + (first + i) * outImage + o * outPlane,
                                                        count: outPlane)
                                        }
                                    }
                                    dyPtr = UnsafePointer(gdy.baseAddress!)
                                }
                                let dst = direct ? dx.baseAddress! + first * inImage : col.baseAddress!
                                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                                            Int32(k), Int32(width), Int32(m), 1, wp.baseAddress!, Int32(k),
                                            dyPtr, Int32(width), 0, dst, Int32(width))
                                if !direct {
                                    for i in 0 ..< count {
                                        layout.col2imAdd(col.baseAddress! + i * outPlane, rowStride: width,
                                                         dx.baseAddress! + (first + i) * inImage)
                                    }
                                }
                                first += count
                            }
                        }
                    }
                }
            }
        }
        return gradIn
    }
}
