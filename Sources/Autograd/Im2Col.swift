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

    /// Visits each run of `outW` column-matrix entries, one per (c, i, j, oh), in row order:
    /// `column` is the run's offset in the column matrix, `image` the offset in the image of the
    /// value under ow = 0 (entry ow reads image + ow*sw, for ow in `valid` only), or nil where the
    /// input row lies in the vertical padding.
    @inline(__always)
    private func forEachRun(rowStride: Int, _ body: (_ column: Int, _ image: Int?, _ valid: Range<Int>) -> Void) {
        var row = 0
        for c in 0 ..< channels {
            for i in 0 ..< kernelH {
                for j in 0 ..< kernelW {
                    let valid = validColumns(kernelColumn: j)
                    for oh in 0 ..< outH {
                        let ih = oh * geometry.strideH - geometry.padTop + i
                        let image = ih >= 0 && ih < height ? (c * height + ih) * width + j - geometry.padLeft : nil
                        body(row * rowStride + oh * outW, image, valid)
                    }
                    row += 1
                }
            }
        }
    }

    /// Writes the columns of image `x` into `cols` (rows `rowStride` apart).
    func im2col<Scalar: BLASScalar>(_ x: UnsafePointer<Scalar>, _ cols: UnsafeMutablePointer<Scalar>,
                                    rowStride: Int) {
        if geometry.strideH == 1 && geometry.strideW == 1 && outW == width {
            return im2colShiftedPlanes(x, cols, rowStride: rowStride)
        }
        let sw = geometry.strideW
        forEachRun(rowStride: rowStride) { column, image, valid in
            let out = cols + column
            guard let image, !valid.isEmpty else { return out.initialize(repeating: 0, count: outW) }
            out.initialize(repeating: 0, count: valid.lowerBound)
            (out + valid.upperBound).initialize(repeating: 0, count: outW - valid.upperBound)
            let src = x + image
            if sw == 1 {
                (out + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
            } else {
                for ow in valid { out[ow] = src[ow * sw] }
            }
        }
    }

    /// `im2col` at stride 1 when the output is as wide as the input: then output position f
    /// (= oh * width + ow) of row (c, i, j) reads plane c at f + (i - padTop) * width + (j - padLeft),
    /// so each row is one copy of the shifted plane over the output rows whose input row is inside
    /// the image, with zeros before and after it and where the shift wraps round a row's end.
    private func im2colShiftedPlanes<Scalar: BLASScalar>(_ x: UnsafePointer<Scalar>, _ cols: UnsafeMutablePointer<Scalar>,
                                                         rowStride: Int) {
        let plane = outH * outW
        var row = 0
        for c in 0 ..< channels {
            for i in 0 ..< kernelH {
                // output rows oh with 0 <= oh - padTop + i < height
                let rows = max(0, geometry.padTop - i) ..< min(outH, height + geometry.padTop - i)
                for j in 0 ..< kernelW {
                    let out = cols + row * rowStride, valid = validColumns(kernelColumn: j)
                    row += 1
                    guard !rows.isEmpty && !valid.isEmpty else { out.initialize(repeating: 0, count: plane); continue }
                    let start = rows.lowerBound * outW + valid.lowerBound
                    let end = (rows.upperBound - 1) * outW + valid.upperBound
                    let shift = (i - geometry.padTop) * width + j - geometry.padLeft
                    out.initialize(repeating: 0, count: start)
                    (out + start).initialize(from: x + c * height * width + start + shift, count: end - start)
                    (out + end).initialize(repeating: 0, count: plane - end)
                    let gap = outW - valid.count
                    guard gap > 0 else { continue }
                    for oh in rows.dropLast() { (out + oh * outW + valid.upperBound).update(repeating: 0, count: gap) }
                }
            }
        }
    }

    /// Adds the columns in `cols` back onto image gradient `dx` (the adjoint of `im2col`).
    func col2imAdd<Scalar: BLASScalar>(_ cols: UnsafePointer<Scalar>, rowStride: Int,
                                       _ dx: UnsafeMutablePointer<Scalar>) {
        let sw = geometry.strideW
        forEachRun(rowStride: rowStride) { column, image, valid in
            guard let image else { return }
            let g = cols + column, dst = dx + image
            if sw == 1 {
                for ow in valid { dst[ow] += g[ow] }
            } else {
                for ow in valid { dst[ow * sw] += g[ow] }
            }
        }
    }
}
