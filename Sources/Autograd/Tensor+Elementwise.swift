// MARK: - ReLU

extension Tensor {
    /// max(x, 0). The gradient at exactly 0 is 0 (PyTorch's convention); only the mask is kept.
    /// On a tape replaying a `Routing`, the recorded mask m decides instead: y = m ? x : 0.
    public func relu() -> Tensor {
        if let decision = tape?.nextDecision(for: "relu", shape: shape) {
            guard case .relu(let mask) = decision, mask.count == count else {
                preconditionFailure("relu \(shape): recorded routing is \(decision.summary)")
            }
            return relu(mask: mask)
        }
        let tracked = isTracked
        var mask = [Bool](repeating: false, count: tracked ? count : 0)
        let output = makeBuffer(count) { out in
            data.withUnsafeBufferPointer { x in
                mask.withUnsafeMutableBufferPointer { m in
                    if tracked {
                        for i in 0 ..< x.count { let v = x[i]; m[i] = v > 0; out[i] = v > 0 ? v : 0 }
                    } else {
                        for i in 0 ..< x.count { let v = x[i]; out[i] = v > 0 ? v : 0 }
                    }
                }
            }
        }
        return Tensor.result(shape: shape, data: output, inputs: [self]) { gradOut in
            [makeBuffer(gradOut.count) { dx in
                gradOut.withUnsafeBufferPointer { g in
                    mask.withUnsafeBufferPointer { m in
                        for i in 0 ..< dx.count { dx[i] = m[i] ? g[i] : 0 }
                    }
                }
            }]
        }
    }

    /// y = mask ? x : 0, backward likewise (the ReLU with a given routing).
    private func relu(mask: [Bool]) -> Tensor {
        let output = makeBuffer(count) { out in
            for i in 0 ..< count { out[i] = mask[i] ? data[i] : 0 }
        }
        return Tensor.result(shape: shape, data: output, inputs: [self]) { gradOut in
            [makeBuffer(gradOut.count) { dx in
                for i in 0 ..< dx.count { dx[i] = mask[i] ? gradOut[i] : 0 }
            }]
        }
    }

    // MARK: - Affine maps

    /// scale * x + shift, elementwise with scalar constants (e.g. pixels in [0,1] to [-1,1]: 2x - 1).
    public func affine(scale: Float, shift: Float) -> Tensor {
        let output = makeBuffer(count) { out in
            data.withUnsafeBufferPointer { x in
                for i in 0 ..< x.count { out[i] = scale * x[i] + shift }
            }
        }
        return Tensor.result(shape: shape, data: output, inputs: [self]) { gradOut in
            [gradOut.map { $0 * scale }]
        }
    }

    /// Per-channel scale[c] * x + shift[c] on NCHW data (or [N, C]).
    public func channelAffine(scale: [Float], shift: [Float]) -> Tensor {
        precondition(rank == 4 || rank == 2, "channelAffine: expected NCHW or NC, got \(shape)")
        let n = shape[0], c = shape[1], plane = count / max(n * c, 1)
        precondition(scale.count == c && shift.count == c,
                     "channelAffine: \(scale.count) scales / \(shift.count) shifts for \(c) channels of \(shape)")
        let output = makeBuffer(count) { out in
            data.withUnsafeBufferPointer { x in
                for b in 0 ..< n {
                    for ch in 0 ..< c {
                        let base = (b * c + ch) * plane, a = scale[ch], s = shift[ch]
                        for p in 0 ..< plane { out[base + p] = a * x[base + p] + s }
                    }
                }
            }
        }
        return Tensor.result(shape: shape, data: output, inputs: [self]) { gradOut in
            [makeBuffer(gradOut.count) { dx in
                for b in 0 ..< n {
                    for ch in 0 ..< c {
                        let base = (b * c + ch) * plane, a = scale[ch]
                        for p in 0 ..< plane { dx[base + p] = a * gradOut[base + p] }
                    }
                }
            }]
        }
    }

    /// Inference batch norm: (x - mean) / sqrt(var + eps) * gamma + beta per channel,
    /// composed from `channelAffine`. Inception-v3 uses eps = 1e-3.
    public func batchNorm(_ parameters: BatchNormParameters) -> Tensor {
        let (scale, shift) = parameters.scaleAndShift()
        return channelAffine(scale: scale, shift: shift)
    }
}

/// Frozen batch-norm statistics and affine parameters of one layer, each [C].
public struct BatchNormParameters {
    public let gamma: [Float], beta: [Float], runningMean: [Float], runningVar: [Float]
    public let eps: Float

    public init(gamma: [Float], beta: [Float], runningMean: [Float], runningVar: [Float], eps: Float = 1e-3) {
        let c = gamma.count
        precondition(beta.count == c && runningMean.count == c && runningVar.count == c,
                     "batch norm parameter lengths differ: \(gamma.count), \(beta.count), \(runningMean.count), \(runningVar.count)")
        self.gamma = gamma; self.beta = beta; self.runningMean = runningMean; self.runningVar = runningVar
        self.eps = eps
    }

    /// scale = gamma / sqrt(var + eps), shift = beta - mean * scale (computed in Double).
    public func scaleAndShift() -> (scale: [Float], shift: [Float]) {
        let (scale, shift) = scaleAndShift64()
        return (scale.map(Float.init), shift.map(Float.init))
    }

    /// `scaleAndShift` before rounding to Float.
    public func scaleAndShift64() -> (scale: [Double], shift: [Double]) {
        var scale = [Double](), shift = [Double]()
        for c in 0 ..< gamma.count {
            let s = Double(gamma[c]) / (Double(runningVar[c]) + Double(eps)).squareRoot()
            scale.append(s)
            shift.append(Double(beta[c]) - Double(runningMean[c]) * s)
        }
        return (scale, shift)
    }
}
