// MARK: - ReLU

extension Tensor {
    /// max(x, 0), any shape. The gradient at exactly 0 is 0 (PyTorch's convention); only the mask
    /// x > 0 is kept. On a tape replaying a `Routing`, the recorded mask m decides instead:
    /// y = m ? x : 0, and the backward likewise.
    public func relu() -> Tensor {
        let values: [Float], mask: [Bool]
        if let decision = tape?.nextDecision(for: "relu", shape: shape) {
            guard case .relu(let recorded) = decision, recorded.count == count else {
                preconditionFailure("relu \(shape): recorded routing is \(decision.summary)")
            }
            (values, mask) = (Kernel.masked(data, by: recorded), recorded)
        } else {
            (values, mask) = Kernel.relu(data, keepMask: isTracked)
        }
        return Tensor.result(shape: shape, data: values, inputs: [self]) { gradOut in
            [Kernel.masked(gradOut, by: mask)]
        }
    }

    // MARK: - Affine map

    /// scale * x + shift, elementwise with scalar constants (e.g. pixels in [0,1] to [-1,1]: 2x - 1).
    public func affine(scale: Float, shift: Float) -> Tensor {
        Tensor.result(shape: shape, data: Kernel.affine(data, scale: scale, shift: shift), inputs: [self]) { gradOut in
            [gradOut.map { $0 * scale }]
        }
    }
}

extension Kernel {
    /// y = x > 0 ? x : 0; with `keepMask`, also mask = x > 0 (else an empty mask).
    static func relu<Scalar: BLASScalar>(_ input: [Scalar], keepMask: Bool) -> (values: [Scalar], mask: [Bool]) {
        guard keepMask else {
            return (mapBuffer(input, count: input.count) { x, y in
                for i in 0 ..< input.count { y[i] = positivePart(x[i]) }
            }, [])
        }
        var mask = [Bool](repeating: false, count: input.count)
        let values = mask.withUnsafeMutableBufferPointer { m in
            mapBuffer(input, count: input.count) { x, y in
                for i in 0 ..< input.count { let v = x[i]; m[i] = v > 0; y[i] = positivePart(v) }
            }
        }
        return (values, mask)
    }

    /// The ReLU's rule: v where v > 0, else +0 (NaN and -0 give +0). `Scalar.maximum(0, v)` is
    /// the same rule on eight lanes.
    @inline(__always)
    static func positivePart<Scalar: BLASScalar>(_ v: Scalar) -> Scalar { v > 0 ? v : 0 }

    /// y = mask ? x : 0 (a ReLU with given routing, and every ReLU's backward).
    static func masked<Scalar: BLASScalar>(_ input: [Scalar], by mask: [Bool]) -> [Scalar] {
        precondition(mask.count == input.count, "mask of \(mask.count) for \(input.count) values")
        return mask.withUnsafeBufferPointer { m in
            mapBuffer(input, count: input.count) { x, y in
                for i in 0 ..< input.count { y[i] = m[i] ? x[i] : 0 }
            }
        }
    }

    /// y = scale * x + shift.
    static func affine<Scalar: BLASScalar>(_ input: [Scalar], scale: Scalar, shift: Scalar) -> [Scalar] {
        mapBuffer(input, count: input.count) { x, y in
            for i in 0 ..< input.count { y[i] = scale * x[i] + shift }
        }
    }
}

// MARK: - Sum and per-feature scale

extension Tensor {
    /// Elementwise a + b of same-shaped tensors (residual connections; a constant operand such
    /// as position embeddings records nothing). Backward: dy to both.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "+: shapes \(a.shape) and \(b.shape) differ")
        let sum = a.data.withUnsafeBufferPointer { y in
            mapBuffer(b.data, count: b.count) { x, out in
                for i in 0 ..< b.count { out[i] = y[i] + x[i] }
            }
        }
        return result(shape: a.shape, data: sum, inputs: [a, b]) { gradOut in [gradOut, gradOut] }
    }

    /// y[..., d] = x[..., d] * gamma[d] with frozen gamma [D] over the last axis (LayerScale).
    /// Backward: dy * gamma.
    public func scaledLastAxis(by gamma: [Float]) -> Tensor {
        precondition(!shape.isEmpty && shape[shape.count - 1] == gamma.count,
                     "scaledLastAxis: gamma [\(gamma.count)] for input \(shape)")
        return Tensor.result(shape: shape, data: Kernel.scaleRows(data, by: gamma), inputs: [self]) { gradOut in
            [Kernel.scaleRows(gradOut, by: gamma)]
        }
    }
}

extension Tensor {
    /// The residual add of a LayerScaled branch, x + branch * gamma (`x + branch.scaledLastAxis(by:
    /// gamma)` in one pass): same-shaped x and branch [..., D], frozen gamma [D].
    /// Backward: dy to x, dy * gamma to the branch.
    public func adding(_ branch: Tensor, scaledBy gamma: [Float]) -> Tensor {
        precondition(shape == branch.shape, "adding(_:scaledBy:): shapes \(shape) and \(branch.shape) differ")
        precondition(!shape.isEmpty && shape[shape.count - 1] == gamma.count,
                     "adding(_:scaledBy:): gamma [\(gamma.count)] for input \(shape)")
        let sum = data.withUnsafeBufferPointer { x in
            mapBuffer(branch.data, count: count) { b, y in Kernel.addScaledRows(x.baseAddress!, b, gamma, y, count: count) }
        }
        return Tensor.result(shape: shape, data: sum, inputs: [self, branch]) { gradOut in
            [gradOut, Kernel.scaleRows(gradOut, by: gamma)]
        }
    }
}

extension Kernel {
    /// y = x + b * gamma per row of D = gamma.count values.
    static func addScaledRows<Scalar: BLASScalar>(_ x: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ gamma: [Scalar],
                                                  _ y: UnsafeMutablePointer<Scalar>, count: Int) {
        let width = gamma.count
        gamma.withUnsafeBufferPointer { g in
            for start in stride(from: 0, to: count, by: width) {
                for j in 0 ..< width { y[start + j] = x[start + j] + b[start + j] * g[j] }
            }
        }
    }

    /// y[r * D + d] = x[r * D + d] * gamma[d] for rows of D = gamma.count values.
    static func scaleRows<Scalar: BLASScalar>(_ input: [Scalar], by gamma: [Scalar]) -> [Scalar] {
        let width = gamma.count
        return gamma.withUnsafeBufferPointer { g in
            mapBuffer(input, count: input.count) { x, y in
                for start in stride(from: 0, to: input.count, by: width) {
                    for j in 0 ..< width { y[start + j] = x[start + j] * g[j] }
                }
            }
        }
    }
}
