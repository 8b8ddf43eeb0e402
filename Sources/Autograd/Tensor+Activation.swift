#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The transformer's pointwise and row-wise nonlinearities: exact GELU and softmax over the
// last axis.

// MARK: - GELU

extension Tensor {
    /// The exact (erf) GELU, PyTorch `nn.GELU()`: y = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2,
    /// any shape, with the C library's `erff`. Backward: dy (Phi(x) + x phi(x)) with
    /// phi(x) = exp(-x^2 / 2) / sqrt(2 pi); only x is kept.
    public func gelu() -> Tensor {
        let input = data
        return Tensor.result(shape: shape, data: Kernel.gelu(input), inputs: [self]) { gradOut in
            [Kernel.geluBackward(gradOut, input: input)]
        }
    }

    // MARK: - Softmax

    /// Softmax over the last axis: y = exp(x - max) / sum exp(x - max), per row, with `expf` and
    /// the sum in Double. Backward: dx = y (dy - sum(dy y)) per row; only y is kept.
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
        let inverseSqrt2 = Scalar(0.5.squareRoot())
        return mapBuffer(input, count: input.count) { x, y in
            for i in 0 ..< input.count {
                let v = x[i]
                y[i] = 0.5 * v * (1 + Scalar.errorFunction(v * inverseSqrt2))
            }
        }
    }

    /// dy (Phi(x) + x phi(x)).
    static func geluBackward<Scalar: BLASScalar>(_ gradOut: [Scalar], input: [Scalar]) -> [Scalar] {
        let inverseSqrt2 = Scalar(0.5.squareRoot()), inverseSqrt2Pi = Scalar(1 / (2 * Double.pi).squareRoot())
        return input.withUnsafeBufferPointer { x in
            mapBuffer(gradOut, count: gradOut.count) { dy, dx in
                for i in 0 ..< gradOut.count {
                    let v = x[i]
                    let cdf = 0.5 * (1 + Scalar.errorFunction(v * inverseSqrt2))
                    dx[i] = dy[i] * (cdf + v * inverseSqrt2Pi * Scalar.exponential(-0.5 * v * v))
                }
            }
        }
    }

    /// Row-wise softmax of rows of `width` values.
    static func softmax<Scalar: BLASScalar>(_ input: [Scalar], width: Int) -> [Scalar] {
        mapBuffer(input, count: input.count) { x, y in
            for start in stride(from: 0, to: input.count, by: width) {
                let row = x + start, out = y + start
                var largest = row[0]
                for j in 1 ..< width where row[j] > largest { largest = row[j] }
                var sum = 0.0
                for j in 0 ..< width {
                    let e = Scalar.exponential(row[j] - largest)
                    out[j] = e
                    sum += Double(e)
                }
                let scale = Scalar(1 / sum)
                for j in 0 ..< width { out[j] *= scale }
            }
        }
    }

    /// dx = y (dy - sum(dy y)) per row.
    static func softmaxBackward<Scalar: BLASScalar>(_ gradOut: [Scalar], output: [Scalar], width: Int) -> [Scalar] {
        output.withUnsafeBufferPointer { yBuffer in
            mapBuffer(gradOut, count: gradOut.count) { dy, dx in
                let y = yBuffer.baseAddress!
                for start in stride(from: 0, to: gradOut.count, by: width) {
                    var dot = 0.0
                    for j in start ..< start + width { dot += Double(dy[j]) * Double(y[j]) }
                    let shift = Scalar(dot)
                    for j in start ..< start + width { dx[j] = y[j] * (dy[j] - shift) }
                }
            }
        }
    }
}

// MARK: - The C library at each precision

extension Float {
    static func exponential(_ x: Float) -> Float { expf(x) }
    static func errorFunction(_ x: Float) -> Float { erff(x) }
}

extension Double {
    static func exponential(_ x: Double) -> Double { exp(x) }
    static func errorFunction(_ x: Double) -> Double { erf(x) }
}
