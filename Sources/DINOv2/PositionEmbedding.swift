/// The position embeddings a DINOv2 network adds at 224 x 224, from the 1 + 37 x 37 it stores.
///
/// The hub code (`interpolate_pos_encoding`) keeps the class token's embedding and resizes the
/// 37 x 37 patch grid with `F.interpolate(mode='bicubic', scale_factor=(16.1/37, 16.1/37),
/// align_corners=False, antialias=False)`: 16 + 0.1 is a historical offset, and because the
/// scale factor is given, PyTorch maps output index i to the source coordinate
/// (i + 0.5) / scale - 0.5 with that scale (37/16.1), not with 37/16. Each output is the 4 x 4
/// weighted sum of the nearest grid points, with Keys' cubic (A = -0.75) weights per axis and
/// indices clamped to the grid.
///
/// The hub resizes in float32 (`pos_embed.float()`), and PyTorch's kernel computes the source
/// coordinate in float32: Float(1 / scale) * (i + 0.5) - 0.5. That coordinate is reproduced
/// exactly (it moves the far rows by up to 4e-6 of a grid step, which shows at 5e-6 of the
/// embeddings' scale); the weights and sums are then taken in Double. Computed once per weights
/// file.
enum PositionEmbedding {
    /// The embeddings at 224 x 224, [257, D]: the class token's, then the 16 x 16 grid row by row.
    /// `stored` is the file's `pos_embed` [1, 1 + 37 * 37, D], row-major.
    static func at224(stored: [Float], width: Int) -> [Float] {
        let source = DINOv2Architecture.storedGridSize, target = DINOv2Architecture.gridSize
        precondition(stored.count == (1 + source * source) * width,
                     "pos_embed has \(stored.count) values, [1, \(1 + source * source), \(width)] needs \((1 + source * source) * width)")
        let scale = (Double(target) + 0.1) / Double(source)
        let taps = cubicTaps(input: source, output: target, scale: scale)
        var result = Array(stored[0 ..< width])
        result.reserveCapacity(DINOv2Architecture.tokenCount * width)
        var sum = [Double](repeating: 0, count: width)
        for row in taps {
            for column in taps {
                for d in 0 ..< width { sum[d] = 0 }
                for (i, rowWeight) in zip(row.indices, row.weights) {
                    for (j, columnWeight) in zip(column.indices, column.weights) {
                        let weight = rowWeight * columnWeight, token = 1 + i * source + j
                        for d in 0 ..< width { sum[d] += weight * Double(stored[token * width + d]) }
                    }
                }
                result += sum.map { Float($0) }
            }
        }
        return result
    }

    /// One output coordinate's four source indices (clamped) and their cubic weights.
    struct Tap {
        let indices: [Int]
        let weights: [Double]
    }

    /// PyTorch's float32 `upsample_bicubic2d` taps along one axis for a given scale factor:
    /// x = Float(1 / scale) * (i + 0.5) - 0.5 and t = x - floor(x) in Float, indices
    /// floor(x) - 1 ... floor(x) + 2.
    static func cubicTaps(input: Int, output: Int, scale: Double) -> [Tap] {
        let step = Float(1 / scale)
        return (0 ..< output).map { i in
            let x: Float = step * (Float(i) + 0.5) - 0.5
            let base = Int(x.rounded(.down))
            let t = Double(x - Float(base))
            let weights = [cubicOuter(t + 1), cubicInner(t), cubicInner(1 - t), cubicOuter(2 - t)]
            let indices = (-1 ... 2).map { min(max(base + $0, 0), input - 1) }
            return Tap(indices: indices, weights: weights)
        }
    }

    /// Keys' cubic for |x| <= 1 with A = -0.75: ((A + 2) x - (A + 3)) x^2 + 1.
    static func cubicInner(_ x: Double) -> Double {
        let a = -0.75
        return ((a + 2) * x - (a + 3)) * x * x + 1
    }

    /// Keys' cubic for 1 <= |x| <= 2 with A = -0.75: ((A x - 5A) x + 8A) x - 4A.
    static func cubicOuter(_ x: Double) -> Double {
        let a = -0.75
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    }
}
