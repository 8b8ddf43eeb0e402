/// A stride-1 convolution by Winograd's minimal filtering (see `MinimalFiltering`), forward and
/// backward to the input.
///
/// Per image, the output is cut into tiles [mH, mW] (the last row and column of tiles may reach
/// past it; those outputs are dropped). Each tile's input window [alphaH, alphaW] is transformed,
/// V = B_H^T d B_W; each of the alphaH * alphaW transform points xi is one GEMM over channels,
/// M[xi] = U[xi] [out, in] x V[xi] [in, tiles]; and each tile's output is Y = A_H^T M A_W. The tiles
/// are taken a few rows of tiles at a time (a chunk) so that V and M stay in cache. The backward
/// pass is the transpose of every step: dM = A_H dY A_W^T, dV[xi] = U[xi]^T dM[xi], and
/// dd = B_H dV B_W^T added onto the input gradient (windows overlap by r - 1).
///
/// Rows of tiles are gathered "by phase": column x of the padded input row goes to phase
/// x mod mW at index x / mW, so that the horizontal transform reads each phase contiguously
/// across tiles (tile t's k-th input is phase k mod mW, index t + k / mW).
struct WinogradPlan<Scalar: BLASScalar> {
    let axisH: WinogradAxis<Scalar>, axisW: WinogradAxis<Scalar>
    let filter: WinogradFilter<Scalar>
    let bias: [Scalar]?
    let batch: Int, inChannels: Int, outChannels: Int
    let height: Int, width: Int, outH: Int, outW: Int
    let padTop: Int, padLeft: Int
    let tilesH: Int, tilesW: Int
    /// Entries per phase of a gathered row (tiles plus the window's overhang), and the range of
    /// each phase that lies inside the image.
    let phaseLength: Int
    let phaseInside: [Range<Int>]
    /// Rows of tiles per chunk.
    let chunkRows: Int

    /// Tiles per chunk the plan aims at: each transform point's GEMM is [out, in] x [in, ~this].
    static var tilesPerChunk: Int { 256 }

    init(input shape: [Int], weights: ConvolutionWeights<Scalar>, filter: WinogradFilter<Scalar>,
         geometry: WindowGeometry, outH: Int, outW: Int) {
        precondition(geometry.strideH == 1 && geometry.strideW == 1, "Winograd convolution needs stride 1, got \(geometry)")
        let (n, c, h, w) = nchwExtents(shape)
        axisH = WinogradAxis(MinimalFiltering(outputs: filter.tileH, taps: weights.kernelH))
        axisW = WinogradAxis(MinimalFiltering(outputs: filter.tileW, taps: weights.kernelW))
        self.filter = filter
        bias = weights.bias
        batch = n; inChannels = c; outChannels = weights.outChannels
        height = h; width = w; self.outH = outH; self.outW = outW
        padTop = geometry.padTop; padLeft = geometry.padLeft
        tilesH = (outH + filter.tileH - 1) / filter.tileH
        tilesW = (outW + filter.tileW - 1) / filter.tileW
        let mw = filter.tileW, left = geometry.padLeft
        let length = (outW + mw - 1) / mw + (weights.kernelW - 1 + mw - 1) / mw
        phaseLength = length
        phaseInside = (0 ..< mw).map { s in
            // t inside iff 0 <= t * mw + s - padLeft < w
            let lower = max(0, (left - s + mw - 1) / mw)
            let last = w - 1 + left - s
            let upper = last < 0 ? 0 : min(length, last / mw + 1)
            return lower < upper ? lower ..< upper : 0 ..< 0
        }
        chunkRows = max(1, min(tilesH, Self.tilesPerChunk / max(1, tilesW)))
    }

    var points: Int { axisH.alpha * axisW.alpha }
    var inImage: Int { inChannels * height * width }
    var outImage: Int { outChannels * outH * outW }
    /// Length of one gathered row: all phases.
    var rowLength: Int { axisW.outputs * phaseLength }

    /// Scratch for one image: gathered rows, their vertical transform, V and M of one chunk.
    private struct Scratch {
        let rows: UnsafeMutablePointer<Scalar>, mixed: UnsafeMutablePointer<Scalar>
        let transformed: UnsafeMutablePointer<Scalar>, products: UnsafeMutablePointer<Scalar>
    }

    private func withScratch(_ body: (Scratch) -> Void) {
        let tiles = chunkRows * tilesW
        // Input rows of one row of tiles, or the output transform's partial sums over a whole chunk.
        let rowsCount = axisH.alpha * max(rowLength, axisW.alpha * tilesW, axisW.outputs * tiles)
        let rows = UnsafeMutablePointer<Scalar>.allocate(capacity: rowsCount)
        let mixed = UnsafeMutablePointer<Scalar>.allocate(capacity: rowsCount)
        let transformed = UnsafeMutablePointer<Scalar>.allocate(capacity: points * inChannels * tiles)
        let products = UnsafeMutablePointer<Scalar>.allocate(capacity: points * outChannels * tiles)
        defer { rows.deallocate(); mixed.deallocate(); transformed.deallocate(); products.deallocate() }
        body(Scratch(rows: rows, mixed: mixed, transformed: transformed, products: products))
    }

    /// Calls `body(firstTileRow, tileRows)` for each chunk.
    @inline(__always)
    private func forEachChunk(_ body: (Int, Int) -> Void) {
        var first = 0
        while first < tilesH {
            let count = min(chunkRows, tilesH - first)
            body(first, count)
            first += count
        }
    }

    // MARK: - Forward

    /// y [N, Cout, Ho, Wo] from x [N, Cin, H, W].
    /// With `thenReLU`, each output is max(y, 0) as `Kernel.relu` takes it, written in the same pass.
    func forward(_ input: [Scalar], thenReLU: Bool = false) -> [Scalar] {
        mapBuffer(input, count: batch * outImage) { x, y in
            withScratch { scratch in
                for image in 0 ..< batch {
                    forward(x + image * inImage, y + image * outImage, scratch, thenReLU: thenReLU)
                }
            }
        }
    }

    private func forward(_ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, _ s: Scratch, thenReLU: Bool) {
        filter.transformed.withUnsafeBufferPointer { u in
            forEachChunk { first, count in
                let tiles = count * tilesW
                for c in 0 ..< inChannels {
                    for r in 0 ..< count {
                        transformInput(x + c * height * width, tileRow: first + r, s,
                                       into: s.transformed + c * tiles + r * tilesW, pointStride: inChannels * tiles)
                    }
                }
                for xi in 0 ..< points {
                    Scalar.gemm(transposeA: false, transposeB: false, m: outChannels, n: tiles, k: inChannels,
                                u.baseAddress! + xi * outChannels * inChannels, lda: inChannels,
                                s.transformed + xi * inChannels * tiles, ldb: tiles,
                                beta: 0, s.products + xi * outChannels * tiles, ldc: tiles)
                }
                for o in 0 ..< outChannels {
                    transformOutput(s.products + o * tiles, pointStride: outChannels * tiles, tileRows: first ..< first + count,
                                    s, into: y + o * outH * outW, bias: bias?[o] ?? 0, thenReLU: thenReLU)
                }
            }
        }
    }

    /// V[xi, tile] for one channel plane and one row of tiles: entry xi of tile t goes to
    /// out[xi * pointStride + t].
    @inline(__always)
    private func transformInput(_ plane: UnsafePointer<Scalar>, tileRow: Int, _ s: Scratch,
                                into out: UnsafeMutablePointer<Scalar>, pointStride: Int) {
        let (ah, aw, mw, row) = (axisH.alpha, axisW.alpha, axisW.outputs, rowLength)
        for k in 0 ..< ah { gatherRow(plane, row: tileRow * axisH.outputs - padTop + k, into: s.rows + k * row) }
        for xh in 0 ..< ah { combine(axisH.inputRows[xh], s.rows, stride: row, count: row, into: s.mixed + xh * row) }
        for xh in 0 ..< ah {
            let mixed = s.mixed + xh * row
            for xw in 0 ..< aw {
                let dst = out + (xh * aw + xw) * pointStride
                var first = true
                for (k, v) in axisW.inputRows[xw] {
                    let src = mixed + (k % mw) * phaseLength + k / mw
                    if first {
                        for t in 0 ..< tilesW { dst[t] = v * src[t] }
                        first = false
                    } else {
                        for t in 0 ..< tilesW { dst[t] += v * src[t] }
                    }
                }
                if first { dst.update(repeating: 0, count: tilesW) }
            }
        }
    }

    /// Input row `row` of a plane, zero outside the image, laid out by phase.
    @inline(__always)
    private func gatherRow(_ plane: UnsafePointer<Scalar>, row: Int, into out: UnsafeMutablePointer<Scalar>) {
        guard row >= 0 && row < height else { return out.update(repeating: 0, count: rowLength) }
        let src = plane + row * width, mw = axisW.outputs
        for s in 0 ..< mw {
            let phase = out + s * phaseLength, inside = phaseInside[s]
            phase.update(repeating: 0, count: inside.lowerBound)
            (phase + inside.upperBound).update(repeating: 0, count: phaseLength - inside.upperBound)
            let base = src + s - padLeft
            if mw == 1 {
                (phase + inside.lowerBound).update(from: base + inside.lowerBound, count: inside.count)
            } else if !inside.isEmpty {
                var cell = base + inside.lowerBound * mw
                for t in inside { phase[t] = cell.pointee; cell += mw }
            }
        }
    }

    /// out = sum of v * rows[k * stride ..< k * stride + count] over the nonzero (k, v).
    @inline(__always)
    private func combine(_ coefficients: [(index: Int, value: Scalar)], _ rows: UnsafePointer<Scalar>,
                         stride: Int, count: Int, into out: UnsafeMutablePointer<Scalar>) {
        guard let head = coefficients.first else { return out.update(repeating: 0, count: count) }
        let first = rows + head.index * stride
        for i in 0 ..< count { out[i] = head.value * first[i] }
        for (k, v) in coefficients.dropFirst() {
            let src = rows + k * stride
            for i in 0 ..< count { out[i] += v * src[i] }
        }
    }

    /// One output channel's rows of tiles `tileRows` (one chunk) from M (entry xi of the chunk's
    /// tile t at m[xi * pointStride + t]), plus the bias, written where the tiles lie inside the
    /// output plane; with `thenReLU`, max(., 0) of that.
    @inline(__always)
    private func transformOutput(_ m: UnsafePointer<Scalar>, pointStride: Int, tileRows: Range<Int>, _ s: Scratch,
                                 into plane: UnsafeMutablePointer<Scalar>, bias: Scalar, thenReLU: Bool) {
        let (ah, aw, mh, mw) = (axisH.alpha, axisW.alpha, axisH.outputs, axisW.outputs)
        let tiles = tileRows.count * tilesW, block = mw * tiles
        // rows[xh][j][t] = sum_xw A_W^T[j, xw] M[xh, xw][t], over the whole chunk at once
        for xh in 0 ..< ah {
            for j in 0 ..< mw {
                combine(axisW.outputRows[j], m + xh * aw * pointStride, stride: pointStride, count: tiles,
                        into: s.rows + xh * block + j * tiles)
            }
        }
        for i in 0 ..< mh {
            // mixed[j][t] = sum_xh A_H^T[i, xh] rows[xh][j][t]
            combine(axisH.outputRows[i], s.rows, stride: block, count: block, into: s.mixed)
            for (r, tileRow) in tileRows.enumerated() {
                let oh = tileRow * mh + i
                guard oh < outH else { break }
                writeOutputRow(s.mixed + r * tilesW, phaseStride: tiles, into: plane + oh * outW, bias: bias,
                               thenReLU: thenReLU)
            }
        }
    }

    /// Output row `dst` from its mw phases (phase j at src + j * phaseStride, entry t for column
    /// t * mw + j), plus the bias, and with `thenReLU` max(., 0): tile by tile, so the stores run
    /// along the row. Tiles of 3 and 4 columns get loops of their own.
    @inline(__always)
    private func writeOutputRow(_ src: UnsafePointer<Scalar>, phaseStride: Int, into dst: UnsafeMutablePointer<Scalar>,
                                bias: Scalar, thenReLU: Bool) {
        let mw = axisW.outputs, whole = outW / mw
        @inline(__always) func value(_ t: Int, _ j: Int) -> Scalar {
            let v = src[j &* phaseStride &+ t] + bias
            return thenReLU ? Kernel.positivePart(v) : v
        }
        switch mw {
        case 4:
            for t in 0 ..< whole {
                let out = dst + t &* 4
                out[0] = value(t, 0); out[1] = value(t, 1); out[2] = value(t, 2); out[3] = value(t, 3)
            }
        case 3:
            for t in 0 ..< whole {
                let out = dst + t &* 3
                out[0] = value(t, 0); out[1] = value(t, 1); out[2] = value(t, 2)
            }
        default:
            for t in 0 ..< whole { for j in 0 ..< mw { dst[t &* mw &+ j] = value(t, j) } }
        }
        for column in whole * mw ..< outW { dst[column] = value(whole, column - whole * mw) }
    }

    // MARK: - Backward

    /// dx [N, Cin, H, W] from dy [N, Cout, Ho, Wo].
    func backward(_ gradOut: [Scalar]) -> [Scalar] {
        mapBuffer(gradOut, count: batch * inImage, zeroed: true) { dy, dx in
            withScratch { scratch in
                for image in 0 ..< batch { backward(dy + image * outImage, dx + image * inImage, scratch) }
            }
        }
    }

    private func backward(_ dy: UnsafePointer<Scalar>, _ dx: UnsafeMutablePointer<Scalar>, _ s: Scratch) {
        filter.transformed.withUnsafeBufferPointer { u in
            forEachChunk { first, count in
                let tiles = count * tilesW
                for o in 0 ..< outChannels {
                    for r in 0 ..< count {
                        transposeOutput(dy + o * outH * outW, tileRow: first + r, s,
                                        into: s.products + o * tiles + r * tilesW, pointStride: outChannels * tiles)
                    }
                }
                for xi in 0 ..< points {
                    Scalar.gemm(transposeA: true, transposeB: false, m: inChannels, n: tiles, k: outChannels,
                                u.baseAddress! + xi * outChannels * inChannels, lda: inChannels,
                                s.products + xi * outChannels * tiles, ldb: tiles,
                                beta: 0, s.transformed + xi * inChannels * tiles, ldc: tiles)
                }
                for c in 0 ..< inChannels {
                    for r in 0 ..< count {
                        transposeInput(s.transformed + c * tiles + r * tilesW, pointStride: inChannels * tiles,
                                       tileRow: first + r, s, into: dx + c * height * width)
                    }
                }
            }
        }
    }

    /// dM for one output channel's row of tiles: the transpose of `transformOutput` (the bias
    /// has no gradient here; outputs past the plane count as zero).
    @inline(__always)
    private func transposeOutput(_ plane: UnsafePointer<Scalar>, tileRow: Int, _ s: Scratch,
                                 into out: UnsafeMutablePointer<Scalar>, pointStride: Int) {
        let (ah, aw, mh, mw) = (axisH.alpha, axisW.alpha, axisH.outputs, axisW.outputs)
        let block = mw * tilesW
        // mixed[i][j][t] = dY[tileRow * mh + i, t * mw + j]
        for i in 0 ..< mh {
            let oh = tileRow * mh + i, dst = s.mixed + i * block
            guard oh < outH else { dst.update(repeating: 0, count: block); continue }
            let src = plane + oh * outW
            for j in 0 ..< mw {
                let phase = dst + j * tilesW
                var t = 0, column = j
                while column < outW { phase[t] = src[column]; t += 1; column += mw }
                (phase + t).update(repeating: 0, count: tilesW - t)
            }
        }
        // rows[xh] = sum_i A_H^T[i, xh] mixed[i]
        s.rows.update(repeating: 0, count: ah * block)
        for i in 0 ..< mh {
            for (xh, v) in axisH.outputRows[i] {
                let dst = s.rows + xh * block, src = s.mixed + i * block
                for k in 0 ..< block { dst[k] += v * src[k] }
            }
        }
        // dM[xh, xw][t] = sum_j A_W^T[j, xw] rows[xh][j][t]
        for xi in 0 ..< ah * aw { (out + xi * pointStride).update(repeating: 0, count: tilesW) }
        for xh in 0 ..< ah {
            for j in 0 ..< mw {
                let src = s.rows + xh * block + j * tilesW
                for (xw, v) in axisW.outputRows[j] {
                    let dst = out + (xh * aw + xw) * pointStride
                    for t in 0 ..< tilesW { dst[t] += v * src[t] }
                }
            }
        }
    }

    /// Adds the input gradient of one channel's row of tiles from dV (entry xi of tile t at
    /// v[xi * pointStride + t]) onto the plane: the transpose of `transformInput`.
    @inline(__always)
    private func transposeInput(_ v: UnsafePointer<Scalar>, pointStride: Int, tileRow: Int, _ s: Scratch,
                                into plane: UnsafeMutablePointer<Scalar>) {
        let (ah, aw, mw, row) = (axisH.alpha, axisW.alpha, axisW.outputs, rowLength)
        // mixed[xh][phase k mod mw][t + k / mw] += B_W^T[xw, k] dV[xh, xw][t]
        s.mixed.update(repeating: 0, count: ah * row)
        for xh in 0 ..< ah {
            let mixed = s.mixed + xh * row
            for xw in 0 ..< aw {
                let src = v + (xh * aw + xw) * pointStride
                for (k, value) in axisW.inputRows[xw] {
                    let dst = mixed + (k % mw) * phaseLength + k / mw
                    for t in 0 ..< tilesW { dst[t] += value * src[t] }
                }
            }
        }
        // rows[k] = sum_xh B_H^T[xh, k] mixed[xh]
        s.rows.update(repeating: 0, count: ah * row)
        for xh in 0 ..< ah {
            for (k, value) in axisH.inputRows[xh] {
                let dst = s.rows + k * row, src = s.mixed + xh * row
                for i in 0 ..< row { dst[i] += value * src[i] }
            }
        }
        for k in 0 ..< ah {
            let ih = tileRow * axisH.outputs - padTop + k
            guard ih >= 0 && ih < height else { continue }
            let dst = plane + ih * width
            for phase in 0 ..< mw {
                let src = s.rows + k * row + phase * phaseLength, base = phase - padLeft
                for t in phaseInside[phase] { dst[base + t * mw] += src[t] }
            }
        }
    }
}
