// The transformer's pointwise and row-wise nonlinearities: exact GELU and softmax over the
// last axis.

// MARK: - GELU

extension Tensor {
    /// The exact (erf) GELU, PyTorch `nn.GELU()`: y = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2,
    /// any shape, erf and exp as `Float.errorFunction` and `Float.exponential` compute them.
    /// Backward: dy (Phi(x) + x phi(x)) with phi(x) = exp(-x^2 / 2) / sqrt(2 pi); only x is kept.
    public func gelu() -> Tensor {
        let input = data
        return Tensor.result(shape: shape, data: Kernel.gelu(input), inputs: [self]) { gradOut in
            [Kernel.geluBackward(gradOut, input: input)]
        }
    }

    // MARK: - Softmax

    /// Softmax over the last axis: y = exp(x - max) / sum exp(x - max), per row (`Kernel.softmaxRow`).
    /// Backward: dx = y (dy - sum(dy y)) per row; only y is kept.
    public func softmaxLastAxis() -> Tensor {
        precondition(!shape.isEmpty && shape[shape.count - 1] > 0, "softmaxLastAxis: needs a non-empty last axis, got \(shape)")
        let width = shape[shape.count - 1]
        let output = Kernel.softmax(data, width: width)
        return Tensor.result(shape: shape, data: output, inputs: [self]) { gradOut in
            [Kernel.softmaxBackward(gradOut, output: output, width: width)]
        }
    }
}

extension Kernel {
    /// x Phi(x), Phi the standard normal CDF.
    static func gelu<Scalar: BLASScalar>(_ input: [Scalar]) -> [Scalar] {
        mapBuffer(input, count: input.count) { x, y in geluLanes(input.count, x, y) }
    }

    /// y = x Phi(x) for `count` values (y may be x).
    static func geluLanes<Scalar: BLASScalar>(_ count: Int, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>) {
        let inverseSqrt2 = Scalar(0.5.squareRoot())
        forEachLanes(count, x, y) { v in v * (Scalar.errorFunction(v * inverseSqrt2) + 1) * 0.5 }
    }

    /// dy (Phi(x) + x phi(x)).
    static func geluBackward<Scalar: BLASScalar>(_ gradOut: [Scalar], input: [Scalar]) -> [Scalar] {
        let inverseSqrt2 = Scalar(0.5.squareRoot()), inverseSqrt2Pi = Scalar(1 / (2 * Double.pi).squareRoot())
        return input.withUnsafeBufferPointer { x in
            mapBuffer(gradOut, count: gradOut.count) { dy, dx in
                forEachLanes(gradOut.count, x.baseAddress!, dy, dx) { v, g in
                    let cdf = (Scalar.errorFunction(v * inverseSqrt2) + 1) * 0.5
                    return g * (cdf + v * inverseSqrt2Pi * Scalar.exponential(v * v * -0.5))
                }
            }
        }
    }

    /// Row-wise softmax of rows of `width` values.
    static func softmax<Scalar: BLASScalar>(_ input: [Scalar], width: Int) -> [Scalar] {
        mapBuffer(input, count: input.count) { x, y in
            for start in stride(from: 0, to: input.count, by: width) { softmaxRow(x + start, y + start, width: width) }
        }
    }

    /// One row: y = exp(x - max) / sum, the exponentials summed in eight lanes and the lanes
    /// added in Double (y may be x).
    @inline(__always)
    static func softmaxRow<Scalar: BLASScalar>(_ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, width: Int) {
        let largest = maximum(width, x)
        var sums = Lanes<Scalar>()
        // Padding lanes hold -infinity, whose exponential is 0.
        forEachLanes(width, x, y, padding: -.infinity) { v in
            let e = Scalar.exponential(v - largest)
            sums += e
            return e
        }
        var sum = 0.0
        for lane in sums.indices { sum += Double(sums[lane]) }
        let scale = Scalar(1 / sum)
        forEachLanes(width, UnsafePointer(y), y) { $0 * scale }
    }

    /// dx = y (dy - sum(dy y)) per row.
    static func softmaxBackward<Scalar: BLASScalar>(_ gradOut: [Scalar], output: [Scalar], width: Int) -> [Scalar] {
        output.withUnsafeBufferPointer { yBuffer in
            mapBuffer(gradOut, count: gradOut.count) { dy, dx in
                let y = yBuffer.baseAddress!
                for start in stride(from: 0, to: gradOut.count, by: width) {
                    softmaxBackwardRow(dy + start, y + start, dx + start, width: width)
                }
            }
        }
    }

    /// One row of the softmax backward (dx may be dy), the dot product as `sumLanes` adds.
    @inline(__always)
    static func softmaxBackwardRow<Scalar: BLASScalar>(_ dy: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>,
                                                       _ dx: UnsafeMutablePointer<Scalar>, width: Int) {
        let shift = Scalar(sumLanes(width, dy, y) { $0 * $1 })
        forEachLanes(width, dy, y, dx) { g, p in p * (g - shift) }
    }
}
