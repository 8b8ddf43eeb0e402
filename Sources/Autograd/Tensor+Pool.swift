// MARK: - Max pool

extension Tensor {
    /// Max pool over k x k windows (PyTorch `max_pool2d`, padding counts as -infinity).
    ///
    /// Ties go to the first maximum in row-major window order, as in PyTorch; the backward
    /// sends each output gradient to that recorded argmax only.
    public func maxPool2d(kernel: Int, _ geometry: WindowGeometry) -> Tensor {
        let (n, c, h, w) = nchw
        let (oh, ow) = geometry.outputSize(height: h, width: w, kernelH: kernel, kernelW: kernel)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        var argmax = [Int32](repeating: 0, count: planes * outPlane)
        let output = makeBuffer(planes * outPlane) { out in
            data.withUnsafeBufferPointer { x in
                argmax.withUnsafeMutableBufferPointer { arg in
                    for plane in 0 ..< planes {
                        let src = x.baseAddress! + plane * inPlane
                        for p in 0 ..< oh {
                            let h0 = p * geometry.strideH - geometry.padTop
                            let rows = max(h0, 0) ..< min(h0 + kernel, h)
                            for q in 0 ..< ow {
                                let w0 = q * geometry.strideW - geometry.padLeft
                                let cols = max(w0, 0) ..< min(w0 + kernel, w)
                                var best = -Float.infinity, bestIndex = rows.lowerBound * w + cols.lowerBound
                                for r in rows {
                                    for s in cols {
                                        let v = src[r * w + s]
                                        if v > best || v.isNaN { best = v; bestIndex = r * w + s; if v.isNaN { break } }
                                    }
                                }
                                out[plane * outPlane + p * ow + q] = best
                                arg[plane * outPlane + p * ow + q] = Int32(bestIndex)
                            }
                        }
                    }
                }
            }
        }
        return Tensor.result(shape: [n, c, oh, ow], data: output, inputs: [self]) { gradOut in
            var gradIn = [Float](repeating: 0, count: planes * inPlane)
            gradIn.withUnsafeMutableBufferPointer { dx in
                for plane in 0 ..< planes {
                    for p in 0 ..< outPlane {
                        dx[plane * inPlane + Int(argmax[plane * outPlane + p])] += gradOut[plane * outPlane + p]
                    }
                }
            }
            return [gradIn]
        }
    }

    // MARK: - Average pool

    /// Average pool over k x k windows with `count_include_pad=False`: each output divides by the
    /// number of window cells inside the input, so border outputs average fewer values.
    public func avgPool2dExcludingPad(kernel: Int, _ geometry: WindowGeometry) -> Tensor {
        let (n, c, h, w) = nchw
        let (oh, ow) = geometry.outputSize(height: h, width: w, kernelH: kernel, kernelW: kernel)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        // Window bounds and divisors are the same for every plane.
        var windows: [(rows: Range<Int>, cols: Range<Int>, scale: Float)] = []
        windows.reserveCapacity(outPlane)
        for p in 0 ..< oh {
            let h0 = p * geometry.strideH - geometry.padTop
            let rows = max(h0, 0) ..< min(h0 + kernel, h)
            for q in 0 ..< ow {
                let w0 = q * geometry.strideW - geometry.padLeft
                let cols = max(w0, 0) ..< min(w0 + kernel, w)
                windows.append((rows, cols, 1 / Float(rows.count * cols.count)))
            }
        }
        let output = makeBuffer(planes * outPlane) { out in
            data.withUnsafeBufferPointer { x in
                for plane in 0 ..< planes {
                    let src = x.baseAddress! + plane * inPlane
                    for (index, window) in windows.enumerated() {
                        var sum: Float = 0
                        for r in window.rows { for s in window.cols { sum += src[r * w + s] } }
                        out[plane * outPlane + index] = sum * window.scale
                    }
                }
            }
        }
        return Tensor.result(shape: [n, c, oh, ow], data: output, inputs: [self]) { gradOut in
            var gradIn = [Float](repeating: 0, count: planes * inPlane)
            gradIn.withUnsafeMutableBufferPointer { dx in
                for plane in 0 ..< planes {
                    let dst = dx.baseAddress! + plane * inPlane
                    for (index, window) in windows.enumerated() {
                        let g = gradOut[plane * outPlane + index] * window.scale
                        for r in window.rows { for s in window.cols { dst[r * w + s] += g } }
                    }
                }
            }
            return [gradIn]
        }
    }

    // MARK: - Global mean

    /// Mean over the spatial axes (adaptive average pool to 1x1, flattened): [N, C, H, W] -> [N, C].
    public func globalMeanPool() -> Tensor {
        let (n, c, h, w) = nchw
        let plane = h * w, scale = 1 / Float(plane)
        let output = makeBuffer(n * c) { out in
            data.withUnsafeBufferPointer { x in
                for i in 0 ..< n * c {
                    var sum: Float = 0
                    let src = x.baseAddress! + i * plane
                    for p in 0 ..< plane { sum += src[p] }
                    out[i] = sum * scale
                }
            }
        }
        return Tensor.result(shape: [n, c], data: output, inputs: [self]) { gradOut in
            [makeBuffer(n * c * plane) { dx in
                for i in 0 ..< n * c {
                    let g = gradOut[i] * scale
                    (dx.baseAddress! + i * plane).initialize(repeating: g, count: plane)
                }
            }]
        }
    }
}
