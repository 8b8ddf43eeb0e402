// MARK: - Channel concat

extension Tensor {
    /// Concatenates NCHW tensors along channels; all must share N, H and W.
    /// Backward slices the output gradient back into each part.
    public static func concatChannels(_ parts: [Tensor]) -> Tensor {
        concatenate(parts, axis: AxisConcat.channelAxis(parts.map(\.shape)))
    }

    // MARK: - Linear

    /// y = x W^T + b over the last axis: x [..., in], frozen W [out, in] row-major and b [out]
    /// -> y [..., out]; the leading axes are rows of one GEMM.
    public func linear(weight: [Float], bias: [Float]?, outFeatures: Int) -> Tensor {
        let layer = LinearLayer(input: shape, weight: weight, bias: bias, outFeatures: outFeatures)
        return Tensor.result(shape: layer.outputShape, data: layer.forward(data), inputs: [self]) { gradOut in
            [layer.backward(gradOut)]
        }
    }

    // MARK: - Stack

    /// Stacks same-shaped tensors [1, ...] (or [...]) into one batch [N, ...]; constants only.
    public static func stack(_ items: [Tensor]) -> Tensor {
        precondition(!items.isEmpty, "stack: no tensors")
        let itemShape = items[0].shape.first == 1 ? Array(items[0].shape.dropFirst()) : items[0].shape
        let size = itemShape.reduce(1, *)
        var data = [Float]()
        data.reserveCapacity(size * items.count)
        for item in items {
            precondition(item.count == size, "stack: \(item.shape) does not match \(items[0].shape)")
            precondition(!item.isTracked, "stack: only constant tensors can be stacked")
            data.append(contentsOf: item.data)
        }
        return Tensor(shape: [items.count] + itemShape, data: data)
    }
}

/// A fully connected layer with frozen weights: y = x W^T + b, x [..., in] read as [N, in]
/// (N the product of the leading axes), W [out, in], b [out].
struct LinearLayer<Scalar: BLASScalar> {
    let leading: [Int]
    let n: Int, inFeatures: Int, outFeatures: Int
    let weight: [Scalar], bias: [Scalar]?

    init(input shape: [Int], weight: [Scalar], bias: [Scalar]?, outFeatures: Int) {
        precondition(shape.count >= 2, "linear: expected [..., in] of rank 2 or more, got \(shape)")
        leading = Array(shape.dropLast())
        (n, inFeatures) = (leading.reduce(1, *), shape[shape.count - 1])
        precondition(weight.count == outFeatures * inFeatures,
                     "linear: weight has \(weight.count) values, [\(outFeatures), \(inFeatures)] needs \(outFeatures * inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "linear: bias length \(bias!.count) != \(outFeatures)")
        self.outFeatures = outFeatures
        self.weight = weight; self.bias = bias
    }

    var outputShape: [Int] { leading + [outFeatures] }

    /// y [..., out]: the bias, then x W^T added by one GEMM.
    func forward(_ input: [Scalar]) -> [Scalar] {
        mapBuffer(input, count: n * outFeatures) { x, y in
            if let bias {
                bias.withUnsafeBufferPointer { b in
                    for row in 0 ..< n { (y + row * outFeatures).initialize(from: b.baseAddress!, count: outFeatures) }
                }
            }
            Scalar.gemm(transposeA: false, transposeB: true, m: n, n: outFeatures, k: inFeatures,
                        x, lda: inFeatures, weight, ldb: inFeatures, beta: bias == nil ? 0 : 1, y, ldc: outFeatures)
        }
    }

    /// dx [..., in] = dy [..., out] W [out, in].
    func backward(_ gradOut: [Scalar]) -> [Scalar] {
        mapBuffer(gradOut, count: n * inFeatures) { dy, dx in
            Scalar.gemm(transposeA: false, transposeB: false, m: n, n: inFeatures, k: outFeatures,
                        dy, lda: outFeatures, weight, ldb: inFeatures, beta: 0, dx, ldc: inFeatures)
        }
    }
}
