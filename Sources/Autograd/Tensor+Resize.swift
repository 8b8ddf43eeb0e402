// MARK: - Bilinear resize

/// Source positions and weights for one axis of PyTorch's bilinear resize with
/// `align_corners=False` and no antialias: src = (dst + 0.5) * in/out - 0.5, clamped below at 0;
/// lower index i0 = floor(src), upper i1 = min(i0 + 1, in - 1), weights (1 - t, t), t = src - i0.
struct LinearTaps {
    let lower: [Int], upper: [Int], upperWeight: [Float]
    /// `upperWeight` before rounding to Float (for `Tensor64`).
    let upperWeight64: [Double]

    init(input: Int, output: Int) {
        let scale = Double(input) / Double(output)
        var lower = [Int](), upper = [Int](), weight = [Double]()
        for d in 0 ..< output {
            let src = max((Double(d) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(src), input - 1)
            lower.append(i0)
            upper.append(min(i0 + 1, input - 1))
            weight.append(src - Double(i0))
        }
        self.lower = lower; self.upper = upper; self.upperWeight = weight.map(Float.init); self.upperWeight64 = weight
    }
}

extension Tensor {
    /// Bilinear resize of NCHW data to `height` x `width` (PyTorch `F.interpolate(mode='bilinear',
    /// align_corners=False)`, no antialias, so downscaling samples rather than averages).
    /// The backward scatters each output gradient onto its four source pixels with the same weights.
    public func resizeBilinear(height: Int, width: Int) -> Tensor {
        let (n, c, h, w) = nchw
        precondition(height > 0 && width > 0, "resizeBilinear: target \(height)x\(width) must be positive")
        let rows = LinearTaps(input: h, output: height), cols = LinearTaps(input: w, output: width)
        let planes = n * c, inPlane = h * w, outPlane = height * width
        let output = makeBuffer(planes * outPlane) { out in
            data.withUnsafeBufferPointer { x in
                for plane in 0 ..< planes {
                    let src = x.baseAddress! + plane * inPlane
                    let dst = out.baseAddress! + plane * outPlane
                    for p in 0 ..< height {
                        let r0 = src + rows.lower[p] * w, r1 = src + rows.upper[p] * w
                        let ty = rows.upperWeight[p], sy = 1 - ty
                        for q in 0 ..< width {
                            let c0 = cols.lower[q], c1 = cols.upper[q]
                            let tx = cols.upperWeight[q], sx = 1 - tx
                            dst[p * width + q] = sy * (sx * r0[c0] + tx * r0[c1]) + ty * (sx * r1[c0] + tx * r1[c1])
                        }
                    }
                }
            }
        }
        return Tensor.result(shape: [n, c, height, width], data: output, inputs: [self]) { gradOut in
            var gradIn = [Float](repeating: 0, count: planes * inPlane)
            gradIn.withUnsafeMutableBufferPointer { dx in
                gradOut.withUnsafeBufferPointer { dy in
                    for plane in 0 ..< planes {
                        let g = dy.baseAddress! + plane * outPlane
                        let d = dx.baseAddress! + plane * inPlane
                        for p in 0 ..< height {
                            let r0 = d + rows.lower[p] * w, r1 = d + rows.upper[p] * w
                            let ty = rows.upperWeight[p], sy = 1 - ty
                            for q in 0 ..< width {
                                let c0 = cols.lower[q], c1 = cols.upper[q]
                                let tx = cols.upperWeight[q], sx = 1 - tx
                                let v = g[p * width + q]
                                r0[c0] += sy * sx * v; r0[c1] += sy * tx * v
                                r1[c0] += ty * sx * v; r1[c1] += ty * tx * v
                            }
                        }
                    }
                }
            }
            return [gradIn]
        }
    }
}
