/// A dense float32 tensor in NCHW layout (batch, channels, height, width), row-major.
///
/// Layout is stated once here and every op assumes it: the last axis varies fastest.
/// A tensor either is a constant (no tape: ops on it record nothing) or belongs to a `Tape`,
/// in which case every op that consumes it records how to send gradients back to it.
/// The tape owns what it recorded, and a tensor refers to its tape weakly: once the caller lets
/// go of the tape, the tape and its records are freed, and a tensor kept beyond that is a
/// constant with its values and gradient.
public final class Tensor {
    public let shape: [Int]
    public internal(set) var data: [Float]
    /// The tape recording ops on this tensor, or nil for constants (and once the tape is gone).
    public private(set) weak var tape: Tape?
    /// Index of the tape record that produced this tensor (nil for watched inputs and constants).
    let creator: Int?
    /// d(objective)/d(self) after `Tape.backward`, same shape as `data`; nil if no gradient reached it.
    public internal(set) var grad: [Float]?
    /// Keep `grad` after the backward pass has used it (inputs and named activations).
    public internal(set) var retainsGrad: Bool

    /// A constant tensor (no tape).
    public convenience init(shape: [Int], data: [Float]) {
        self.init(shape: shape, data: data, tape: nil, creator: nil)
    }

    init(shape: [Int], data: [Float], tape: Tape?, creator: Int?, retainsGrad: Bool = false) {
        checkCount(shape, data.count, "Tensor")
        self.shape = shape; self.data = data
        self.tape = tape; self.creator = creator; self.retainsGrad = retainsGrad
    }

    public var count: Int { data.count }
    public var isTracked: Bool { tape != nil }

    /// Asks the tape to keep this tensor's gradient after backward (for activations a caller reads).
    public func retainGrad() { retainsGrad = true }

    /// The four NCHW extents; traps with the shape if the tensor is not rank 4.
    public var nchw: (n: Int, c: Int, h: Int, w: Int) { nchwExtents(shape) }

    /// The sub-tensor of batch item `index` as a new constant tensor [1, ...].
    public func item(_ index: Int) -> Tensor {
        precondition(index >= 0 && index < shape[0], "item \(index) out of range for shape \(shape)")
        let size = count / shape[0]
        return Tensor(shape: [1] + shape.dropFirst(), data: Array(data[index * size ..< (index + 1) * size]))
    }
}

// MARK: - Shapes (shared with `Tensor64`)

/// Traps unless `shape` holds exactly `count` values.
func checkCount(_ shape: [Int], _ count: Int, _ type: String) {
    precondition(shape.reduce(1, *) == count,
                 "\(type): shape \(shape) needs \(shape.reduce(1, *)) values, got \(count)")
}

/// The four extents of an NCHW shape; traps with the shape if it is not rank 4.
func nchwExtents(_ shape: [Int]) -> (n: Int, c: Int, h: Int, w: Int) {
    precondition(shape.count == 4, "expected an NCHW tensor, got shape \(shape)")
    return (shape[0], shape[1], shape[2], shape[3])
}
