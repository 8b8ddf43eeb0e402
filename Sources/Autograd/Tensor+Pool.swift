// MARK: - Windows

/// The input rows and columns each pooling window covers, clipped to the input (padding cells
/// are simply absent: they never win a max pool and are not counted by the average pool).
struct PoolWindows {
    let height: Int, width: Int
    let outH: Int, outW: Int
    /// Input rows of window row p, input columns of window column q.
    let rows: [Range<Int>], cols: [Range<Int>]

    init(input shape: [Int], kernel: Int, geometry: WindowGeometry) {
        let (_, _, h, w) = nchwExtents(shape)
        (height, width) = (h, w)
        (outH, outW) = geometry.outputSize(height: h, width: w, kernelH: kernel, kernelW: kernel)
        rows = (0 ..< outH).map { p in
            let start = p * geometry.strideH - geometry.padTop
            return max(start, 0) ..< min(start + kernel, h)
        }
        cols = (0 ..< outW).map { q in
            let start = q * geometry.strideW - geometry.padLeft
            return max(start, 0) ..< min(start + kernel, w)
        }
        let layout = PatchLayout(channels: 1, height: h, width: w, kernelH: kernel, kernelW: kernel,
                                 geometry: geometry, outH: outH, outW: outW)
        columnsOfTap = (0 ..< kernel).map { j in
            let valid = layout.validColumns(kernelColumn: j)
            return (valid, j - geometry.padLeft)
        }
        strideW = geometry.strideW
    }

    /// For window column j (a tap): the outputs q whose window covers input column
    /// q * strideW + offset inside the input, and that offset. Looping over rows of a window, then
    /// taps, then outputs visits each output's cells in the same order as a window-by-window
    /// scan, so sums and running maxima come out bit for bit the same, while the inner loop runs
    /// over a row of outputs and vectorises.
    let columnsOfTap: [(outputs: Range<Int>, offset: Int)]
    let strideW: Int

    /// `body(q, value)` for each output q of `tap` and the cell it reads in input row `row`, in
    /// increasing q; unit and double strides get loops of their own so that they vectorise.
    @inline(__always)
    private func forEachOutput<Scalar>(of tap: (outputs: Range<Int>, offset: Int), in row: UnsafePointer<Scalar>,
                                       _ body: (_ q: Int, _ value: Scalar) -> Void) {
        let first = tap.outputs.lowerBound, count = tap.outputs.count
        guard count > 0 else { return }
        let src = row + (first * strideW + tap.offset)
        switch strideW {
        case 1: for i in 0 ..< count { body(first &+ i, src[i]) }
        case 2: for i in 0 ..< count { body(first &+ i, src[i &* 2]) }
        default: for i in 0 ..< count { body(first &+ i, src[i &* strideW]) }
        }
    }

    var inPlane: Int { height * width }
    var outPlane: Int { outH * outW }

    /// The output shape for NCHW input `shape`.
    func outputShape(_ shape: [Int]) -> [Int] { [shape[0], shape[1], outH, outW] }

    // MARK: - Max pool

    /// Max pool of `planes` planes; with `keepArgmax`, also each output's argmax as an index
    /// inside its input plane (what the backward and the routing log need).
    func maxPool<Scalar: BLASScalar>(_ input: [Scalar], planes: Int, keepArgmax: Bool)
        -> (values: [Scalar], argmax: [Int32]) {
        if !keepArgmax && WindowMaximum<Scalar>.tieToleranceIsBelowOneUlp {
            return (maxPoolValues(input, planes: planes), [])
        }
        var argmax = [Int32](repeating: 0, count: keepArgmax ? planes * outPlane : 0)
        let values = argmax.withUnsafeMutableBufferPointer { indices in
            mapBuffer(input, count: planes * outPlane) { x, y in
                var o = 0
                for plane in 0 ..< planes {
                    let src = x + plane * inPlane
                    for p in 0 ..< outH {
                        for q in 0 ..< outW {
                            let (value, index) = maximum(src, rows[p], cols[q])
                            y[o] = value
                            if keepArgmax { indices[o] = Int32(index) }
                            o += 1
                        }
                    }
                }
            }
        }
        return (values, argmax)
    }

    /// The maximum of one window of plane `src` under the max-pool rule (`WindowMaximum`), and
    /// its index in the plane.
    @inline(__always)
    private func maximum<Scalar: BLASScalar>(_ src: UnsafePointer<Scalar>, _ rows: Range<Int>, _ cols: Range<Int>)
        -> (Scalar, Int) {
        var best = WindowMaximum<Scalar>(firstIndex: rows.lowerBound * width + cols.lowerBound)
        for r in rows {
            for s in cols {
                guard best.offer(src[r * width + s], at: r * width + s) else { return (best.value, best.index) }
            }
        }
        return (best.value, best.index)
    }

    /// The max pool's values alone, a whole output row at a time (`columnsOfTap`), for a scalar type
    /// in which `WindowMaximum`'s rule is exactly "v > best, and NaN wins": a later NaN replaces an
    /// earlier one, which changes no value.
    private func maxPoolValues<Scalar: BLASScalar>(_ input: [Scalar], planes: Int) -> [Scalar] {
        mapBuffer(input, count: planes * outPlane) { x, y in
            for plane in 0 ..< planes {
                let src = x + plane * inPlane
                for p in 0 ..< outH {
                    let best = y + plane * outPlane + p * outW
                    best.initialize(repeating: -Scalar.infinity, count: outW)
                    for r in rows[p] {
                        let row = src + r * width
                        for tap in columnsOfTap {
                            forEachOutput(of: tap, in: row) { q, v in
                                let b = best[q]
                                best[q] = v > b || v != v ? v : b
                            }
                        }
                    }
                }
            }
        }
    }

    /// y[i] = x[argmax[i]] within each plane: a max pool whose choices are given.
    func gather<Scalar: BLASScalar>(_ input: [Scalar], at argmax: [Int32], planes: Int) -> [Scalar] {
        mapBuffer(input, count: planes * outPlane) { x, y in
            for plane in 0 ..< planes {
                let src = x + plane * inPlane
                for i in plane * outPlane ..< (plane + 1) * outPlane { y[i] = src[Int(argmax[i])] }
            }
        }
    }

    /// The max pool's backward: each output gradient goes to its window's argmax.
    func scatter<Scalar: BLASScalar>(_ gradOut: [Scalar], to argmax: [Int32], planes: Int) -> [Scalar] {
        mapBuffer(gradOut, count: planes * inPlane, zeroed: true) { dy, dx in
            for plane in 0 ..< planes {
                let dst = dx + plane * inPlane
                for i in plane * outPlane ..< (plane + 1) * outPlane { dst[Int(argmax[i])] += dy[i] }
            }
        }
    }

    // MARK: - Average pool

    /// 1 / (cells of window (p, q) inside the input), per output position.
    private func reciprocalCellCounts<Scalar: BLASScalar>() -> [Scalar] {
        rows.flatMap { r in cols.map { c in 1 / Scalar(r.count * c.count) } }
    }

    /// Average pool with `count_include_pad=False`: each window's sum times `reciprocalCellCounts`.
    /// Separable: each input row's window sums (left to right from 0) are taken once, into
    /// `rowSums` [height, outW], and each output adds its rows' sums top to bottom from 0: the
    /// same order as summing window by window. Where a whole band of output rows has full
    /// windows at stride 1, the band's rows are added in one run over the band.
    func averagePool<Scalar: BLASScalar>(_ input: [Scalar], planes: Int) -> [Scalar] {
        let scale: [Scalar] = reciprocalCellCounts()
        let rowSums = UnsafeMutablePointer<Scalar>.allocate(capacity: height * outW)
        defer { rowSums.deallocate() }
        let band = fullBand
        return mapBuffer(input, count: planes * outPlane) { x, y in
            for plane in 0 ..< planes {
                let src = x + plane * inPlane, dst = y + plane * outPlane
                rowSums.initialize(repeating: 0, count: height * outW)
                for r in 0 ..< height {
                    let sums = rowSums + r * outW
                    for tap in columnsOfTap {
                        forEachOutput(of: tap, in: src + r * width) { q, v in sums[q] += v }
                    }
                }
                dst.initialize(repeating: 0, count: outPlane)
                if let band {
                    let first = band.rows.lowerBound * outW, count = band.rows.count * outW
                    for k in 0 ..< band.kernel {
                        let sums = rowSums + (first + (k - band.padTop) * outW), out = dst + first
                        for i in 0 ..< count { out[i] += sums[i] }
                    }
                }
                for p in 0 ..< outH where !(band?.rows.contains(p) ?? false) {
                    let out = dst + p * outW
                    for r in rows[p] {
                        let sums = rowSums + r * outW
                        for q in 0 ..< outW { out[q] += sums[q] }
                    }
                }
                for i in 0 ..< outPlane { dst[i] *= scale[i] }
            }
        }
    }

    /// At vertical stride 1, the output rows whose windows lie wholly inside the input (window row
    /// k of output p is input row p - padTop + k), with the kernel height and top padding.
    private var fullBand: (rows: Range<Int>, kernel: Int, padTop: Int)? {
        guard let kernel = rows.map(\.count).max(), kernel > 0 else { return nil }
        let full = rows.indices.filter { rows[$0].count == kernel }
        guard let first = full.first, let last = full.last, full.count == last - first + 1 else { return nil }
        let padTop = first - rows[first].lowerBound
        guard full.allSatisfy({ rows[$0].lowerBound == $0 - padTop }) else { return nil }
        return (first ..< last + 1, kernel, padTop)
    }

    /// The average pool's backward: each output gradient, times its scale, goes to every cell of its window.
    func averagePoolBackward<Scalar: BLASScalar>(_ gradOut: [Scalar], planes: Int) -> [Scalar] {
        let scale: [Scalar] = reciprocalCellCounts()
        return mapBuffer(gradOut, count: planes * inPlane, zeroed: true) { dy, dx in
            for plane in 0 ..< planes {
                let dst = dx + plane * inPlane
                for p in 0 ..< outH {
                    for q in 0 ..< outW {
                        let g = dy[plane * outPlane + p * outW + q] * scale[p * outW + q]
                        for r in rows[p] {
                            for s in cols[q] { dst[r * width + s] += g }
                        }
                    }
                }
            }
        }
    }
}

// MARK: - The max-pool rule

/// Relative distance within which max-pool candidates tie (see `WindowMaximum`).
let maxPoolTieTolerance = 1e-12

/// The running maximum of a max-pool window scanned in row-major order, starting from
/// -infinity at the window's first cell: the one max-pool rule, for Float and Double alike.
///
/// A candidate v replaces the maximum so far, best, when v > best and v - best > 1e-12 * |best|
/// (the first condition is implied by the second; it keeps the common case to one comparison).
/// - Ties: of equal values the first wins, as in PyTorch. In Double, candidates within the
///   tolerance tie too: the float64 pass cannot order them reliably, and they arise where
///   PyTorch's float32 values are exactly equal (flat regions of saturated or binary images),
///   where its first maximum wins. In Float the tolerance never matters: two different float32
///   values differ by at least one ulp (2^-24 * |best| or more, or the smallest subnormal),
///   far above 1e-12 * |best|, so the rule is exactly v > best.
/// - NaN: a NaN candidate always wins and ends the scan, so the window yields NaN, as in
///   PyTorch; its cell receives the gradient.
/// - Infinities: padding cells are not in the window at all, so -infinity only comes from the
///   data. While best is -infinity any larger value wins (v - best is then +infinity, so the
///   margin starts at -infinity rather than 1e-12 * |best| = +infinity); a window of only
///   -infinity yields -infinity at its first cell. Once best is +infinity nothing else wins.
struct WindowMaximum<Scalar: BinaryFloatingPoint> {
    private(set) var value = -Scalar.infinity
    private(set) var index: Int
    /// How far a candidate must exceed `value` to replace it: 1e-12 * |value|, or -infinity
    /// while `value` is -infinity.
    private var margin = -Scalar.infinity

    init(firstIndex: Int) {
        index = firstIndex
    }

    /// Whether the tolerance is below half an ulp of `Scalar` (true for Float): then two different
    /// values never tie, v > best implies the margin test, and the test reduces to v > best.
    @inline(__always)
    static var tieToleranceIsBelowOneUlp: Bool {
        Scalar(maxPoolTieTolerance) < Scalar.ulpOfOne / 2
    }

    /// Offers candidate `v` at cell `cell`; returns false when the scan should stop (v is NaN).
    @inline(__always)
    mutating func offer(_ v: Scalar, at cell: Int) -> Bool {
        if v.isNaN {
            (value, index) = (v, cell)
            return false
        }
        if v > value && (Self.tieToleranceIsBelowOneUlp || v - value > margin) {
            (value, index) = (v, cell)
            margin = Scalar(maxPoolTieTolerance) * abs(v)
        }
        return true
    }
}

// MARK: - Tensor ops

extension Tensor {
    /// Max pool over k x k windows (PyTorch `max_pool2d`; padding cells never win).
    ///
    /// Shapes: [N, C, H, W] -> [N, C, Ho, Wo]. Ties, NaN and infinities follow `WindowMaximum`;
    /// the backward sends each output gradient to the recorded argmax only. On a tape replaying
    /// a `Routing`, the recorded argmax decides instead.
    public func maxPool2d(kernel: Int, _ geometry: WindowGeometry) -> Tensor {
        let windows = PoolWindows(input: shape, kernel: kernel, geometry: geometry)
        let planes = shape[0] * shape[1], outShape = windows.outputShape(shape)
        let values: [Float], argmax: [Int32]
        if let decision = tape?.nextDecision(for: "maxPool2d", shape: shape) {
            guard case .maxPool(let recorded) = decision, recorded.count == planes * windows.outPlane else {
                preconditionFailure("maxPool2d \(shape) -> \(outShape): recorded routing is \(decision.summary)")
            }
            (values, argmax) = (windows.gather(data, at: recorded, planes: planes), recorded)
        } else {
            (values, argmax) = windows.maxPool(data, planes: planes, keepArgmax: isTracked)
        }
        return Tensor.result(shape: outShape, data: values, inputs: [self]) { gradOut in
            [windows.scatter(gradOut, to: argmax, planes: planes)]
        }
    }

    /// Average pool over k x k windows with `count_include_pad=False`: each output divides by the
    /// number of window cells inside the input, so border outputs average fewer values.
    /// Shapes: [N, C, H, W] -> [N, C, Ho, Wo].
    public func avgPool2dExcludingPad(kernel: Int, _ geometry: WindowGeometry) -> Tensor {
        let windows = PoolWindows(input: shape, kernel: kernel, geometry: geometry)
        let planes = shape[0] * shape[1]
        return Tensor.result(shape: windows.outputShape(shape), data: windows.averagePool(data, planes: planes),
                             inputs: [self]) { gradOut in
            [windows.averagePoolBackward(gradOut, planes: planes)]
        }
    }

    /// Mean over the spatial axes (adaptive average pool to 1x1, flattened): [N, C, H, W] -> [N, C].
    public func globalMeanPool() -> Tensor {
        let (n, c, h, w) = nchw
        return Tensor.result(shape: [n, c], data: Kernel.globalMean(data, planes: n * c, plane: h * w),
                             inputs: [self]) { gradOut in
            [Kernel.globalMeanBackward(gradOut, plane: h * w)]
        }
    }
}

// MARK: - Global mean

extension Kernel {
    /// y[i] = (sum of plane i) / plane, for `planes` planes of `plane` values.
    static func globalMean<Scalar: BLASScalar>(_ input: [Scalar], planes: Int, plane: Int) -> [Scalar] {
        let scale = 1 / Scalar(plane)
        return mapBuffer(input, count: planes) { x, y in
            for i in 0 ..< planes {
                var sum: Scalar = 0
                let src = x + i * plane
                for p in 0 ..< plane { sum += src[p] }
                y[i] = sum * scale
            }
        }
    }

    /// The global mean's backward: every cell of plane i gets dy[i] / plane.
    static func globalMeanBackward<Scalar: BLASScalar>(_ gradOut: [Scalar], plane: Int) -> [Scalar] {
        let scale = 1 / Scalar(plane)
        return mapBuffer(gradOut, count: gradOut.count * plane) { dy, dx in
            for i in 0 ..< gradOut.count { (dx + i * plane).initialize(repeating: dy[i] * scale, count: plane) }
        }
    }
}
