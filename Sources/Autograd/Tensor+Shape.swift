import CBLAS

// MARK: - Channel concat

extension Tensor {
    /// Concatenates NCHW tensors along channels; all must share N, H and W.
    /// Backward slices the output gradient back into each part.
    public static func concatChannels(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatChannels: nothing to concatenate")
        let (n, _, h, w) = parts[0].nchw
        for part in parts {
            let p = part.nchw
            precondition(p.n == n && p.h == h && p.w == w,
                         "concatChannels: \(part.shape) does not match \(parts[0].shape) outside channels")
        }
        let plane = h * w
        let channels = parts.map { $0.shape[1] }
        let total = channels.reduce(0, +)
        let output = makeBuffer(n * total * plane) { out in
            var offset = 0
            for (part, c) in zip(parts, channels) {
                part.data.withUnsafeBufferPointer { x in
                    for b in 0 ..< n {
                        (out.baseAddress! + (b * total + offset) * plane)
                            .initialize(from: x.baseAddress! + b * c * plane, count: c * plane)
                    }
                }
                offset += c
            }
        }
        return result(shape: [n, total, h, w], data: output, inputs: parts) { gradOut in
            var offset = 0
            return channels.map { c in
                defer { offset += c }
                return makeBuffer(n * c * plane) { dx in
                    gradOut.withUnsafeBufferPointer { dy in
                        for b in 0 ..< n {
                            (dx.baseAddress! + b * c * plane)
                                .initialize(from: dy.baseAddress! + (b * total + offset) * plane, count: c * plane)
                        }
                    }
                }
            }
        }
    }

    // MARK: - Linear

    /// y = x W^T + b for x [N, in], frozen W [out, in] row-major and b [out] -> y [N, out].
    public func linear(weight: [Float], bias: [Float]?, outFeatures: Int) -> Tensor {
        precondition(rank == 2, "linear: expected [N, in], got \(shape)")
        let n = shape[0], inFeatures = shape[1]
        precondition(weight.count == outFeatures * inFeatures,
                     "linear: weight has \(weight.count) values, [\(outFeatures), \(inFeatures)] needs \(outFeatures * inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "linear: bias length \(bias!.count) != \(outFeatures)")
        ComputeRuntime.ensureConfigured()
        let output = makeBuffer(n * outFeatures) { out in
            for b in 0 ..< n {
                for o in 0 ..< outFeatures { out[b * outFeatures + o] = bias?[o] ?? 0 }
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(outFeatures), Int32(inFeatures),
                        1, data, Int32(inFeatures), weight, Int32(inFeatures), 1, out.baseAddress!, Int32(outFeatures))
        }
        return Tensor.result(shape: [n, outFeatures], data: output, inputs: [self]) { gradOut in
            // dx [N, in] = dy [N, out] W [out, in]
            [makeBuffer(n * inFeatures) { dx in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(inFeatures), Int32(outFeatures),
                            1, gradOut, Int32(outFeatures), weight, Int32(inFeatures), 0, dx.baseAddress!, Int32(inFeatures))
            }]
        }
    }

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
