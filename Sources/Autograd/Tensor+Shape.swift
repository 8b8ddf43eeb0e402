// MARK: - Channel concat

extension Tensor {
    /// Concatenates NCHW tensors along channels; all must share N, H and W.
    /// Backward slices the output gradient back into each part.
    public static func concatChannels(_ parts: [Tensor]) -> Tensor {
        let layout = ChannelConcat(parts.map(\.shape))
        return result(shape: layout.outputShape, data: layout.concatenate(parts.map(\.data)), inputs: parts) { gradOut in
            layout.split(gradOut)
        }
    }

    // MARK: - Linear

    /// y = x W^T + b for x [N, in], frozen W [out, in] row-major and b [out] -> y [N, out].
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

/// Channel concatenation of NCHW parts that share N, H and W, and its inverse.
struct ChannelConcat {
    let n: Int, plane: Int
    /// Channels of each part, where each part starts in the whole, and the whole's channel count.
    let channels: [Int], offsets: [Int], total: Int
    let outputShape: [Int]

    init(_ shapes: [[Int]]) {
        precondition(!shapes.isEmpty, "concatChannels: nothing to concatenate")
        let (n, _, h, w) = nchwExtents(shapes[0])
        for shape in shapes {
            let p = nchwExtents(shape)
            precondition(p.n == n && p.h == h && p.w == w,
                         "concatChannels: \(shape) does not match \(shapes[0]) outside channels")
        }
        self.n = n; plane = h * w
        channels = shapes.map { $0[1] }
        var offsets = [Int](), total = 0
        for c in channels { offsets.append(total); total += c }
        self.offsets = offsets; self.total = total
        outputShape = [n, total, h, w]
    }

    /// Visits the per-image blocks of `part`: their offsets in the part and in the whole, and their length.
    @inline(__always)
    private func forEachBlock(of part: Int, _ body: (_ inPart: Int, _ inWhole: Int, _ count: Int) -> Void) {
        let c = channels[part]
        for b in 0 ..< n { body(b * c * plane, (b * total + offsets[part]) * plane, c * plane) }
    }

    /// [N, sum c, H, W] from the parts' values.
    func concatenate<Scalar: BLASScalar>(_ parts: [[Scalar]]) -> [Scalar] {
        makeBuffer(n * total * plane) { y in
            for (part, values) in parts.enumerated() {
                values.withUnsafeBufferPointer { x in
                    forEachBlock(of: part) { inPart, inWhole, count in
                        (y + inWhole).initialize(from: x.baseAddress! + inPart, count: count)
                    }
                }
            }
        }
    }

    /// The parts' values from [N, sum c, H, W] (concatenation's inverse and backward).
    func split<Scalar: BLASScalar>(_ whole: [Scalar]) -> [[Scalar]] {
        channels.indices.map { part in
            mapBuffer(whole, count: n * channels[part] * plane) { y, x in
                forEachBlock(of: part) { inPart, inWhole, count in
                    (x + inPart).initialize(from: y + inWhole, count: count)
                }
            }
        }
    }
}

/// A fully connected layer with frozen weights: y = x W^T + b, x [N, in], W [out, in], b [out].
struct LinearLayer<Scalar: BLASScalar> {
    let n: Int, inFeatures: Int, outFeatures: Int
    let weight: [Scalar], bias: [Scalar]?

    init(input shape: [Int], weight: [Scalar], bias: [Scalar]?, outFeatures: Int) {
        precondition(shape.count == 2, "linear: expected [N, in], got \(shape)")
        (n, inFeatures) = (shape[0], shape[1])
        precondition(weight.count == outFeatures * inFeatures,
                     "linear: weight has \(weight.count) values, [\(outFeatures), \(inFeatures)] needs \(outFeatures * inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "linear: bias length \(bias!.count) != \(outFeatures)")
        self.outFeatures = outFeatures
        self.weight = weight; self.bias = bias
    }

    var outputShape: [Int] { [n, outFeatures] }

    /// y [N, out]: the bias, then x W^T added by one GEMM.
    func forward(_ input: [Scalar]) -> [Scalar] {
        mapBuffer(input, count: n * outFeatures) { x, y in
            for b in 0 ..< n {
                for o in 0 ..< outFeatures { y[b * outFeatures + o] = bias?[o] ?? 0 }
            }
            Scalar.gemm(transposeA: false, transposeB: true, m: n, n: outFeatures, k: inFeatures,
                        x, lda: inFeatures, weight, ldb: inFeatures, beta: 1, y, ldc: outFeatures)
        }
    }

    /// dx [N, in] = dy [N, out] W [out, in].
    func backward(_ gradOut: [Scalar]) -> [Scalar] {
        mapBuffer(gradOut, count: n * inFeatures) { dy, dx in
            Scalar.gemm(transposeA: false, transposeB: false, m: n, n: inFeatures, k: outFeatures,
                        dy, lda: outFeatures, weight, ldb: inFeatures, beta: 0, dx, ldc: inFeatures)
        }
    }
}
