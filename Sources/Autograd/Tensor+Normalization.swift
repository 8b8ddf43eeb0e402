// Normalisations with frozen parameters: LayerNorm over the last axis (the transformer's) and
// per-channel standardisation of NCHW pixels (torchvision's `Normalize`).

// MARK: - LayerNorm

extension Tensor {
    /// PyTorch `nn.LayerNorm(D, eps)` over the last axis with frozen affine parameters:
    /// y = (x - mean) / sqrt(var + eps) * weight + bias per row of D values, var the biased
    /// variance, both from sums over eight Float lanes added in Double (`Kernel.sumLanes`).
    /// Shapes: [..., D] -> [..., D], weight and
    /// bias [D]. Backward (to x only): with xhat the normalised row, g = dy * weight and
    /// r = 1 / sqrt(var + eps), dx = r (g - mean(g) - xhat mean(g xhat)); keeps xhat and r.
    public func layerNorm(weight: [Float], bias: [Float], eps: Float) -> Tensor {
        let norm = LayerNormalization(shape: shape, weight: weight, bias: bias, eps: eps)
        let (output, normalized, reciprocalStd) = norm.forward(data, keepNormalized: isTracked)
        return Tensor.result(shape: shape, data: output, inputs: [self]) { gradOut in
            [norm.backward(gradOut, normalized: normalized, reciprocalStd: reciprocalStd)]
        }
    }

    // MARK: - Per-channel normalisation

    /// torchvision's `Normalize(mean, std)` on NCHW: y[n, c] = (x[n, c] - mean[c]) / std[c],
    /// a subtraction then a division in Float, as PyTorch computes it. Backward: dy / std[c].
    public func normalizedChannels(mean: [Float], std: [Float]) -> Tensor {
        let (n, c, h, w) = nchw
        precondition(mean.count == c && std.count == c,
                     "normalizedChannels: \(mean.count) means and \(std.count) stds for input \(shape)")
        let plane = h * w
        let output = mapBuffer(data, count: count) { x, y in
            for image in 0 ..< n {
                for channel in 0 ..< c {
                    let offset = (image * c + channel) * plane, m = mean[channel], s = std[channel]
                    for p in offset ..< offset + plane { y[p] = (x[p] - m) / s }
                }
            }
        }
        return Tensor.result(shape: shape, data: output, inputs: [self]) { gradOut in
            [mapBuffer(gradOut, count: gradOut.count) { dy, dx in
                for image in 0 ..< n {
                    for channel in 0 ..< c {
                        let offset = (image * c + channel) * plane, s = std[channel]
                        for p in offset ..< offset + plane { dx[p] = dy[p] / s }
                    }
                }
            }]
        }
    }
}

/// LayerNorm over rows of `width` values with frozen weight and bias [width].
struct LayerNormalization<Scalar: BLASScalar> {
    let width: Int
    let weight: [Scalar], bias: [Scalar]
    let eps: Double

    init(shape: [Int], weight: [Scalar], bias: [Scalar], eps: Float) {
        precondition(!shape.isEmpty, "layerNorm: needs at least one axis, got \(shape)")
        width = shape[shape.count - 1]
        precondition(width > 0 && weight.count == width && bias.count == width,
                     "layerNorm: weight [\(weight.count)] and bias [\(bias.count)] for input \(shape)")
        self.weight = weight; self.bias = bias
        self.eps = Double(eps)
    }

    /// y, and with `keepNormalized` what the backward needs: the normalised rows xhat and
    /// 1 / sqrt(var + eps) per row (else both empty). Per row: mean, then the mean of squared
    /// deviations from it, then y = (x - mean) r weight + bias in the scalar type.
    func forward(_ input: [Scalar], keepNormalized: Bool) -> (output: [Scalar], normalized: [Scalar], reciprocalStd: [Scalar]) {
        let rows = input.count / width
        var reciprocalStd = [Scalar](repeating: 0, count: keepNormalized ? rows : 0)
        var normalized = [Scalar](repeating: 0, count: keepNormalized ? input.count : 0)
        let output = mapBuffer(input, count: input.count) { x, y in
            normalized.withUnsafeMutableBufferPointer { xhat in
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        for r in 0 ..< rows {
                            let row = x + r * width
                            let mean = Scalar(Kernel.sumLanes(width, row) { $0 } / Double(width))
                            let squares = Kernel.sumLanes(width, row) { v in (v - mean) * (v - mean) }
                            let inverse = Scalar(1 / (squares / Double(width) + eps).squareRoot())
                            if keepNormalized {
                                reciprocalStd[r] = inverse
                                Kernel.forEachLanes(width, row, xhat.baseAddress! + r * width) { ($0 - mean) * inverse }
                            }
                            Kernel.forEachLanes(width, row, w.baseAddress!, b.baseAddress!, y + r * width) { v, g, c in
                                (v - mean) * inverse * g + c
                            }
                        }
                    }
                }
            }
        }
        return (output, normalized, reciprocalStd)
    }

    /// dx = r (g - mean(g) - xhat mean(g xhat)), g = dy * weight, per row.
    func backward(_ gradOut: [Scalar], normalized: [Scalar], reciprocalStd: [Scalar]) -> [Scalar] {
        normalized.withUnsafeBufferPointer { xhat in
            weight.withUnsafeBufferPointer { w in
                mapBuffer(gradOut, count: gradOut.count) { dy, dx in
                    for r in 0 ..< reciprocalStd.count {
                        let start = r * width, row = dy + start, normal = xhat.baseAddress! + start
                        // g = dy * weight, kept in dx until dx is written.
                        Kernel.forEachLanes(width, row, w.baseAddress!, dx + start) { $0 * $1 }
                        let g = UnsafePointer(dx + start)
                        let meanG = Scalar(Kernel.sumLanes(width, g) { $0 } / Double(width))
                        let meanGX = Scalar(Kernel.sumLanes(width, g, normal) { $0 * $1 } / Double(width))
                        let inverse = reciprocalStd[r]
                        Kernel.forEachLanes(width, g, normal, dx + start) { u, v in (u - meanG - v * meanGX) * inverse }
                    }
                }
            }
        }
    }
}
