// MARK: - Bilinear resize

/// PyTorch's bilinear resize with `align_corners=False` and no antialias, for one plane size.
///
/// Per axis: src = (dst + 0.5) * in/out - 0.5, clamped below at 0; lower index i0 = floor(src),
/// upper i1 = min(i0 + 1, in - 1), weights (1 - t, t) with t = src - i0 (computed in Double,
/// then rounded to `Scalar`). An output is the two-by-two weighted sum of its source pixels.
struct BilinearResize<Scalar: BLASScalar> {
    /// One output coordinate's two source indices and their weights.
    struct Tap {
        let lower: Int, upper: Int
        let lowerWeight: Scalar, upperWeight: Scalar
    }

    let inH: Int, inW: Int, outH: Int, outW: Int
    let rows: [Tap], cols: [Tap]

    init(input shape: [Int], height: Int, width: Int) {
        let (_, _, h, w) = nchwExtents(shape)
        precondition(height > 0 && width > 0, "resizeBilinear: target \(height)x\(width) must be positive")
        (inH, inW, outH, outW) = (h, w, height, width)
        rows = Self.taps(input: h, output: height)
        cols = Self.taps(input: w, output: width)
    }

    private static func taps(input: Int, output: Int) -> [Tap] {
        let scale = Double(input) / Double(output)
        return (0 ..< output).map { d in
            let src = max((Double(d) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(src), input - 1)
            let t = Scalar(src - Double(i0))
            return Tap(lower: i0, upper: min(i0 + 1, input - 1), lowerWeight: 1 - t, upperWeight: t)
        }
    }

    var inPlane: Int { inH * inW }
    var outPlane: Int { outH * outW }

    /// Visits the outputs of one plane: `index` in the output plane, `top` and `bottom` the
    /// offsets of the two source rows in the input plane, `row` and `col` the taps.
    @inline(__always)
    private func forEachOutput(_ body: (_ index: Int, _ top: Int, _ bottom: Int, _ row: Tap, _ col: Tap) -> Void) {
        for (p, row) in rows.enumerated() {
            let top = row.lower * inW, bottom = row.upper * inW
            for (q, col) in cols.enumerated() { body(p * outW + q, top, bottom, row, col) }
        }
    }

    /// y = sum of the four source pixels times their weights, for `planes` planes.
    func forward(_ input: [Scalar], planes: Int) -> [Scalar] {
        mapBuffer(input, count: planes * outPlane) { x, y in
            for plane in 0 ..< planes {
                let src = x + plane * inPlane, dst = y + plane * outPlane
                forEachOutput { o, top, bottom, row, col in
                    dst[o] = row.lowerWeight * (col.lowerWeight * src[top + col.lower] + col.upperWeight * src[top + col.upper])
                        + row.upperWeight * (col.lowerWeight * src[bottom + col.lower] + col.upperWeight * src[bottom + col.upper])
                }
            }
        }
    }

    /// The backward: each output gradient goes to its four source pixels with the same weights.
    func backward(_ gradOut: [Scalar], planes: Int) -> [Scalar] {
        mapBuffer(gradOut, count: planes * inPlane, zeroed: true) { dy, dx in
            for plane in 0 ..< planes {
                let g = dy + plane * outPlane, dst = dx + plane * inPlane
                forEachOutput { o, top, bottom, row, col in
                    let v = g[o]
                    dst[top + col.lower] += row.lowerWeight * col.lowerWeight * v
                    dst[top + col.upper] += row.lowerWeight * col.upperWeight * v
                    dst[bottom + col.lower] += row.upperWeight * col.lowerWeight * v
                    dst[bottom + col.upper] += row.upperWeight * col.upperWeight * v
                }
            }
        }
    }
}

extension Tensor {
    /// Bilinear resize of NCHW data to `height` x `width` (PyTorch `F.interpolate(mode='bilinear',
    /// align_corners=False)`, no antialias, so downscaling samples rather than averages).
    /// Shapes: [N, C, H, W] -> [N, C, height, width]. The backward scatters each output gradient
    /// onto its four source pixels with the same weights.
    public func resizeBilinear(height: Int, width: Int) -> Tensor {
        let resize = BilinearResize<Float>(input: shape, height: height, width: width)
        let planes = shape[0] * shape[1]
        return Tensor.result(shape: [shape[0], shape[1], height, width], data: resize.forward(data, planes: planes),
                             inputs: [self]) { gradOut in
            [resize.backward(gradOut, planes: planes)]
        }
    }
}
