/// A stride-1 convolution by Winograd's minimal filtering (see `MinimalFiltering`), forward and
/// backward to the input.
///
/// Per image, the output is cut into tiles [mH, mW] (the last row and column of tiles may reach
/// past it; those outputs are dropped), and tile (p, q) reads the input window [alphaH, alphaW]
/// whose corner is input row p * mH - padTop, column q * mW - padLeft. The transforms run
/// channel-last, a vector of eight channels at a time: the image is first copied to
/// [rows, columns, channels] with its padding written as zeros, so that every window lies inside.
/// Each window is transformed, V = B_H^T d B_W; each of the alphaH * alphaW transform points xi is
/// one GEMM over channels, M[xi] [tiles, out] = V[xi] [tiles, in] x U[xi]^T; each tile's output is
/// Y = A_H^T M A_W; and the channel-last output rows go back to planes, plus the bias. The tiles are
/// taken a few rows of tiles at a time (a chunk), so that V and M stay in cache.
///
/// The backward pass is the transpose of every step: dM = A_H dY A_W^T, dV[xi] = dM[xi] U[xi],
/// and dd = B_H dV B_W^T added onto the window (windows overlap by r - 1).
struct WinogradPlan<Scalar: BLASScalar> {
    let axisH: WinogradAxis<Scalar>, axisW: WinogradAxis<Scalar>
    let filter: WinogradFilter<Scalar>
    /// The bias, zero past the output channels (zero everywhere without one).
    let bias: [Scalar]
    let batch: Int, inChannels: Int, outChannels: Int
    let height: Int, width: Int, outH: Int, outW: Int
    let padTop: Int, padLeft: Int
    let tilesH: Int, tilesW: Int
    /// Channels rounded up to whole vectors: the channel-last strides of the input and the output.
    let inStride: Int, outStride: Int
    /// Rows and columns of the channel-last input, which hold every tile's window.
    let paddedH: Int, paddedW: Int
    /// Rows of tiles per chunk.
    let chunkRows: Int

    /// Tiles per chunk the plan aims at: each transform point's GEMM is [~this, in] x [in, out].
    static var tilesPerChunk: Int { 256 }

    init(input shape: [Int], weights: ConvolutionWeights<Scalar>, filter: WinogradFilter<Scalar>,
         geometry: WindowGeometry, outH: Int, outW: Int) {
        precondition(geometry.strideH == 1 && geometry.strideW == 1, "Winograd convolution needs stride 1, got \(geometry)")
        let (n, c, h, w) = nchwExtents(shape)
        axisH = WinogradAxis(MinimalFiltering(outputs: filter.tileH, taps: weights.kernelH))
        axisW = WinogradAxis(MinimalFiltering(outputs: filter.tileW, taps: weights.kernelW))
        self.filter = filter
        batch = n; inChannels = c; outChannels = weights.outChannels
        height = h; width = w; self.outH = outH; self.outW = outW
        padTop = geometry.padTop; padLeft = geometry.padLeft
        tilesH = (outH + filter.tileH - 1) / filter.tileH
        tilesW = (outW + filter.tileW - 1) / filter.tileW
        let lanes = Lanes<Scalar>.scalarCount
        inStride = (c + lanes - 1) / lanes * lanes
        outStride = (weights.outChannels + lanes - 1) / lanes * lanes
        bias = (weights.bias ?? []) + [Scalar](repeating: 0, count: outStride - (weights.bias?.count ?? 0))
        paddedH = (tilesH - 1) * filter.tileH + axisH.alpha
        paddedW = (tilesW - 1) * filter.tileW + axisW.alpha
        chunkRows = max(1, min(tilesH, Self.tilesPerChunk / max(1, tilesW)))
    }

    var points: Int { axisH.alpha * axisW.alpha }
    var inImage: Int { inChannels * height * width }
    var outPlane: Int { outH * outW }
    var outImage: Int { outChannels * outPlane }
    /// Columns of a channel-last output row: whole tiles.
    var outRowLength: Int { tilesW * axisW.outputs }

    /// Scratch for one image, zeroed once: the channel-last input (or, backward, its gradient),
    /// V and M of one chunk, the channel-last output rows of one chunk, the rows of one row of
    /// tiles half transformed, and the vectors of one tile's transform.
    private struct Scratch {
        let input: UnsafeMutablePointer<Scalar>, transformed: UnsafeMutablePointer<Scalar>
        let products: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>
        let rows: UnsafeMutablePointer<Scalar>
        let middle: UnsafeMutablePointer<Lanes<Scalar>>, block: UnsafeMutablePointer<Lanes<Scalar>>
    }

    private func withScratch(_ body: (Scratch) -> Void) {
        let tiles = chunkRows * tilesW, window = axisH.alpha * axisW.alpha
        let counts = [paddedH * paddedW * inStride, points * tiles * inStride, points * tiles * outStride,
                      chunkRows * axisH.outputs * outRowLength * outStride,
                      axisH.alpha * max(paddedW * inStride, outRowLength * outStride)]
        let buffers = counts.map { count -> UnsafeMutablePointer<Scalar> in
            let buffer = UnsafeMutablePointer<Scalar>.allocate(capacity: count)
            buffer.initialize(repeating: 0, count: count)
            return buffer
        }
        let middle = UnsafeMutablePointer<Lanes<Scalar>>.allocate(capacity: window)
        let block = UnsafeMutablePointer<Lanes<Scalar>>.allocate(capacity: window)
        defer {
            for buffer in buffers { buffer.deallocate() }
            middle.deallocate(); block.deallocate()
        }
        body(Scratch(input: buffers[0], transformed: buffers[1], products: buffers[2], output: buffers[3],
                     rows: buffers[4], middle: middle, block: block))
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

    /// Calls `body(tile, row, column)` for each tile of a chunk of `rows` rows of tiles, in order.
    @inline(__always)
    private func forEachTile(rows: Int, _ body: (Int, Int, Int) -> Void) {
        for row in 0 ..< rows {
            for column in 0 ..< tilesW { body(row * tilesW + column, row, column) }
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
        let (ah, aw, mh, mw) = (axisH.alpha, axisW.alpha, axisH.outputs, axisW.outputs)
        Self.toChannelLast(x, channels: inChannels, rows: height, columns: width, from: (-padTop, -padLeft),
                           into: s.input, rows: paddedH, columns: paddedW, stride: inStride)
        filter.transformed.withUnsafeBufferPointer { u in
            bias.withUnsafeBufferPointer { bias in
                forEachChunk { first, count in
                    let tiles = count * tilesW, inRow = paddedW * inStride, outRow = outRowLength * outStride
                    for row in 0 ..< count {
                        // B_H^T down the window rows, a whole row of the input at once; then B_W
                        // along each tile's columns.
                        let top = s.input + (first + row) * mh * inRow
                        for xh in 0 ..< ah {
                            Self.combine(axisH.inputTransform, row: xh, top, stride: inRow, count: inRow, into: s.rows + xh * inRow)
                        }
                        for xh in 0 ..< ah {
                            for xw in 0 ..< aw {
                                Self.combine(axisW.inputTransform, row: xw, s.rows + xh * inRow, stride: inStride,
                                             blocks: tilesW, length: inStride, step: mw * inStride,
                                             into: s.transformed + ((xh * aw + xw) * tiles + row * tilesW) * inStride,
                                             step: inStride)
                            }
                        }
                    }
                    for xi in 0 ..< ah * aw {
                        Scalar.gemm(transposeA: false, transposeB: true, m: tiles, n: outChannels, k: inChannels,
                                    s.transformed + xi * tiles * inStride, lda: inStride,
                                    u.baseAddress! + xi * outChannels * inChannels, ldb: inChannels,
                                    beta: 0, s.products + xi * tiles * outStride, ldc: outStride)
                    }
                    for row in 0 ..< count {
                        // A_W^T along each tile's points; then A_H^T down them, a whole output row
                        // at once (the bias and the ReLU come as the rows go back to planes).
                        for xh in 0 ..< ah {
                            for i in 0 ..< mw {
                                Self.combine(axisW.outputTransform, row: i, s.products + (xh * aw * tiles + row * tilesW) * outStride,
                                             stride: tiles * outStride, blocks: tilesW, length: outStride, step: outStride,
                                             into: s.rows + xh * outRow + i * outStride, step: mw * outStride)
                            }
                        }
                        for i in 0 ..< mh {
                            let out = s.output + (row * mh + i) * outRow
                            Self.combine(axisH.outputTransform, row: i, s.rows, stride: outRow, count: outRow, into: out)
                        }
                    }
                    Self.fromChannelLast(s.output, rows: count * mh, columns: outRowLength, stride: outStride,
                                         at: (first * mh, 0), into: y, channels: outChannels, rows: outH, columns: outW,
                                         bias: bias.baseAddress!, thenReLU: thenReLU)
                }
            }
        }
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
        let (ah, aw, mh, mw) = (axisH.alpha, axisW.alpha, axisH.outputs, axisW.outputs)
        let lanes = Lanes<Scalar>.scalarCount
        s.input.update(repeating: 0, count: paddedH * paddedW * inStride)
        filter.transformed.withUnsafeBufferPointer { u in
            forEachChunk { first, count in
                let tiles = count * tilesW
                // dY of the chunk's rows, channel-last, zero past the output.
                Self.toChannelLast(dy, channels: outChannels, rows: outH, columns: outW, from: (first * mh, 0),
                                   into: s.output, rows: count * mh, columns: outRowLength, stride: outStride)
                forEachTile(rows: count) { tile, row, column in
                    let out = s.output + (row * mh * outRowLength + column * mw) * outStride
                    for o in stride(from: 0, to: outStride, by: lanes) {
                        transform(out + o, rowStride: outRowLength * outStride, columnStride: outStride, rows: mh,
                                  alongW: axisW.outputTranspose, alongH: axisH.outputTranspose, s)
                        let m = s.products + tile * outStride + o
                        for xi in 0 ..< ah * aw { Self.store(s.block[xi], m + xi * tiles * outStride) }
                    }
                }
                for xi in 0 ..< ah * aw {
                    Scalar.gemm(transposeA: false, transposeB: false, m: tiles, n: inChannels, k: outChannels,
                                s.products + xi * tiles * outStride, lda: outStride,
                                u.baseAddress! + xi * outChannels * inChannels, ldb: inChannels,
                                beta: 0, s.transformed + xi * tiles * inStride, ldc: inStride)
                }
                forEachTile(rows: count) { tile, row, column in
                    let window = s.input + ((first + row) * mh * paddedW + column * mw) * inStride
                    for c in stride(from: 0, to: inStride, by: lanes) {
                        transform(s.transformed + tile * inStride + c, rowStride: aw * tiles * inStride,
                                  columnStride: tiles * inStride, rows: ah,
                                  alongW: axisW.inputTranspose, alongH: axisH.inputTranspose, s)
                        for k in 0 ..< ah {
                            for j in 0 ..< aw {
                                let cell = window + (k * paddedW + j) * inStride + c
                                Self.store(Self.load(cell) + s.block[k * aw + j], cell)
                            }
                        }
                    }
                }
            }
        }
        Self.fromChannelLast(s.input, rows: paddedH, columns: paddedW, stride: inStride, at: (-padTop, -padLeft),
                             into: dx, channels: inChannels, rows: height, columns: width)
    }

    // MARK: - One tile

    /// s.block [qH, qW] = alongH [qH, pH] x d x alongW^T [pW, qW] for the [pH, pW] vectors
    /// d[p, q] at src + p * rowStride + q * columnStride (pW is alongW's column count): along
    /// the rows first, into s.middle, then along the columns. A one-tap axis (a 1x1 matrix,
    /// which is [1]) is a copy.
    @inline(__always)
    private func transform(_ src: UnsafePointer<Scalar>, rowStride: Int, columnStride: Int, rows: Int,
                           alongW: SparseRows<Scalar>, alongH: SparseRows<Scalar>, _ s: Scratch) {
        let qW = alongW.rows, qH = alongH.rows, lanes = Lanes<Scalar>.scalarCount
        let middle = UnsafeMutableRawPointer(rows == 1 && qH == 1 ? s.block : s.middle).assumingMemoryBound(to: Scalar.self)
        for p in 0 ..< rows {
            Self.apply(alongW, src + p * rowStride, stride: columnStride, into: middle + p * qW * lanes, stride: lanes)
        }
        guard rows != 1 || qH != 1 else { return }
        let block = UnsafeMutableRawPointer(s.block).assumingMemoryBound(to: Scalar.self)
        for w in 0 ..< qW {
            Self.apply(alongH, middle + w * lanes, stride: qW * lanes, into: block + w * lanes, stride: qW * lanes)
        }
    }

    /// dst[w * dstStride ...] = sum over row w's terms (q, v) of v * src[q * stride ...], eight
    /// lanes, for each row w of `matrix`: one tile's vector of points along one axis.
    @inline(__always)
    private static func apply(_ matrix: SparseRows<Scalar>, _ src: UnsafePointer<Scalar>, stride: Int,
                              into dst: UnsafeMutablePointer<Scalar>, stride dstStride: Int) {
        for w in 0 ..< matrix.rows {
            var sum = Lanes<Scalar>()
            for t in matrix.start[w] ..< matrix.start[w + 1] { sum += matrix.value[t] * load(src + matrix.index[t] * stride) }
            store(sum, dst + w * dstStride)
        }
    }

    /// out[i] = sum over row h's terms (k, v) of v * src[k * stride + i] for i < count: a whole
    /// row of vectors at once (a row of `matrix` is never empty).
    @inline(__always)
    private static func combine(_ matrix: SparseRows<Scalar>, row h: Int, _ src: UnsafePointer<Scalar>, stride: Int,
                                count: Int, into out: UnsafeMutablePointer<Scalar>) {
        combine(matrix, row: h, src, stride: stride, blocks: 1, length: count, step: 0, into: out, step: 0)
    }

    /// The same for `blocks` runs of `length` values, run b at src + b * step and out + b * outStep:
    /// out[b * outStep + i] = sum over row h's terms (k, v) of v * src[k * stride + b * step + i].
    /// Along the tiles of a row, each term is one pass over every tile's channels, so the terms
    /// are looked up once per row instead of once per vector.
    @inline(__always)
    private static func combine(_ matrix: SparseRows<Scalar>, row h: Int, _ src: UnsafePointer<Scalar>, stride: Int,
                                blocks: Int, length: Int, step: Int, into out: UnsafeMutablePointer<Scalar>,
                                step outStep: Int) {
        let first = matrix.start[h]
        Scalar.combineKernel(matrix.index + first, matrix.value + first, matrix.start[h + 1] - first, src, stride,
                             blocks, length, step, out, outStep)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Scalar>) -> Lanes<Scalar> {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes<Scalar>.self)
    }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Scalar>) -> Lanes<Scalar> { load(UnsafePointer(p)) }

    @inline(__always)
    private static func store(_ v: Lanes<Scalar>, _ p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes<Scalar>.self)
    }

    // MARK: - Planes and channel-last buffers

    /// Planes [channels, planeRows, planeColumns] into the channel-last buffer [rows, columns, stride]:
    /// buffer cell (r, q) takes plane cell (r + offset.row, q + offset.column), or zero where that
    /// lies outside the planes. The lanes past `channels` are left as they are (zero in scratch).
    private static func toChannelLast(_ planes: UnsafePointer<Scalar>, channels: Int, rows planeRows: Int,
                                      columns planeColumns: Int, from offset: (row: Int, column: Int),
                                      into buffer: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, stride: Int) {
        let plane = planeRows * planeColumns, width = Lanes<Scalar>.scalarCount
        let r = overlap(rows, planeRows, offset.row), q = overlap(columns, planeColumns, offset.column)
        let blocks = Blocks(columns: q, channels: channels)
        for row in 0 ..< rows {
            let dst = buffer + row * columns * stride
            guard r.contains(row) else {
                dst.update(repeating: 0, count: columns * stride)
                continue
            }
            dst.update(repeating: 0, count: q.lowerBound * stride)
            (dst + q.upperBound * stride).update(repeating: 0, count: (columns - q.upperBound) * stride)
            let src = planes + (row + offset.row) * planeColumns + offset.column
            for c in Swift.stride(from: 0, to: blocks.channels, by: width) {
                Scalar.transposeKernel(src + c * plane + q.lowerBound, plane, width, dst + q.lowerBound * stride + c,
                                       stride, width * stride, blocks.columns.count / width, nil, 0)
            }
            blocks.forEachRest(columns: q, channels: channels) { column, c in
                dst[column * stride + c] = src[c * plane + column]
            }
        }
    }

    /// The buffer indices i in 0 ..< count whose plane index i + offset lies in 0 ..< planeCount.
    private static func overlap(_ count: Int, _ planeCount: Int, _ offset: Int) -> Range<Int> {
        let lower = max(0, -offset)
        return lower ..< max(lower, min(count, planeCount - offset))
    }

    /// The inverse of `toChannelLast`: each plane cell (r + offset.row, q + offset.column) whose
    /// buffer cell (r, q) lies in the buffer takes its value, plus `bias` of its channel when
    /// given, and with `thenReLU` max(., 0) of that (`Kernel.positivePart`); the other plane
    /// cells are left as they are.
    private static func fromChannelLast(_ buffer: UnsafePointer<Scalar>, rows: Int, columns: Int, stride: Int,
                                        at offset: (row: Int, column: Int), into planes: UnsafeMutablePointer<Scalar>,
                                        channels: Int, rows planeRows: Int, columns planeColumns: Int,
                                        bias: UnsafePointer<Scalar>? = nil, thenReLU: Bool = false) {
        let plane = planeRows * planeColumns, width = Lanes<Scalar>.scalarCount
        let r = overlap(rows, planeRows, offset.row), q = overlap(columns, planeColumns, offset.column)
        let blocks = Blocks(columns: q, channels: channels)
        for row in r {
            let src = buffer + row * columns * stride
            let dst = planes + (row + offset.row) * planeColumns + offset.column
            for c in Swift.stride(from: 0, to: blocks.channels, by: width) {
                Scalar.transposeKernel(src + q.lowerBound * stride + c, stride, width * stride, dst + c * plane + q.lowerBound,
                                       plane, width, blocks.columns.count / width, bias.map { $0 + c }, thenReLU ? 1 : 0)
            }
            blocks.forEachRest(columns: q, channels: channels) { column, c in
                let value = src[column * stride + c], sum = bias.map { value + $0[c] } ?? value
                dst[c * plane + column] = thenReLU ? Kernel.positivePart(sum) : sum
            }
        }
    }

    /// The part of a row's columns and channels that the copies move as whole 8 x 8 blocks
    /// (`Scalar.transposeKernel`, whose blocks are eight by eight as `Lanes` is eight wide): the
    /// first whole blocks of columns of `q`, and of channels. Its ReLU is `Kernel.positivePart`
    /// lane by lane (NaN and -0 become 0).
    private struct Blocks {
        let columns: Range<Int>, channels: Int

        init(columns q: Range<Int>, channels: Int) {
            let width = Lanes<Scalar>.scalarCount
            columns = q.lowerBound ..< q.lowerBound + q.count / width * width
            self.channels = channels / width * width
        }

        /// `body(column, channel)` for every cell of the row outside the blocks, one at a time.
        @inline(__always)
        func forEachRest(columns q: Range<Int>, channels: Int, _ body: (Int, Int) -> Void) {
            for c in 0 ..< channels {
                for column in c < self.channels ? columns.upperBound ..< q.upperBound : q { body(column, c) }
            }
        }
    }
}
