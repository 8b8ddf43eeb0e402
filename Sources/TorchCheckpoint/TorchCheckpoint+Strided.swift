// From a strided view of a storage's raw little-endian bytes to contiguous row-major values.
//
// The real pytorch-fid weights are not row-major: conv weights are HWIO storages viewed as OIHW
// (size (32,3,3,3), stride (1,32,288,96)) and fc.weight is stored transposed (stride (1,1008)).
// Every view is checked against its storage, and the elements all views allocate against the
// elements their storages hold, before a single value is allocated.

import Foundation
import UntrustedInput

// MARK: - Layout

/// A validated strided view reduced to the fewest dimensions that visit the same storage elements
/// in the same row-major order: size-1 dimensions dropped, a dimension merged into the next when
/// `stride[i] == stride[i+1] * size[i+1]`.
struct StridedLayout {
    /// Number of elements of the view (product of its sizes; 1 for a 0-d tensor).
    let elementCount: Int
    /// Storage index of element [0, 0, ...].
    let offset: Int
    /// (size, stride) pairs, outermost first, every size > 1.
    let dimensions: [(size: Int, stride: Int)]

    /// Checks `tensor` against its storage: ranks agree, nothing is negative, nothing overflows,
    /// the last element addressed lies inside the storage. Throws a description of the lie.
    init(checking tensor: TorchTensorReference) throws {
        let shape = tensor.shape, strides = tensor.strides, storage = tensor.storage
        let view = "size \(shape), stride \(strides), offset \(tensor.storageOffset)"
        guard shape.count == strides.count else {
            throw CheckpointProblem(.corrupt, "has \(shape.count) sizes but \(strides.count) strides; the file is corrupt")
        }
        guard tensor.storageOffset >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw CheckpointProblem(.corrupt, "has a negative size, stride or offset (\(view)); the file is corrupt")
        }
        var elementCount = 1
        for size in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw CheckpointProblem(.corrupt, "claims more elements than memory can hold (\(view)); "
                    + "the file is corrupt or hostile")
            }
            elementCount = product
        }
        var last = tensor.storageOffset
        for (size, stride) in zip(shape, strides) where size > 0 {
            let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflowAgain) = last.addingReportingOverflow(step)
            guard !overflow && !overflowAgain else {
                throw CheckpointProblem(.corrupt, "addresses elements beyond any storage (\(view)); "
                    + "the file is corrupt or hostile")
            }
            last = sum
        }
        guard elementCount == 0 || last < storage.elementCount else {
            throw CheckpointProblem(.corrupt, "reaches element \(last) (\(view)) but storage '\(UntrustedText.printable(storage.key))' "
                + "holds only \(storage.elementCount) elements; the file is corrupt or hostile")
        }
        var dimensions: [(size: Int, stride: Int)] = []
        for (size, stride) in zip(shape, strides) where size != 1 {
            let (span, overflow) = stride.multipliedReportingOverflow(by: size)
            if let outer = dimensions.last, !overflow, outer.stride == span {
                dimensions[dimensions.count - 1] = (outer.size * size, stride)
            } else {
                dimensions.append((size, stride))
            }
        }
        self.elementCount = elementCount
        self.offset = tensor.storageOffset
        self.dimensions = elementCount == 0 ? [] : dimensions
    }

    /// Copies the view's elements in row-major order into `output` (room for `elementCount`),
    /// reading `Word`s from `storage` (little-endian, unaligned) and converting each with `convert`.
    @inline(__always)
    func gather<Word: FixedWidthInteger, Element>(
        from storage: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Element>,
        convert: (Word) -> Element
    ) {
        guard elementCount > 0, let source = storage.baseAddress else { return }
        let width = MemoryLayout<Word>.size
        let inner = dimensions.last ?? (size: 1, stride: 1)
        let outer = Array(dimensions.dropLast())
        var counters = [Int](repeating: 0, count: outer.count)
        var start = offset
        var written = 0
        while written < elementCount {
            let run = source + start * width
            let destination = output + written
            if inner.stride == 1 {
                for index in 0 ..< inner.size {
                    destination[index] = convert(Word(littleEndian:
                        run.loadUnaligned(fromByteOffset: index * width, as: Word.self)))
                }
            } else {
                let step = inner.stride * width
                for index in 0 ..< inner.size {
                    destination[index] = convert(Word(littleEndian:
                        run.loadUnaligned(fromByteOffset: index * step, as: Word.self)))
                }
            }
            written += inner.size
            // Odometer over the outer dimensions, innermost first.
            var dimension = outer.count - 1
            while dimension >= 0 {
                counters[dimension] += 1
                start += outer[dimension].stride
                if counters[dimension] < outer[dimension].size { break }
                start -= outer[dimension].stride * outer[dimension].size
                counters[dimension] = 0
                dimension -= 1
            }
        }
    }
}

// MARK: - Elements allocated

/// The elements a checkpoint's tensors have allocated so far, against the elements of their
/// storages (each already checked against the bytes in the file) plus `Limits.maxTensorElements`.
/// A stride-0 view legitimately repeats elements, and keys may share a storage, but a small file
/// must not make fidviz allocate terabytes that way.
struct TensorElementBudget {
    let allowance: Int
    private var storageElements = 0
    private var tensorElements = 0
    private var storagesCounted: Set<String> = []

    init(limits: Limits) { allowance = limits.maxTensorElements }

    /// Counts `layout`'s elements, or throws if they would exceed the budget.
    mutating func admit(_ layout: StridedLayout, of tensor: TorchTensorReference, key: String) throws {
        if storagesCounted.insert(tensor.storage.key).inserted {
            storageElements = Self.sum(storageElements, tensor.storage.elementCount)
        }
        let total = Self.sum(tensorElements, layout.elementCount)
        guard total <= Self.sum(storageElements, allowance) else {
            throw CheckpointProblem(.unsupported, key: key, "has \(layout.elementCount) elements (size \(tensor.shape), "
                + "stride \(tensor.strides), offset \(tensor.storageOffset)); the checkpoint's tensors would then hold "
                + "\(total) elements, more than its storages (\(storageElements)) plus the limit of \(allowance) "
                + "(FIDVIZ_MAX_TENSOR_ELEMENTS); the file is corrupt or hostile")
        }
        tensorElements = total
    }

    private static func sum(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }
}

// MARK: - Values

extension TorchCheckpoint {
    /// The values of `tensor`, whose storage's bytes are exactly `storage`
    /// (`elementCount * byteWidth` little-endian bytes), once `budget` has admitted them.
    /// Float16 is widened to Float.
    static func materialize(_ tensor: TorchTensorReference, key: String, storage: UnsafeRawBufferPointer,
                            budget: inout TensorElementBudget) throws -> CheckpointTensor {
        let scalarType = tensor.storage.scalarType
        precondition(storage.count == tensor.storage.byteCount, "storage '\(tensor.storage.key)' has "
                     + "\(storage.count) bytes for \(tensor.storage.elementCount) elements of \(scalarType)")
        guard scalarType.isSupported else {
            throw CheckpointProblem(.unsupported, key: key, "is stored as torch.\(scalarType.rawValue), but fidviz "
                + "reads float32, float64, float16 and int64 tensors; convert it before saving")
        }
        let layout: StridedLayout
        do {
            layout = try StridedLayout(checking: tensor)
        } catch var problem as CheckpointProblem {
            problem.key = key
            throw problem
        }
        try budget.admit(layout, of: tensor, key: key)
        let values: CheckpointValues
        switch scalarType {
        case .float32: values = .float32(gathered(layout, storage) { (bits: UInt32) in Float(bitPattern: bits) })
        case .float64: values = .float64(gathered(layout, storage) { (bits: UInt64) in Double(bitPattern: bits) })
        case .float16: values = .float16(gathered(layout, storage) { (bits: UInt16) in Float(halfBits: bits) })
        case .int64: values = .int64(gathered(layout, storage) { (bits: UInt64) in Int64(bitPattern: bits) })
        default: preconditionFailure("unsupported scalar type \(scalarType) passed the check")
        }
        return CheckpointTensor(shape: tensor.shape, values: values)
    }

    /// A new array of the view's elements in row-major order.
    @inline(__always)
    private static func gathered<Word: FixedWidthInteger, Element>(
        _ layout: StridedLayout, _ storage: UnsafeRawBufferPointer, convert: (Word) -> Element
    ) -> [Element] {
        [Element](unsafeUninitializedCapacity: layout.elementCount) { buffer, initializedCount in
            if let output = buffer.baseAddress {
                layout.gather(from: storage, into: output, convert: convert)
            }
            initializedCount = layout.elementCount
        }
    }
}

// MARK: - Half precision

fileprivate extension Float {
    /// The IEEE 754 binary16 value with bit pattern `bits`, exactly (every half is a Float).
    /// Subnormals are `mantissa * 2^-24`; infinities and NaNs keep their payload.
    init(halfBits bits: UInt16) {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1f
        let mantissa = UInt32(bits & 0x03ff)
        switch exponent {
        case 0x1f: self.init(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            self = sign == 0 ? magnitude : -magnitude
        default: self.init(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
