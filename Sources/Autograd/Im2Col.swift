/// im2col / col2im: unrolling convolution windows into GEMM columns and folding them back.
///
/// For one image x [C, H, W] the column matrix has rows r = (c * kh + i) * kw + j and one column
/// per output position (oh, ow); entry = x[c, oh*sh - padTop + i, ow*sw - padLeft + j], or 0 in
/// the padding. Columns of several images can sit side by side: `rowStride` is the distance
/// between rows, and the image's columns start at `cols`.
struct PatchLayout {
    let channels: Int, height: Int, width: Int
    let kernelH: Int, kernelW: Int
    let geometry: WindowGeometry
    let outH: Int, outW: Int

    /// Range of output columns ow whose input column ow*sw - padLeft + j lies inside [0, width).
    @inline(__always)
    func validColumns(kernelColumn j: Int) -> Range<Int> {
        let sw = geometry.strideW, offset = j - geometry.padLeft
        // smallest ow with ow*sw + offset >= 0, and one past the largest with ow*sw + offset < width
        let lower = offset >= 0 ? 0 : (-offset + sw - 1) / sw
        let upperRaw = width - offset <= 0 ? 0 : (width - offset - 1) / sw + 1
        let upper = min(outW, upperRaw)
        return lower < upper ? lower ..< upper : 0 ..< 0
    }

    /// Writes the columns of image `x` into `cols` (rows `rowStride` apart); Float or Double.
    func im2col<Scalar: BinaryFloatingPoint>(_ x: UnsafePointer<Scalar>, _ cols: UnsafeMutablePointer<Scalar>,
                                             rowStride: Int) {
        let sh = geometry.strideH, sw = geometry.strideW
        var row = 0
        for c in 0 ..< channels {
            let plane = x + c * height * width
            for i in 0 ..< kernelH {
                for j in 0 ..< kernelW {
                    let dst = cols + row * rowStride
                    let valid = validColumns(kernelColumn: j)
                    let colOffset = j - geometry.padLeft
                    for oh in 0 ..< outH {
                        let out = dst + oh * outW
                        let ih = oh * sh - geometry.padTop + i
                        if ih < 0 || ih >= height || valid.isEmpty {
                            out.initialize(repeating: 0, count: outW)
                            continue
                        }
                        if valid.lowerBound > 0 { out.initialize(repeating: 0, count: valid.lowerBound) }
                        if valid.upperBound < outW {
                            (out + valid.upperBound).initialize(repeating: 0, count: outW - valid.upperBound)
                        }
                        let src = plane + ih * width + colOffset
                        if sw == 1 {
                            (out + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                        } else {
                            for ow in valid { out[ow] = src[ow * sw] }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds the columns in `cols` back onto image gradient `dx` (the adjoint of `im2col`).
    func col2imAdd(_ cols: UnsafePointer<Float>, rowStride: Int, _ dx: UnsafeMutablePointer<Float>) {
        let sh = geometry.strideH, sw = geometry.strideW
        var row = 0
        for c in 0 ..< channels {
            let plane = dx + c * height * width
            for i in 0 ..< kernelH {
                for j in 0 ..< kernelW {
                    let src = cols + row * rowStride
                    let valid = validColumns(kernelColumn: j)
                    let colOffset = j - geometry.padLeft
                    row += 1
                    if valid.isEmpty { continue }
                    for oh in 0 ..< outH {
                        let ih = oh * sh - geometry.padTop + i
                        if ih < 0 || ih >= height { continue }
                        let dst = plane + ih * width + colOffset
                        let g = src + oh * outW
                        if sw == 1 {
                            for ow in valid { dst[ow] += g[ow] }
                        } else {
                            for ow in valid { dst[ow * sw] += g[ow] }
                        }
                    }
                }
            }
        }
    }
}
