// Reshape, permute, concatenation and slicing along any axis: the moves that turn a patch grid
// into a token sequence and split attention into heads. Each backward is its inverse
// (reshape back, inverse permutation, split, zero-padding).

// MARK: - Reshape

extension Tensor {
    /// The same values, row-major, under a new shape of the same count. Backward: the gradient
    /// under the old shape.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.allSatisfy { $0 >= 0 } && newShape.reduce(1, *) == count,
                     "reshaped: \(shape) (\(count) values) cannot become \(newShape)")
        return Tensor.result(shape: newShape, data: data, inputs: [self]) { gradOut in [gradOut] }
    }

    // MARK: - Permute

    /// Axes reordered: output axis i is input axis `axes[i]` (PyTorch `permute`), copied to
    /// row-major order. Backward: the gradient permuted by the inverse permutation.
    public func permuted(_ axes: [Int]) -> Tensor {
        let permutation = AxisPermutation(shape: shape, axes: axes)
        return Tensor.result(shape: permutation.outputShape, data: permutation.apply(data), inputs: [self]) { gradOut in
            [permutation.inverse.apply(gradOut)]
        }
    }

    // MARK: - Concatenate and slice

    /// Concatenates tensors along `axis`; all must agree on every other axis (PyTorch `cat`).
    /// Backward: the gradient split back into the parts.
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        let layout = AxisConcat(parts.map(\.shape), axis: axis)
        return result(shape: layout.outputShape, data: layout.concatenate(parts.map(\.data)), inputs: parts) { gradOut in
            layout.split(gradOut)
        }
    }

    /// The entries `range` of axis `axis` (PyTorch `x.narrow(axis, start, length)`).
    /// Backward: the gradient placed at `range` of a zero tensor of the input's shape.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let slice = AxisSlice(shape: shape, axis: axis, range: range)
        return Tensor.result(shape: slice.outputShape, data: slice.take(data), inputs: [self]) { gradOut in
            [slice.embed(gradOut)]
        }
    }
}

// MARK: - Kernels

/// A permutation of a row-major tensor's axes: output axis i is input axis `axes[i]`.
struct AxisPermutation {
    let inputShape: [Int]
    let axes: [Int]

    init(shape: [Int], axes: [Int]) {
        precondition(axes.count == shape.count && axes.sorted() == Array(0 ..< shape.count),
                     "permuted: \(axes) is not a permutation of the axes of \(shape)")
        inputShape = shape
        self.axes = axes
    }

    var outputShape: [Int] { axes.map { inputShape[$0] } }

    /// The permutation that undoes this one, as a permutation of the output shape.
    var inverse: AxisPermutation {
        var back = [Int](repeating: 0, count: axes.count)
        for (i, axis) in axes.enumerated() { back[axis] = i }
        return AxisPermutation(shape: outputShape, axes: back)
    }

    /// y[i_0, ..., i_r] = x at input index with axis axes[k] = i_k; the output is walked in
    /// row-major order with an odometer over all but the last axis.
    func apply<Scalar: BLASScalar>(_ input: [Scalar]) -> [Scalar] {
        let rank = inputShape.count, total = input.count
        guard rank > 1, total > 0 else { return input }
        var inputStrides = [Int](repeating: 1, count: rank)
        for a in stride(from: rank - 2, through: 0, by: -1) { inputStrides[a] = inputStrides[a + 1] * inputShape[a + 1] }
        let outShape = outputShape
        let strides = axes.map { inputStrides[$0] }  // input stride of each output axis
        let inner = outShape[rank - 1], innerStride = strides[rank - 1]
        return mapBuffer(input, count: total) { x, y in
            var index = [Int](repeating: 0, count: rank - 1)
            var offset = 0, o = 0
            while o < total {
                let src = x + offset
                for j in 0 ..< inner { y[o + j] = src[j * innerStride] }
                o += inner
                // Advance the odometer over axes rank-2 ... 0.
                var a = rank - 2
                while a >= 0 {
                    index[a] += 1
                    offset += strides[a]
                    if index[a] < outShape[a] { break }
                    offset -= strides[a] * outShape[a]
                    index[a] = 0
                    a -= 1
                }
            }
        }
    }
}

/// Concatenation along one axis of row-major tensors that agree on every other axis, and its
/// inverse. Each part is `outer` blocks of (its extent along the axis) x `inner` values.
struct AxisConcat {
    let outer: Int, inner: Int
    /// Each part's extent along the axis, where it starts in the whole, and the whole's extent.
    let extents: [Int], offsets: [Int], total: Int
    let outputShape: [Int]

    init(_ shapes: [[Int]], axis: Int) {
        precondition(!shapes.isEmpty, "concatenate: nothing to concatenate")
        let first = shapes[0]
        precondition(axis >= 0 && axis < first.count, "concatenate: axis \(axis) out of range for \(first)")
        for shape in shapes {
            precondition(shape.count == first.count && (0 ..< shape.count).allSatisfy { $0 == axis || shape[$0] == first[$0] },
                         "concatenate: \(shape) does not match \(first) outside axis \(axis)")
        }
        outer = first[..<axis].reduce(1, *)
        inner = first[(axis + 1)...].reduce(1, *)
        extents = shapes.map { $0[axis] }
        var offsets = [Int](), total = 0
        for e in extents { offsets.append(total); total += e }
        self.offsets = offsets; self.total = total
        var shape = first
        shape[axis] = total
        outputShape = shape
    }

    /// Visits the blocks of `part`: their offsets in the part and in the whole, and their length.
    @inline(__always)
    private func forEachBlock(of part: Int, _ body: (_ inPart: Int, _ inWhole: Int, _ count: Int) -> Void) {
        let block = extents[part] * inner
        for b in 0 ..< outer { body(b * block, (b * total + offsets[part]) * inner, block) }
    }

    /// The whole from the parts' values.
    func concatenate<Scalar: BLASScalar>(_ parts: [[Scalar]]) -> [Scalar] {
        makeBuffer(outer * total * inner) { y in
            for (part, values) in parts.enumerated() {
                values.withUnsafeBufferPointer { x in
                    forEachBlock(of: part) { inPart, inWhole, count in
                        (y + inWhole).initialize(from: x.baseAddress! + inPart, count: count)
                    }
                }
            }
        }
    }

    /// The parts' values from the whole (concatenation's inverse and backward).
    func split<Scalar: BLASScalar>(_ whole: [Scalar]) -> [[Scalar]] {
        extents.indices.map { part in
            mapBuffer(whole, count: outer * extents[part] * inner) { y, x in
                forEachBlock(of: part) { inPart, inWhole, count in
                    (x + inPart).initialize(from: y + inWhole, count: count)
                }
            }
        }
    }
}

/// Entries `range` along one axis of a row-major tensor, and the zero-padded inverse.
struct AxisSlice {
    let outer: Int, inner: Int, extent: Int
    let range: Range<Int>
    let outputShape: [Int]

    init(shape: [Int], axis: Int, range: Range<Int>) {
        precondition(axis >= 0 && axis < shape.count, "sliced: axis \(axis) out of range for \(shape)")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "sliced: \(range) out of range for axis \(axis) of \(shape)")
        outer = shape[..<axis].reduce(1, *)
        inner = shape[(axis + 1)...].reduce(1, *)
        extent = shape[axis]
        self.range = range
        var output = shape
        output[axis] = range.count
        outputShape = output
    }

    /// The slice's values.
    func take<Scalar: BLASScalar>(_ input: [Scalar]) -> [Scalar] {
        let block = range.count * inner
        return mapBuffer(input, count: outer * block) { x, y in
            for b in 0 ..< outer {
                (y + b * block).initialize(from: x + (b * extent + range.lowerBound) * inner, count: block)
            }
        }
    }

    /// A zero tensor of the input's shape with `values` at the slice (the backward).
    func embed<Scalar: BLASScalar>(_ values: [Scalar]) -> [Scalar] {
        let block = range.count * inner
        return mapBuffer(values, count: outer * extent * inner, zeroed: true) { g, x in
            for b in 0 ..< outer {
                (x + (b * extent + range.lowerBound) * inner).update(from: g + b * block, count: block)
            }
        }
    }
}

extension AxisConcat {
    /// Axis 1, after checking that every part is NCHW (the channel concatenation of Inception's blocks).
    static func channelAxis(_ shapes: [[Int]]) -> Int {
        precondition(!shapes.isEmpty, "concatChannels: nothing to concatenate")
        for shape in shapes { _ = nchwExtents(shape) }
        return 1
    }
}
