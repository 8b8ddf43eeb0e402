// MARK: - Windows

/// The input rows and columns each pooling window covers, clipped to the input (padding cells
/// are simply absent: -infinity for max pool, not counted for average pool).
struct PoolWindows {
    let outH: Int, outW: Int
    let rowStart: [Int], rowEnd: [Int], colStart: [Int], colEnd: [Int]

    init(height: Int, width: Int, kernel: Int, geometry: WindowGeometry) {
        (outH, outW) = geometry.outputSize(height: height, width: width, kernelH: kernel, kernelW: kernel)
        let rows = (0 ..< outH).map { $0 * geometry.strideH - geometry.padTop }
        let cols = (0 ..< outW).map { $0 * geometry.strideW - geometry.padLeft }
        rowStart = rows.map { max($0, 0) }
        rowEnd = rows.map { min($0 + kernel, height) }
        colStart = cols.map { max($0, 0) }
        colEnd = cols.map { min($0 + kernel, width) }
    }

    /// out[p, q] = sum of the input cells in window (p, q), for one plane of row length `width`.
    /// Separable: each window's row sums are added up column by column.
    func sum(_ src: UnsafePointer<Float>, width: Int, into out: UnsafeMutablePointer<Float>) {
        rowStart.withUnsafeBufferPointer { rs in rowEnd.withUnsafeBufferPointer { re in
        colStart.withUnsafeBufferPointer { cs in colEnd.withUnsafeBufferPointer { ce in
            for p in 0 ..< outH {
                let dst = out + p * outW
                for q in 0 ..< outW { dst[q] = 0 }
                for r in rs[p] ..< re[p] {
                    let row = src + r * width
                    for q in 0 ..< outW {
                        var s: Float = 0
                        var c = cs[q]
                        let end = ce[q]
                        while c < end { s += row[c]; c += 1 }
                        dst[q] += s
                    }
                }
            }
        } } } }
    }
}

// MARK: - Max pool

extension Tensor {
    /// Max pool over k x k windows (PyTorch `max_pool2d`, padding counts as -infinity).
    ///
    /// Ties go to the first maximum in row-major window order, as in PyTorch; the backward
    /// sends each output gradient to that recorded argmax only.
    public func maxPool2d(kernel: Int, _ geometry: WindowGeometry) -> Tensor {
        let (n, c, h, w) = nchw
        let windows = PoolWindows(height: h, width: w, kernel: kernel, geometry: geometry)
        let (oh, ow) = (windows.outH, windows.outW)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        if let decision = tape?.nextDecision(for: "maxPool2d", shape: shape) {
            guard case .maxPool(let argmax) = decision, argmax.count == planes * outPlane else {
                preconditionFailure("maxPool2d \(shape) -> \([n, c, oh, ow]): recorded routing is \(decision.summary)")
            }
            let output = makeBuffer(planes * outPlane) { out in
                for i in 0 ..< planes * outPlane { out[i] = data[i / outPlane * inPlane + Int(argmax[i])] }
            }
            return Tensor.result(shape: [n, c, oh, ow], data: output, inputs: [self]) { gradOut in
                Self.maxPoolBackward(gradOut, argmax: argmax, planes: planes, inPlane: inPlane, outPlane: outPlane)
            }
        }
        let tracked = isTracked
        var argmax = [Int32](repeating: 0, count: tracked ? planes * outPlane : 0)
        let output = makeBuffer(planes * outPlane) { out in
            data.withUnsafeBufferPointer { x in
                argmax.withUnsafeMutableBufferPointer { arg in
                    for plane in 0 ..< planes {
                        let src = x.baseAddress! + plane * inPlane
                        for p in 0 ..< oh {
                            let r0 = windows.rowStart[p], r1 = windows.rowEnd[p]
                            for q in 0 ..< ow {
                                let c0 = windows.colStart[q], c1 = windows.colEnd[q]
                                var best = -Float.infinity, bestIndex = r0 * w + c0
                                var r = r0
                                scan: while r < r1 {
                                    var s = c0
                                    while s < c1 {
                                        let v = src[r * w + s]
                                        if v > best || v.isNaN {
                                            best = v; bestIndex = r * w + s
                                            if v.isNaN { break scan }
                                        }
                                        s += 1
                                    }
                                    r += 1
                                }
                                out[plane * outPlane + p * ow + q] = best
                                if tracked { arg[plane * outPlane + p * ow + q] = Int32(bestIndex) }
                            }
                        }
                    }
                }
            }
        }
        return Tensor.result(shape: [n, c, oh, ow], data: output, inputs: [self]) { gradOut in
            Self.maxPoolBackward(gradOut, argmax: argmax, planes: planes, inPlane: inPlane, outPlane: outPlane)
        }
    }

    /// Sends each output gradient to its window's argmax (an index inside the input plane).
    private static func maxPoolBackward(_ gradOut: [Float], argmax: [Int32], planes: Int,
                                        inPlane: Int, outPlane: Int) -> [[Float]?] {
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

    // MARK: - Average pool

    /// Average pool over k x k windows with `count_include_pad=False`: each output divides by the
    /// number of window cells inside the input, so border outputs average fewer values.
    public func avgPool2dExcludingPad(kernel: Int, _ geometry: WindowGeometry) -> Tensor {
        let (n, c, h, w) = nchw
        let windows = PoolWindows(height: h, width: w, kernel: kernel, geometry: geometry)
        let (oh, ow) = (windows.outH, windows.outW)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        // 1 / (cells inside the input) per output position; the same for every plane.
        var scale = [Float](repeating: 0, count: outPlane)
        for p in 0 ..< oh {
            for q in 0 ..< ow {
                let cells = (windows.rowEnd[p] - windows.rowStart[p]) * (windows.colEnd[q] - windows.colStart[q])
                scale[p * ow + q] = 1 / Float(cells)
            }
        }
        let output = makeBuffer(planes * outPlane) { out in
            data.withUnsafeBufferPointer { x in
                scale.withUnsafeBufferPointer { scale in
                    for plane in 0 ..< planes {
                        windows.sum(x.baseAddress! + plane * inPlane, width: w, into: out.baseAddress! + plane * outPlane)
                        let dst = out.baseAddress! + plane * outPlane
                        for i in 0 ..< outPlane { dst[i] *= scale[i] }
                    }
                }
            }
        }
        return Tensor.result(shape: [n, c, oh, ow], data: output, inputs: [self]) { gradOut in
            var gradIn = [Float](repeating: 0, count: planes * inPlane)
            gradIn.withUnsafeMutableBufferPointer { dx in
                for plane in 0 ..< planes {
                    let dst = dx.baseAddress! + plane * inPlane
                    for p in 0 ..< oh {
                        for q in 0 ..< ow {
                            let g = gradOut[plane * outPlane + p * ow + q] * scale[p * ow + q]
                            for r in windows.rowStart[p] ..< windows.rowEnd[p] {
                                for s in windows.colStart[q] ..< windows.colEnd[q] { dst[r * w + s] += g }
                            }
                        }
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
